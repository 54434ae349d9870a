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
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sight.config import LLMSettings
from sight.kit.errors import SightError
from sight.llm.models import LLMCall
from sight.llm.policies import LLMPolicies


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


async def check_budget(
    session: AsyncSession,
    policies: LLMPolicies,
    settings: LLMSettings,
    *,
    user_id: uuid.UUID | None,
    project_id: uuid.UUID | None,
    estimate_usd: float,
    billed_to: str,
) -> None:
    if user_id is None or estimate_usd <= 0:
        return
    limit = await user_limit(session, policies, settings, user_id)
    spent = await spent_this_month(session, user_id=user_id)
    if spent + estimate_usd > limit:
        raise BudgetExceeded(
            f"monthly budget reached: spent ${spent:.4f} of ${limit:.2f} this month; "
            f"this needs about ${estimate_usd:.4f}"
        )
    if billed_to == "deployment":
        ceiling = deployment_ceiling(settings)
        on_ours = await spent_this_month(
            session, user_id=user_id, billed_to="deployment"
        )
        if on_ours + estimate_usd > ceiling:
            raise BudgetExceeded(
                f"the server's monthly allowance is used up: spent ${on_ours:.4f} "
                f"of ${ceiling:.2f} on the deployment's API keys this month; this "
                f"needs about ${estimate_usd:.4f}. Add your own API key in the LLM "
                "settings or ask the operator to raise the ceiling"
            )
    if project_id is not None:
        project = await policies.projects.policy(session, project_id)
        team = project.team if project is not None else None
        if team is not None and team.budget_usd is not None:
            team_spent = await spent_this_month(session, project_ids=team.project_ids)
            if team_spent + estimate_usd > team.budget_usd:
                raise BudgetExceeded(
                    f"team budget reached: the team {team.name!r} spent "
                    f"${team_spent:.4f} of ${team.budget_usd:.2f} this month; this "
                    f"needs about ${estimate_usd:.4f}. A team owner can raise the "
                    "team's monthly budget"
                )
        if project is not None and project.budget_usd is not None:
            cap = float(project.budget_usd)
            project_spent = await spent_this_month(session, project_id=project_id)
            if project_spent + estimate_usd > cap:
                raise BudgetExceeded(
                    f"project budget reached: spent ${project_spent:.4f} of "
                    f"${cap:.2f} this month; this needs about ${estimate_usd:.4f}"
                )
