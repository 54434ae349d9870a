"""User LLM settings (provider, keys, overrides, budget) and usage reports."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sight.auth.models import User
from sight.kit.errors import SightError
from sight.llm.budget import spent_this_month
from sight.llm.config import price_table, routing_table
from sight.llm.gateway import LLMGateway
from sight.llm.models import LLMCall, UserLLMSettings
from sight.llm.schemas import (
    LLMSettingsRead,
    LLMSettingsUpdate,
    StoredKey,
    UsageReport,
    UsageRow,
)
from sight.llm.secrets import KeyVault
from sight.llm.types import CallContext
from sight.projects.models import Project

GROUPINGS = ("flow", "project", "day", "provider", "model")


class InvalidUsageQuery(SightError):
    status_code = 422


async def read_settings(
    session: AsyncSession, gateway: LLMGateway, vault: KeyVault, user: User
) -> LLMSettingsRead:
    row = await session.get(UserLLMSettings, user.id)
    ctx = CallContext(user_id=user.id)
    routes = [
        await gateway.route(flow, ctx, session)
        for flow in sorted(routing_table().flows)
    ]
    keys = [
        StoredKey(provider=name, set=True, readable=vault.decrypt(token) is not None)
        for name, token in sorted((row.encrypted_keys if row else {}).items())
    ]
    budget = (
        float(user.monthly_budget_usd)
        if user.monthly_budget_usd is not None
        else gateway.settings.llm.default_monthly_budget_usd
    )
    return LLMSettingsRead(
        provider=row.provider if row else None,
        effective_default_provider=gateway.default_provider(),
        keys=keys,
        openai_base_url=row.openai_base_url if row else None,
        overrides=row.overrides if row else {},
        monthly_budget_usd=budget,
        routes=routes,
    )


async def update_settings(
    session: AsyncSession, vault: KeyVault, user: User, data: LLMSettingsUpdate
) -> None:
    row = await session.get(UserLLMSettings, user.id)
    if row is None:
        row = UserLLMSettings(user_id=user.id, overrides={}, encrypted_keys={})
        session.add(row)
    changes = data.model_dump(exclude_unset=True)
    if "provider" in changes:
        row.provider = data.provider
    if data.api_keys:
        keys = dict(row.encrypted_keys)
        for provider, secret in data.api_keys.items():
            if secret is None:
                keys.pop(provider, None)
            else:
                keys[provider] = vault.encrypt(secret)
        row.encrypted_keys = keys
    if "openai_base_url" in changes:
        row.openai_base_url = (
            str(data.openai_base_url) if data.openai_base_url else None
        )
    if data.overrides is not None:
        unknown = sorted(set(data.overrides) - set(routing_table().flows))
        if unknown:
            raise InvalidUsageQuery(
                f"unknown flow(s) {', '.join(unknown)}; known flows: "
                + ", ".join(sorted(routing_table().flows))
            )
        row.overrides = {
            flow: override.model_dump(exclude_none=True)
            for flow, override in data.overrides.items()
        }
    if "monthly_budget_usd" in changes:
        user.monthly_budget_usd = data.monthly_budget_usd
    await session.flush()


async def usage_report(
    session: AsyncSession,
    gateway: LLMGateway,
    user: User,
    *,
    group_by: str,
    start: date | None,
    end: date | None,
    project_id: uuid.UUID | None,
) -> UsageReport:
    if group_by not in GROUPINGS:
        raise InvalidUsageQuery(
            f"group_by must be one of {', '.join(GROUPINGS)}, not {group_by!r}"
        )
    today = datetime.now(UTC).date()
    end = end or today
    start = start or end.replace(day=1)
    if start > end:
        raise InvalidUsageQuery(f"start {start} is after end {end}")
    columns: dict[str, Any] = {
        "flow": LLMCall.flow,
        "project": func.coalesce(Project.name, "(no project)"),
        "day": cast(LLMCall.created_at, Date),
        "provider": LLMCall.provider,
        "model": LLMCall.model,
    }
    key = columns[group_by]
    query = (
        select(
            key.label("key"),
            func.count().label("calls"),
            func.count().filter(LLMCall.cache_hit).label("cache_hits"),
            func.count().filter(LLMCall.outcome != "ok").label("failures"),
            func.coalesce(func.sum(LLMCall.input_tokens), 0).label("input_tokens"),
            func.coalesce(func.sum(LLMCall.output_tokens), 0).label("output_tokens"),
            func.coalesce(func.sum(LLMCall.cost_usd), 0).label("cost_usd"),
        )
        .select_from(LLMCall)
        .outerjoin(Project, Project.id == LLMCall.project_id)
        .where(
            LLMCall.user_id == user.id,
            LLMCall.created_at >= datetime.combine(start, time.min, UTC),
            LLMCall.created_at
            < datetime.combine(end + timedelta(days=1), time.min, UTC),
        )
        .group_by(key)
        .order_by(key)
    )
    if project_id is not None:
        query = query.where(LLMCall.project_id == project_id)
    rows = [
        UsageRow(
            key=str(r.key),
            calls=r.calls,
            cache_hits=r.cache_hits,
            failures=r.failures,
            input_tokens=int(r.input_tokens),
            output_tokens=int(r.output_tokens),
            cost_usd=round(float(r.cost_usd), 8),
        )
        for r in (await session.execute(query)).all()
    ]
    total = UsageRow(
        key="total",
        calls=sum(r.calls for r in rows),
        cache_hits=sum(r.cache_hits for r in rows),
        failures=sum(r.failures for r in rows),
        input_tokens=sum(r.input_tokens for r in rows),
        output_tokens=sum(r.output_tokens for r in rows),
        cost_usd=round(sum(r.cost_usd for r in rows), 8),
    )
    budget = (
        float(user.monthly_budget_usd)
        if user.monthly_budget_usd is not None
        else gateway.settings.llm.default_monthly_budget_usd
    )
    return UsageReport(
        group_by=group_by,
        start=start,
        end=end,
        rows=rows,
        total=total,
        month_spent_usd=await spent_this_month(session, user_id=user.id),
        monthly_budget_usd=budget,
        price_date=price_table().as_of,
    )
