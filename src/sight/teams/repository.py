"""Every query of the teams domain."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sight.auth.models import User
from sight.projects.models import Project
from sight.teams.models import Team, TeamMember, TeamRole


async def get(session: AsyncSession, team_id: uuid.UUID) -> Team | None:
    team: Team | None = await session.get(Team, team_id)
    return team


async def member(
    session: AsyncSession, team_id: uuid.UUID, user_id: uuid.UUID
) -> TeamMember | None:
    row: TeamMember | None = await session.get(TeamMember, (team_id, user_id))
    return row


async def members(
    session: AsyncSession, team_ids: list[uuid.UUID]
) -> list[tuple[TeamMember, User]]:
    rows = await session.execute(
        select(TeamMember, User)
        .join(User, User.id == TeamMember.user_id)
        .where(TeamMember.team_id.in_(team_ids))
        .order_by(TeamMember.created_at, User.email)
    )
    return [(m, u) for m, u in rows.all()]


async def teams_of(session: AsyncSession, user_id: uuid.UUID) -> list[Team]:
    rows = await session.scalars(
        select(Team)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.user_id == user_id)
        .order_by(Team.name, Team.id)
    )
    return list(rows)


async def owner_count(session: AsyncSession, team_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(TeamMember)
        .where(TeamMember.team_id == team_id, TeamMember.role == TeamRole.owner)
    )
    return int(count or 0)


async def lock_team(session: AsyncSession, team_id: uuid.UUID) -> None:
    """Serialise membership changes of one team (the last-owner rule)."""
    await session.execute(select(Team.id).where(Team.id == team_id).with_for_update())


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    user: User | None = await session.scalar(
        select(User).where(User.email == email.lower())
    )
    return user


async def project_counts(
    session: AsyncSession, team_ids: list[uuid.UUID]
) -> dict[uuid.UUID, int]:
    rows = await session.execute(
        select(Project.team_id, func.count())
        .where(Project.team_id.in_(team_ids))
        .group_by(Project.team_id)
    )
    return {team_id: count for team_id, count in rows.all() if team_id}


async def project_ids(session: AsyncSession, team_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        await session.scalars(select(Project.id).where(Project.team_id == team_id))
    )
