"""Writing and reading the audit log. Entries are added to the caller's session,
so an action and its entry commit together (or neither does)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from sight.audit import context
from sight.audit.context import Actor
from sight.audit.models import AuditEntry
from sight.auth.models import SystemRole, User
from sight.kit.errors import Forbidden
from sight.kit.pagination import paginate
from sight.projects.models import Project
from sight.teams.models import TeamMember, TeamRole


class AuditLogRefused(Forbidden):
    pass


def entry(
    actor: Actor,
    action: str,
    resource_type: str,
    resource_id: object | None = None,
    *,
    project_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry(
        actor_id=actor.user_id,
        actor_email=actor.email,
        action=action,
        resource_type=resource_type,
        resource_id=str(resource_id) if resource_id is not None else None,
        project_id=project_id,
        team_id=team_id,
        details=details or {},
        client_ip=(actor.client_ip or None) and actor.client_ip[:64],
        user_agent=(actor.user_agent or None) and actor.user_agent[:400],
    )


def record(
    session: AsyncSession | Session,
    action: str,
    resource_type: str,
    resource_id: object | None = None,
    *,
    project_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    details: dict[str, Any] | None = None,
    actor: Actor | None = None,
) -> None:
    """Add an entry for the current request's caller (or `actor`); nothing
    when no one is acting (background work)."""
    actor = actor or context.current()
    if actor is None:
        return
    session.add(
        entry(
            actor,
            action,
            resource_type,
            resource_id,
            project_id=project_id,
            team_id=team_id,
            details=details,
        )
    )


async def visible_entries(
    session: AsyncSession, user: User
) -> ColumnElement[bool] | None:
    """What `user` may read of the log: everything for admins, their teams'
    entries (and their teams' projects') for team owners; None: nothing."""
    if user.role == SystemRole.admin:
        return AuditEntry.id.is_not(None)
    owned = list(
        await session.scalars(
            select(TeamMember.team_id).where(
                TeamMember.user_id == user.id, TeamMember.role == TeamRole.owner
            )
        )
    )
    if not owned:
        return None
    return or_(
        AuditEntry.team_id.in_(owned),
        AuditEntry.project_id.in_(select(Project.id).where(Project.team_id.in_(owned))),
    )


async def list_entries(
    session: AsyncSession,
    user: User,
    *,
    action: str | None,
    actor_id: uuid.UUID | None,
    project_id: uuid.UUID | None,
    team_id: uuid.UUID | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
) -> tuple[list[AuditEntry], int]:
    visible = await visible_entries(session, user)
    if visible is None:
        raise AuditLogRefused(
            "the audit log is open to admins and to team owners (for their teams)"
        )
    conditions: list[ColumnElement[bool]] = [visible]
    if action:
        # "project.delete" exactly, or "team." for every team action.
        conditions.append(
            AuditEntry.action.startswith(action, autoescape=True)
            if action.endswith(".")
            else AuditEntry.action == action
        )
    if actor_id is not None:
        conditions.append(AuditEntry.actor_id == actor_id)
    if project_id is not None:
        conditions.append(AuditEntry.project_id == project_id)
    if team_id is not None:
        conditions.append(AuditEntry.team_id == team_id)
    if since is not None:
        conditions.append(AuditEntry.created_at >= since)
    if until is not None:
        conditions.append(AuditEntry.created_at < until)
    return await paginate(
        session,
        AuditEntry,
        *conditions,
        order_by=[AuditEntry.created_at.desc(), AuditEntry.id.desc()],
        limit=limit,
        offset=offset,
    )
