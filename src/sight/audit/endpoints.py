"""GET /api/v1/audit: destructive and security-relevant actions, newest first."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import Query

from sight.audit import service
from sight.audit.schemas import AuditEntryRead
from sight.deps import CurrentUser, DbSession
from sight.kit.errors import error_responses
from sight.kit.pagination import OffsetQuery
from sight.kit.routers import domain_router
from sight.kit.routing import API_PREFIX
from sight.kit.schemas import FilterValue, Page

router = domain_router(prefix=API_PREFIX, tags=["audit"])


@router.get(
    "/audit",
    response_model=Page[AuditEntryRead],
    responses=error_responses(403),
    description=(
        "Admins read every entry; team owners read their teams' entries and those "
        "of their teams' projects; anyone else gets 403. `action` is an exact "
        'action ("project.delete") or a prefix ending in a dot ("team.").'
    ),
)
async def list_audit(
    user: CurrentUser,
    session: DbSession,
    action: FilterValue | None = None,
    actor_id: uuid.UUID | None = None,
    project_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: OffsetQuery = 0,
) -> Page[AuditEntryRead]:
    rows, total = await service.list_entries(
        session,
        user,
        action=action,
        actor_id=actor_id,
        project_id=project_id,
        team_id=team_id,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    return Page[AuditEntryRead](
        items=[AuditEntryRead.model_validate(r) for r in rows],
        total=total,
        limit=limit,
        offset=offset,
    )
