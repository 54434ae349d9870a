"""Teams: create, list mine, read, rename, delete; invite by email, change
roles, remove or leave (the last owner stays: 409)."""

from __future__ import annotations

import uuid

from fastapi import Response, status

from sight.deps import CurrentUser, DbSession
from sight.kit.errors import error_responses
from sight.kit.routers import domain_router
from sight.kit.routing import API_PREFIX
from sight.teams import repository, service
from sight.teams.schemas import MemberAdd, MemberUpdate, TeamCreate, TeamOut, TeamUpdate

router = domain_router(prefix=f"{API_PREFIX}/teams", tags=["teams"])


async def _one(session: DbSession, user: CurrentUser, team_id: uuid.UUID) -> TeamOut:
    team = await repository.get(session, team_id)
    assert team is not None  # noqa: S101 (resolved by the caller)
    return (await service.read_teams(session, user, [team]))[0]


@router.post(
    "",
    response_model=TeamOut,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(403),
    description="Researchers and admins; the creator becomes the team's owner.",
)
async def create_team(
    data: TeamCreate, user: CurrentUser, session: DbSession
) -> TeamOut:
    team = await service.create_team(session, user, data)
    return await _one(session, user, team.id)


@router.get("/my", response_model=list[TeamOut])
async def my_teams(user: CurrentUser, session: DbSession) -> list[TeamOut]:
    """The teams the caller belongs to, by name."""
    teams = await repository.teams_of(session, user.id)
    return await service.read_teams(session, user, teams)


@router.get("/{team_id}", response_model=TeamOut)
async def get_team(
    team_id: uuid.UUID, user: CurrentUser, session: DbSession
) -> TeamOut:
    await service.resolve(session, user, team_id)
    return await _one(session, user, team_id)


@router.put("/{team_id}", response_model=TeamOut, responses=error_responses(403))
async def update_team(
    team_id: uuid.UUID, data: TeamUpdate, user: CurrentUser, session: DbSession
) -> TeamOut:
    access = await service.resolve(session, user, team_id)
    await service.update_team(session, access, data)
    return await _one(session, user, team_id)


@router.delete(
    "/{team_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(403),
    description="Team owners; the team's projects stay with their owners.",
)
async def delete_team(
    team_id: uuid.UUID, user: CurrentUser, session: DbSession
) -> Response:
    access = await service.resolve(session, user, team_id)
    await service.delete_team(session, access)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{team_id}/members",
    response_model=TeamOut,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(403, 409),
    description="Team owners invite a registered account by its email (404 if "
    "there is none, 409 if it is already a member).",
)
async def add_member(
    team_id: uuid.UUID, data: MemberAdd, user: CurrentUser, session: DbSession
) -> TeamOut:
    access = await service.resolve(session, user, team_id)
    await service.add_member(session, access, data)
    return await _one(session, user, team_id)


@router.put(
    "/{team_id}/members/{user_id}",
    response_model=TeamOut,
    responses=error_responses(403, 409),
    description="Team owners; demoting the last owner is a 409.",
)
async def change_member_role(
    team_id: uuid.UUID,
    user_id: uuid.UUID,
    data: MemberUpdate,
    user: CurrentUser,
    session: DbSession,
) -> TeamOut:
    access = await service.resolve(session, user, team_id)
    await service.change_role(session, access, user_id, data)
    return await _one(session, user, team_id)


@router.delete(
    "/{team_id}/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(403, 409),
    description="Team owners remove anyone; anyone may remove themselves "
    "(leave). The last owner cannot leave (409).",
)
async def remove_member(
    team_id: uuid.UUID, user_id: uuid.UUID, user: CurrentUser, session: DbSession
) -> Response:
    access = await service.resolve(session, user, team_id)
    await service.remove_member(session, access, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
