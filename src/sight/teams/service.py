"""Teams and their members. Services never commit; every change is audited.

Rules a research team relies on:
- the creator is the first owner; a team always keeps at least one owner
  (demoting or removing the last one is a 409 that says what to do instead);
- owners (and system admins) manage the team and its members; anyone may
  leave a team, except its last owner;
- members are existing accounts, invited by email;
- deleting a team leaves its projects to their owners (nothing is deleted).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from sight.audit.service import record
from sight.auth.models import SystemRole, User
from sight.kit.errors import Conflict, Forbidden, NotFound
from sight.llm.budget import spent_this_month
from sight.teams import repository
from sight.teams.models import Team, TeamMember, TeamRole
from sight.teams.schemas import (
    MemberAdd,
    MemberOut,
    MemberUpdate,
    TeamCreate,
    TeamOut,
    TeamUpdate,
)


class LastOwner(Conflict):
    pass


class AlreadyMember(Conflict):
    pass


class NoSuchAccount(NotFound):
    def __init__(self, email: str) -> None:
        super().__init__("account")
        self.detail = (
            f"no account with the email {email}; ask them to register first, "
            "then invite them again"
        )


class TeamManagementRefused(Forbidden):
    pass


@dataclass(frozen=True)
class TeamAccess:
    """A team and the caller's role in it (None: an admin outside the team)."""

    team: Team
    role: str | None
    user: User

    @property
    def manages(self) -> bool:
        if self.user.role == SystemRole.viewer:
            return False
        return self.role == TeamRole.owner or self.user.role == SystemRole.admin


def ensure_may_create(user: User) -> None:
    if user.role == SystemRole.viewer:
        raise TeamManagementRefused(
            "your account is a viewer and cannot create teams; ask an admin for "
            "the researcher role"
        )


async def resolve(session: AsyncSession, user: User, team_id: uuid.UUID) -> TeamAccess:
    """The team if the caller belongs to it (or is an admin); 404 otherwise."""
    team = await repository.get(session, team_id)
    if team is None:
        raise NotFound("team", team_id)
    membership = await repository.member(session, team_id, user.id)
    if membership is None and user.role != SystemRole.admin:
        raise NotFound("team", team_id)
    return TeamAccess(team, membership.role if membership else None, user)


def ensure_manages(access: TeamAccess) -> None:
    if not access.manages:
        raise TeamManagementRefused(
            "only the team's owners can change the team or its members"
        )


async def create_team(session: AsyncSession, user: User, data: TeamCreate) -> Team:
    ensure_may_create(user)
    team = Team(
        name=data.name,
        description=data.description,
        monthly_budget_usd=data.monthly_budget_usd,
    )
    session.add(team)
    await session.flush()
    session.add(TeamMember(team_id=team.id, user_id=user.id, role=TeamRole.owner))
    await session.flush()
    await session.refresh(team)
    return team


async def update_team(
    session: AsyncSession, access: TeamAccess, data: TeamUpdate
) -> Team:
    ensure_manages(access)
    team = access.team
    changes = data.model_dump(exclude_unset=True)
    for key, value in changes.items():
        if value is None and key != "monthly_budget_usd":
            continue
        setattr(team, key, value)
    if "monthly_budget_usd" in changes:
        record(
            session,
            "team.budget_change",
            "team",
            team.id,
            team_id=team.id,
            details={"monthly_budget_usd": data.monthly_budget_usd},
        )
    await session.flush()
    await session.refresh(team)
    return team


async def delete_team(session: AsyncSession, access: TeamAccess) -> None:
    ensure_manages(access)
    team = access.team
    record(
        session,
        "team.delete",
        "team",
        team.id,
        team_id=team.id,
        details={"name": team.name},
    )
    await session.delete(team)
    await session.flush()


async def add_member(
    session: AsyncSession, access: TeamAccess, data: MemberAdd
) -> TeamMember:
    ensure_manages(access)
    invited = await repository.user_by_email(session, str(data.email))
    if invited is None or not invited.is_active:
        raise NoSuchAccount(str(data.email))
    if await repository.member(session, access.team.id, invited.id) is not None:
        raise AlreadyMember(
            f"{invited.email} is already in this team; change their role instead"
        )
    membership = TeamMember(team_id=access.team.id, user_id=invited.id, role=data.role)
    session.add(membership)
    record(
        session,
        "team.member_add",
        "team_member",
        invited.id,
        team_id=access.team.id,
        details={"email": invited.email, "role": data.role},
    )
    await session.flush()
    return membership


async def _target(
    session: AsyncSession, access: TeamAccess, user_id: uuid.UUID
) -> TeamMember:
    await repository.lock_team(session, access.team.id)
    membership = await repository.member(session, access.team.id, user_id)
    if membership is None:
        raise NotFound("team member", user_id)
    return membership


async def change_role(
    session: AsyncSession, access: TeamAccess, user_id: uuid.UUID, data: MemberUpdate
) -> TeamMember:
    ensure_manages(access)
    membership = await _target(session, access, user_id)
    if membership.role == data.role:
        return membership
    if (
        membership.role == TeamRole.owner
        and await repository.owner_count(session, access.team.id) <= 1
    ):
        raise LastOwner(
            "this is the team's last owner: make another member an owner first"
        )
    record(
        session,
        "team.member_role",
        "team_member",
        user_id,
        team_id=access.team.id,
        details={"from": membership.role, "to": data.role},
    )
    membership.role = data.role
    await session.flush()
    return membership


async def remove_member(
    session: AsyncSession, access: TeamAccess, user_id: uuid.UUID
) -> None:
    leaving = user_id == access.user.id
    if not leaving:
        ensure_manages(access)
    membership = await _target(session, access, user_id)
    if (
        membership.role == TeamRole.owner
        and await repository.owner_count(session, access.team.id) <= 1
    ):
        raise LastOwner(
            "the last owner cannot leave the team: make another member an owner "
            "first, or delete the team"
        )
    record(
        session,
        "team.member_leave" if leaving else "team.member_remove",
        "team_member",
        user_id,
        team_id=access.team.id,
        details={"role": membership.role},
    )
    await session.delete(membership)
    await session.flush()


async def read_teams(
    session: AsyncSession, user: User, teams: list[Team]
) -> list[TeamOut]:
    """Teams as the API shows them: members, the caller's role, spend."""
    ids = [team.id for team in teams]
    if not ids:
        return []
    by_team: dict[uuid.UUID, list[MemberOut]] = {team_id: [] for team_id in ids}
    my_roles: dict[uuid.UUID, str] = {}
    for membership, account in await repository.members(session, ids):
        by_team[membership.team_id].append(
            MemberOut(
                user_id=account.id,
                email=account.email,
                full_name=account.full_name,
                role=membership.role,
            )
        )
        if account.id == user.id:
            my_roles[membership.team_id] = membership.role
    counts = await repository.project_counts(session, ids)
    result = []
    for team in teams:
        projects = await repository.project_ids(session, team.id)
        result.append(
            TeamOut(
                id=team.id,
                name=team.name,
                description=team.description,
                created_at=team.created_at,
                members=by_team[team.id],
                my_role=my_roles.get(team.id),
                monthly_budget_usd=float(team.monthly_budget_usd)
                if team.monthly_budget_usd is not None
                else None,
                month_spent_usd=await spent_this_month(session, project_ids=projects)
                if projects
                else 0.0,
                project_count=counts.get(team.id, 0),
            )
        )
    return result
