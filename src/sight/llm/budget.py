"""Monthly spend limits, checked BEFORE a call or a job is started.

Four limits, each refused with 402 and a message stating spent, limit and
estimate:

- the user's own monthly limit (their setting, else the deployment default);
- the operator's ceiling on what one user may spend on the deployment's keys
  (`SIGHT_LLM__DEPLOYMENT_MONTHLY_CEILING_USD`): a user can lower their limit
  below it, not raise it past it; spending on their own keys does not count;
- the project's cap, when it has one;
- the team's monthly limit when the project is shared with a team that has
  one: the spend of all the team's projects counts against it.

Limits come from the domains that own them, through `sight.llm.policies`.

The gateway checks every call (`BudgetGuard`) against running totals of this
month's spend kept per process: read from PostgreSQL at most every
RESYNC_SECONDS, plus each cost the moment this process knows it. Near a limit
(within EXACT_WITHIN of it) the check reads PostgreSQL every time, as one
without running totals would, so a limit is crossed by at most the calls
already in flight, also with several processes spending at once.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sight.config import LLMSettings
from sight.kit.errors import SightError
from sight.llm.models import LLMCall
from sight.llm.policies import LLMPolicies, ProjectPolicy
from sight.llm.recent import shared
from sight.postgres import SessionMaker


class BudgetExceeded(SightError):
    status_code = 402


def month_start(now: datetime | None = None) -> datetime:
    now = now or datetime.now(UTC)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def deployment_ceiling(settings: LLMSettings) -> float:
    ceiling = settings.deployment_monthly_ceiling_usd
    return settings.default_monthly_budget_usd if ceiling is None else ceiling


async def spent_this_month(
    session: AsyncSession,
    *,
    user_id: uuid.UUID | None = None,
    project_id: uuid.UUID | None = None,
    billed_to: str | None = None,
    project_ids: Sequence[uuid.UUID] | None = None,
) -> float:
    query = select(func.coalesce(func.sum(LLMCall.cost_usd), 0)).where(
        LLMCall.created_at >= month_start()
    )
    if project_ids is not None:
        query = query.where(LLMCall.project_id.in_(project_ids))
    if user_id is not None:
        query = query.where(LLMCall.user_id == user_id)
    if project_id is not None:
        query = query.where(LLMCall.project_id == project_id)
    if billed_to is not None:
        query = query.where(LLMCall.billed_to == billed_to)
    return float(await session.scalar(query) or 0)


async def user_limit(
    session: AsyncSession,
    policies: LLMPolicies,
    settings: LLMSettings,
    user_id: uuid.UUID,
) -> float:
    own = await policies.users.monthly_limit(session, user_id)
    return settings.default_monthly_budget_usd if own is None else own


# ---- running totals ------------------------------------------------------------

# A spend total is read from PostgreSQL again after this long, so spending by
# other processes (API instances, workers) is seen within it.
RESYNC_SECONDS = 2.0
# Far from a limit a call is checked against the running total; within this
# share of the limit it is checked against PostgreSQL itself (plus this
# process's rows not yet stored), as before the running totals existed. Other
# processes would have to spend this share of a limit within RESYNC_SECONDS to
# push a total past it unseen.
EXACT_WITHIN = 0.1

# ("user", id) | ("deployment", user id) | ("project", id) | ("projects", ids)
Scope = tuple[str, Any]


def _filters(scope: Scope) -> dict[str, Any]:
    kind, key = scope
    if kind == "user":
        return {"user_id": key}
    if kind == "deployment":
        return {"user_id": key, "billed_to": "deployment"}
    if kind == "project":
        return {"project_id": key}
    return {"project_ids": tuple(key)}


def _counts(scope: Scope, row: dict[str, Any]) -> bool:
    """Whether a usage row (see usage.py) counts against `scope`."""
    kind, key = scope
    if kind == "user":
        return bool(row["user_id"] == key)
    if kind == "deployment":
        return bool(row["user_id"] == key and row["billed_to"] == "deployment")
    if kind == "project":
        return bool(row["project_id"] == key)
    return row["project_id"] in key


@dataclass
class _Total:
    usd: float
    synced: float  # time.monotonic() of the read
    month: datetime


class SpendLedger:
    """This month's spend per scope as this process last read it, plus what
    this process has spent since (added the moment a call's cost is known)."""

    def __init__(self) -> None:
        self._totals: dict[Scope, _Total] = {}
        # Team scopes by project, to add a project's spend to its team's total.
        self._teams: dict[uuid.UUID, set[Scope]] = {}

    def fresh(self, scope: Scope) -> float | None:
        total = self._totals.get(scope)
        if total is None or time.monotonic() - total.synced > RESYNC_SECONDS:
            return None
        if total.month != month_start():
            return None
        return total.usd

    def synced(self, scope: Scope, usd: float) -> None:
        if len(self._totals) > 10_000:
            self._totals.clear()
            self._teams.clear()
        self._totals[scope] = _Total(usd, time.monotonic(), month_start())
        if scope[0] == "projects":
            for project_id in scope[1]:
                self._teams.setdefault(project_id, set()).add(scope)

    def add(
        self,
        user_id: uuid.UUID | None,
        project_id: uuid.UUID | None,
        billed_to: str,
        cost: float,
    ) -> None:
        scopes: list[Scope] = []
        if user_id is not None:
            scopes.append(("user", user_id))
            if billed_to == "deployment":
                scopes.append(("deployment", user_id))
        if project_id is not None:
            scopes.append(("project", project_id))
            scopes.extend(self._teams.get(project_id, ()))
        for scope in scopes:
            total = self._totals.get(scope)
            if total is not None:
                total.usd += cost


@dataclass(frozen=True)
class Limits:
    """What bounds one user's calls on one project (read with their route)."""

    user_usd: float
    project: ProjectPolicy | None


PendingRows = Callable[[], list[dict[str, Any]]]


class BudgetGuard:
    """The four limits against running totals (see SpendLedger):
    a database read only when a total is older than RESYNC_SECONDS or within
    EXACT_WITHIN of its limit. Concurrent reads of one total share a query."""

    def __init__(
        self,
        sessionmaker: SessionMaker,
        settings: LLMSettings,
        pending: PendingRows,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._pending = pending
        self.ledger = SpendLedger()
        self._reads: dict[Hashable, asyncio.Future[float]] = {}

    async def check(
        self,
        limits: Limits,
        *,
        user_id: uuid.UUID | None,
        project_id: uuid.UUID | None,
        estimate_usd: float,
        billed_to: str,
        exact: bool = False,
    ) -> None:
        if user_id is None or estimate_usd <= 0:
            return
        for scope, limit, refusal in self._limits(
            limits, user_id, project_id, billed_to
        ):
            spent = None if exact else self.ledger.fresh(scope)
            if spent is None or spent + estimate_usd > limit * (1 - EXACT_WITHIN):
                spent = await self._read(scope)
            if spent + estimate_usd > limit:
                raise BudgetExceeded(refusal(spent, limit, estimate_usd))

    def _limits(
        self,
        limits: Limits,
        user_id: uuid.UUID,
        project_id: uuid.UUID | None,
        billed_to: str,
    ) -> Iterator[tuple[Scope, float, Callable[[float, float, float], str]]]:
        # In the order they were always checked, each with its message.
        yield ("user", user_id), limits.user_usd, _user_refusal
        if billed_to == "deployment":
            ceiling = deployment_ceiling(self._settings)
            yield ("deployment", user_id), ceiling, _ceiling_refusal
        project = limits.project
        if project_id is None or project is None:
            return
        team = project.team
        if team is not None and team.budget_usd is not None:
            yield (
                ("projects", frozenset(team.project_ids)),
                team.budget_usd,
                partial(_team_refusal, team.name),
            )
        if project.budget_usd is not None:
            yield ("project", project_id), float(project.budget_usd), _project_refusal

    async def _read(self, scope: Scope) -> float:
        return await shared(self._reads, scope, partial(self._query, scope))

    async def _query(self, scope: Scope) -> float:
        # Rows this process has priced but not yet stored count too; a row
        # stored while the query runs may be counted twice (never missed).
        before = self._pending()
        async with self._sessionmaker() as session:
            stored = await spent_this_month(session, **_filters(scope))
        unstored = {id(row): row for row in (*before, *self._pending())}
        spent = stored + sum(
            float(row["cost_usd"]) for row in unstored.values() if _counts(scope, row)
        )
        self.ledger.synced(scope, spent)
        return spent


def _user_refusal(spent: float, limit: float, estimate: float) -> str:
    return (
        f"monthly budget reached: spent ${spent:.4f} of ${limit:.2f} this month; "
        f"this needs about ${estimate:.4f}"
    )


def _ceiling_refusal(spent: float, ceiling: float, estimate: float) -> str:
    return (
        f"the server's monthly allowance is used up: spent ${spent:.4f} "
        f"of ${ceiling:.2f} on the deployment's API keys this month; this "
        f"needs about ${estimate:.4f}. Add your own API key in the LLM "
        "settings or ask the operator to raise the ceiling"
    )


def _team_refusal(name: str, spent: float, limit: float, estimate: float) -> str:
    return (
        f"team budget reached: the team {name!r} spent "
        f"${spent:.4f} of ${limit:.2f} this month; this "
        f"needs about ${estimate:.4f}. A team owner can raise the "
        "team's monthly budget"
    )


def _project_refusal(spent: float, cap: float, estimate: float) -> str:
    return (
        f"project budget reached: spent ${spent:.4f} of "
        f"${cap:.2f} this month; this needs about ${estimate:.4f}"
    )
