"""Project CRUD with ownership checks and target validation."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from sight.auth.models import SystemRole, User
from sight.demographics import TargetDemographicsError, validate_target
from sight.kit.errors import Forbidden, SightError
from sight.llm.config import routing_table
from sight.projects import repository
from sight.projects.access import authorize_project, visible_projects
from sight.projects.models import Project
from sight.projects.schemas import ProjectCreate, ProjectUpdate


class InvalidTargetDemographics(SightError):
    """422 in the same shape as request validation errors, one item per problem."""

    status_code = 422

    def __init__(self, error: TargetDemographicsError) -> None:
        super().__init__(
            [
                {
                    "loc": ["body", *problem.path.split(".")],
                    "field": problem.path,
                    "msg": problem.message,
                    "type": "target_demographics",
                    "allowed": problem.allowed,
                }
                for problem in error.problems
            ]
        )

    @property
    def kind(self) -> str:
        return "ValidationError"


class UnknownFlows(SightError):
    status_code = 422


class ProjectCreationRefused(Forbidden):
    pass


class TeamNotAllowed(SightError):
    """422: the team named in the body is not one the caller may share into."""

    status_code = 422


async def _check_team(
    session: AsyncSession, user: User, team_id: uuid.UUID | None
) -> None:
    """A project may be shared with a team its owner works in (owner or member)."""
    if team_id is None:
        return
    role = await repository.team_role(session, team_id, user.id)
    if role in ("owner", "member"):
        return
    if user.role == SystemRole.admin and await repository.team_exists(session, team_id):
        return
    raise TeamNotAllowed(
        [
            {
                "loc": ["body", "team_id"],
                "field": "team_id",
                "msg": "not a team you can share into: pick one of your teams "
                "where you are an owner or member (GET /api/v1/teams/my), or null",
                "type": "team_id",
            }
        ]
    )


def normalise_target(raw: dict[str, Any], country: str) -> dict[str, Any]:
    try:
        target = validate_target(raw, country)
    except TargetDemographicsError as exc:
        raise InvalidTargetDemographics(exc) from None
    return target.model_dump(mode="json")


async def create_project(
    session: AsyncSession, user: User, data: ProjectCreate
) -> Project:
    if user.role == SystemRole.viewer:
        raise ProjectCreationRefused(
            "your account is a viewer and cannot create projects; ask an admin "
            "for the researcher role"
        )
    await _check_team(session, user, data.team_id)
    project = Project(
        owner_id=user.id,
        **data.model_dump(exclude={"target_demographics"}),
        target_demographics=data.target_demographics,
        target_distribution=normalise_target(data.target_demographics, data.country),
        llm_overrides={},
    )
    repository.add(session, project)
    await session.flush()
    await session.refresh(project)
    if project.team_id is not None:
        await _tell_team(session, user, project)
    return project


async def _tell_team(session: AsyncSession, user: User, project: Project) -> None:
    """The team's other members learn that a project was shared with them,
    in the transaction that shares it."""
    from sight.notifications.service import notify_project_shared

    assert project.team_id is not None  # noqa: S101 (callers check)
    members = await repository.team_member_ids(session, project.team_id)
    await notify_project_shared(
        session,
        project,
        [member for member in members if member != user.id],
        shared_by=user.full_name or user.email,
    )


async def list_projects(
    session: AsyncSession, user: User, limit: int, offset: int, *, everything: bool
) -> tuple[list[Project], int]:
    if everything:
        if user.role != SystemRole.admin:
            raise Forbidden("only admins can list every project (scope=all)")
        return await repository.page(session, Project.id.is_not(None), limit, offset)
    return await repository.page(session, visible_projects(user), limit, offset)


async def update_project(
    session: AsyncSession, user: User, project: Project, data: ProjectUpdate
) -> Project:
    changes = data.model_dump(exclude_unset=True, exclude={"llm_overrides", "team_id"})
    if "team_id" in data.model_fields_set and data.team_id != project.team_id:
        # Moving the project changes who may see it: the admin right on it.
        await authorize_project(session, user, project.id, "admin")
        await _check_team(session, user, data.team_id)
        project.team_id = data.team_id
        if data.team_id is not None:
            await session.flush()
            await _tell_team(session, user, project)
    for key, value in changes.items():
        if value is None and key not in {"budget_usd"}:
            continue
        setattr(project, key, value)
    if data.llm_overrides is not None:
        unknown = sorted(set(data.llm_overrides.flows) - set(routing_table().flows))
        if unknown:
            raise UnknownFlows(
                f"unknown flow(s) {', '.join(unknown)}; known flows: "
                + ", ".join(sorted(routing_table().flows))
            )
        project.llm_overrides = data.llm_overrides.model_dump(exclude_none=True)
    if "target_demographics" in changes or "country" in changes:
        project.target_distribution = normalise_target(
            project.target_demographics, project.country
        )
    await session.flush()
    await session.refresh(project)
    return project


async def delete_project(session: AsyncSession, project: Project) -> None:
    # Recorded in the audit log by sight.audit.watch (the row's delete).
    await repository.delete(session, project)
