"""What the gateway needs to know from the domains, as small interfaces.

The gateway enforces spend limits and applies per-project route overrides,
but users and projects are other domains' tables. Those domains implement
these protocols (`sight.auth.llm_policy`, `sight.projects.llm_policy`) and the
app wires them in (`sight.app.llm_policies`), so `sight.llm` imports no
domain model and a team domain can later supply its own limits the same way.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession


class UserSpendLimits(Protocol):
    """A user's own monthly spend limit (USD), None for the deployment default."""

    async def monthly_limit(
        self, session: AsyncSession, user_id: uuid.UUID
    ) -> float | None: ...

    async def set_monthly_limit(
        self, session: AsyncSession, user_id: uuid.UUID, usd: float | None
    ) -> None: ...


@dataclass(frozen=True)
class TeamPolicy:
    """The team a project is shared with: its monthly limit covers the spend
    of all its projects together (`project_ids`)."""

    name: str
    budget_usd: float | None
    project_ids: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True)
class ProjectPolicy:
    """What a project decides about its model calls."""

    name: str
    # Spend cap of the project per month (USD), None for none.
    budget_usd: float | None = None
    # {"provider": ..., "flows": {flow: {provider, model, temperature, ...}}}
    llm_overrides: dict[str, Any] = field(default_factory=dict)
    # A run on a team's project counts against the team's limit too.
    team: TeamPolicy | None = None


class ProjectPolicies(Protocol):
    async def policy(
        self, session: AsyncSession, project_id: uuid.UUID
    ) -> ProjectPolicy | None: ...


class NoUserLimits:
    """Every user on the deployment default (gateways built without a domain)."""

    async def monthly_limit(
        self, session: AsyncSession, user_id: uuid.UUID
    ) -> float | None:
        return None

    async def set_monthly_limit(
        self, session: AsyncSession, user_id: uuid.UUID, usd: float | None
    ) -> None:
        raise NotImplementedError("no user limit store is wired into this gateway")


class NoProjectPolicies:
    async def policy(
        self, session: AsyncSession, project_id: uuid.UUID
    ) -> ProjectPolicy | None:
        return None


@dataclass(frozen=True)
class LLMPolicies:
    users: UserSpendLimits = field(default_factory=NoUserLimits)
    projects: ProjectPolicies = field(default_factory=NoProjectPolicies)
