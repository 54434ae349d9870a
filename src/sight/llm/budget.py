"""Monthly spend limits, checked BEFORE a call or a job is started.

A user has a monthly budget (their own setting, else the deployment default);
a project may have a lower cap. A call or job whose estimate would cross either
is refused with 402 and a message stating spent, limit and estimate.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sight.auth.models import User
from sight.kit.errors import SightError
from sight.llm.models import LLMCall
from sight.projects.models import Project


class BudgetExceeded(SightError):
    status_code = 402


def month_start(now: datetime | None = None) -> datetime:
    now = now or datetime.now(UTC)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


async def spent_this_month(
    session: AsyncSession,
    *,
    user_id: uuid.UUID | None = None,
    project_id: uuid.UUID | None = None,
) -> float:
    query = select(func.coalesce(func.sum(LLMCall.cost_usd), 0)).where(
        LLMCall.created_at >= month_start()
    )
    if user_id is not None:
        query = query.where(LLMCall.user_id == user_id)
    if project_id is not None:
        query = query.where(LLMCall.project_id == project_id)
    return float(await session.scalar(query) or 0)


async def check_budget(
    session: AsyncSession,
    *,
    user_id: uuid.UUID | None,
    project_id: uuid.UUID | None,
    estimate_usd: float,
    default_monthly_usd: float,
) -> None:
    if user_id is None or estimate_usd <= 0:
        return
    user = await session.get(User, user_id)
    limit = (
        float(user.monthly_budget_usd)
        if user and user.monthly_budget_usd is not None
        else default_monthly_usd
    )
    spent = await spent_this_month(session, user_id=user_id)
    if spent + estimate_usd > limit:
        raise BudgetExceeded(
            f"monthly budget reached: spent ${spent:.4f} of ${limit:.2f} this month; "
            f"this needs about ${estimate_usd:.4f}"
        )
    if project_id is not None:
        project = await session.get(Project, project_id)
        if project is not None and project.budget_usd is not None:
            cap = float(project.budget_usd)
            project_spent = await spent_this_month(session, project_id=project_id)
            if project_spent + estimate_usd > cap:
                raise BudgetExceeded(
                    f"project budget reached: spent ${project_spent:.4f} of ${cap:.2f} "
                    f"this month; this needs about ${estimate_usd:.4f}"
                )
