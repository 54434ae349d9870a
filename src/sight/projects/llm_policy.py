"""The projects domain's side of `sight.llm.policies`: a project's spend cap
and model overrides, as the gateway sees them."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from sight.llm.policies import ProjectPolicy
from sight.projects.models import Project


class ProjectPoliciesFromProjects:
    async def policy(
        self, session: AsyncSession, project_id: uuid.UUID
    ) -> ProjectPolicy | None:
        project = await session.get(Project, project_id)
        if project is None:
            return None
        return ProjectPolicy(
            name=project.name,
            budget_usd=float(project.budget_usd)
            if project.budget_usd is not None
            else None,
            llm_overrides=dict(project.llm_overrides or {}),
        )
