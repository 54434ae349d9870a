"""The auth domain's side of `sight.llm.policies`: a user's own spend limit."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from sight.auth.models import User


class UserSpendLimitsFromUsers:
    """Reads and writes `users.monthly_budget_usd`."""

    async def monthly_limit(
        self, session: AsyncSession, user_id: uuid.UUID
    ) -> float | None:
        user = await session.get(User, user_id)
        if user is None or user.monthly_budget_usd is None:
            return None
        return float(user.monthly_budget_usd)

    async def set_monthly_limit(
        self, session: AsyncSession, user_id: uuid.UUID, usd: float | None
    ) -> None:
        user = await session.get(User, user_id)
        if user is not None:
            user.monthly_budget_usd = usd
