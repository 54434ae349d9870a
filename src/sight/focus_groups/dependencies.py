"""Resolving a focus group (or an interviewed persona) and the caller's right
to it: load the row, then ask the one access policy about its project."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends

from sight.deps import CurrentUser, DbSession
from sight.focus_groups import repository
from sight.focus_groups.models import FocusGroup
from sight.kit.errors import NotFound
from sight.personas.models import Persona
from sight.projects.access import Need, authorize_project


def group_access(need: Need) -> Any:
    async def dependency(
        focus_group_id: uuid.UUID, user: CurrentUser, session: DbSession
    ) -> FocusGroup:
        group = await repository.get_group(session, focus_group_id)
        if group is None:
            raise NotFound("focus group", focus_group_id)
        try:
            await authorize_project(session, user, group.project_id, need)
        except NotFound:
            # The same answer as for a missing group: ids reveal nothing.
            raise NotFound("focus group", focus_group_id) from None
        return group

    dependency.__name__ = f"focus_group_{need}_access"
    return Depends(dependency)


def persona_access(need: Need) -> Any:
    async def dependency(
        persona_id: uuid.UUID, user: CurrentUser, session: DbSession
    ) -> Persona:
        persona = await session.get(Persona, persona_id)
        if persona is None or persona.deleted_at is not None:
            raise NotFound("persona", persona_id)
        try:
            await authorize_project(session, user, persona.project_id, need)
        except NotFound:
            raise NotFound("persona", persona_id) from None
        return persona

    dependency.__name__ = f"interview_persona_{need}_access"
    return Depends(dependency)


GroupReader = Annotated[FocusGroup, group_access("read")]
GroupWriter = Annotated[FocusGroup, group_access("write")]
InterviewedPersona = Annotated[Persona, persona_access("read")]
