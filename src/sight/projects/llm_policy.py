"""The projects domain's side of `sight.llm.policies`: a project's spend cap,
its model overrides and its team's limit, as the gateway sees them."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sight.llm.policies import ProjectPolicy, TeamPolicy
from sight.projects.models import Project
from sight.teams.models import Team


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
            team=await _team(session, project.team_id),
        )


async def _team(session: AsyncSession, team_id: uuid.UUID | None) -> TeamPolicy | None:
    if team_id is None:
        return None
    team = await session.get(Team, team_id)
    if team is None:
        return None
    if team.monthly_budget_usd is None:
        # Only the name: no limit to check, no project list to load.
        return TeamPolicy(name=team.name, budget_usd=None)
    ids = await session.scalars(select(Project.id).where(Project.team_id == team_id))
    return TeamPolicy(
        name=team.name,
        budget_usd=float(team.monthly_budget_usd),
        project_ids=tuple(ids),
    )
