"""Project CRUD with ownership checks and target validation."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from sight.auth.models import User
from sight.demographics import TargetDemographicsError, validate_target
from sight.kit.errors import SightError
from sight.llm.config import routing_table
from sight.projects import repository
from sight.projects.access import visible_projects
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


def normalise_target(raw: dict[str, Any], country: str) -> dict[str, Any]:
    try:
        target = validate_target(raw, country)
    except TargetDemographicsError as exc:
        raise InvalidTargetDemographics(exc) from None
    return target.model_dump(mode="json")


async def create_project(
    session: AsyncSession, owner_id: uuid.UUID, data: ProjectCreate
) -> Project:
    project = Project(
        owner_id=owner_id,
        **data.model_dump(exclude={"target_demographics"}),
        target_demographics=data.target_demographics,
        target_distribution=normalise_target(data.target_demographics, data.country),
        llm_overrides={},
    )
    repository.add(session, project)
    await session.flush()
    await session.refresh(project)
    return project


async def list_projects(
    session: AsyncSession, user: User, limit: int, offset: int
) -> tuple[list[Project], int]:
    return await repository.page(session, visible_projects(user), limit, offset)


async def update_project(
    session: AsyncSession, project: Project, data: ProjectUpdate
) -> Project:
    changes = data.model_dump(exclude_unset=True, exclude={"llm_overrides"})
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
    await repository.delete(session, project)
