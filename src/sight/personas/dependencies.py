"""A persona and the caller's right to it, through its project's access policy."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends

from sight.deps import CurrentUser, DbSession
from sight.personas import service
from sight.personas.models import Persona
from sight.projects.access import Need, authorize_project


def persona_access(need: Need) -> Any:
    async def dependency(
        persona_id: uuid.UUID, user: CurrentUser, session: DbSession
    ) -> Persona:
        persona = await service.get_persona(session, persona_id)
        await authorize_project(session, user, persona.project_id, need)
        return persona

    dependency.__name__ = f"persona_{need}_access"
    return Depends(dependency)


PersonaReader = Annotated[Persona, persona_access("read")]
PersonaWriter = Annotated[Persona, persona_access("write")]
