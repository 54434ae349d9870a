"""User LLM settings (provider, keys, overrides, budget) and usage reports."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sight.kit.errors import SightError
from sight.llm.budget import deployment_ceiling, spent_this_month, user_limit
from sight.llm.config import price_table, routing_table
from sight.llm.gateway import LLMGateway
from sight.llm.models import LLMCall, UserLLMSettings
from sight.llm.netguard import check_endpoint
from sight.llm.schemas import (
    LLMSettingsRead,
    LLMSettingsUpdate,
    StoredKey,
    UsageReport,
    UsageRow,
)
from sight.llm.secrets import KeyVault
from sight.llm.types import CallContext

GROUPINGS = ("flow", "project", "day", "provider", "model")


class InvalidUsageQuery(SightError):
    status_code = 422


class AboveCeiling(SightError):
    status_code = 422


async def read_settings(
    session: AsyncSession, gateway: LLMGateway, vault: KeyVault, user_id: uuid.UUID
) -> LLMSettingsRead:
    row = await session.get(UserLLMSettings, user_id)
    ctx = CallContext(user_id=user_id)
    routes = [
        await gateway.route(flow, ctx, session)
        for flow in sorted(routing_table().flows)
    ]
    keys = [
        StoredKey(provider=name, set=True, readable=vault.decrypt(token) is not None)
        for name, token in sorted((row.encrypted_keys if row else {}).items())
    ]
    budget = await user_limit(session, gateway.policies, gateway.settings.llm, user_id)
    return LLMSettingsRead(
        provider=row.provider if row else None,
        effective_default_provider=gateway.default_provider(),
        keys=keys,
        openai_base_url=row.openai_base_url if row else None,
        overrides=row.overrides if row else {},
        monthly_budget_usd=budget,
        deployment_ceiling_usd=deployment_ceiling(gateway.settings.llm),
        routes=routes,
    )


async def update_settings(
    session: AsyncSession,
    gateway: LLMGateway,
    vault: KeyVault,
    user_id: uuid.UUID,
    data: LLMSettingsUpdate,
) -> None:
    row = await session.get(UserLLMSettings, user_id)
    if row is None:
        row = UserLLMSettings(user_id=user_id, overrides={}, encrypted_keys={})
        session.add(row)
    changes = data.model_dump(exclude_unset=True)
    if data.openai_base_url is not None:
        await check_endpoint(
            str(data.openai_base_url),
            allow_private=gateway.settings.llm.allow_private_endpoints,
            field="openai_base_url",
        )
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
        ceiling = deployment_ceiling(gateway.settings.llm)
        wanted = data.monthly_budget_usd
        if wanted is not None and wanted > ceiling and not row.encrypted_keys:
            # Without a key of their own every call is paid with the
            # deployment's keys: the operator's ceiling is the most there is.
            raise AboveCeiling(
                [
                    {
                        "loc": ["body", "monthly_budget_usd"],
                        "field": "monthly_budget_usd",
                        "msg": f"at most {ceiling:.2f} (the operator's ceiling for "
                        "the server's keys); add your own API key to set more",
                        "type": "less_than_equal",
                    }
                ]
            )
        await gateway.policies.users.set_monthly_limit(session, user_id, wanted)
    await session.flush()


async def usage_report(
    session: AsyncSession,
    gateway: LLMGateway,
    user_id: uuid.UUID,
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
        "project": LLMCall.project_id,
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
        .where(
            LLMCall.user_id == user_id,
            LLMCall.created_at >= datetime.combine(start, time.min, UTC),
            LLMCall.created_at
            < datetime.combine(end + timedelta(days=1), time.min, UTC),
        )
        .group_by(key)
        .order_by(key)
    )
    if project_id is not None:
        query = query.where(LLMCall.project_id == project_id)
    result = (await session.execute(query)).all()
    names = (
        await _project_names(session, gateway, [r.key for r in result])
        if group_by == "project"
        else {}
    )
    rows = [
        UsageRow(
            key=names.get(r.key, str(r.key)),
            calls=r.calls,
            cache_hits=r.cache_hits,
            failures=r.failures,
            input_tokens=int(r.input_tokens),
            output_tokens=int(r.output_tokens),
            cost_usd=round(float(r.cost_usd), 8),
        )
        for r in result
    ]
    if group_by == "project":
        rows.sort(key=lambda row: row.key)
    total = UsageRow(
        key="total",
        calls=sum(r.calls for r in rows),
        cache_hits=sum(r.cache_hits for r in rows),
        failures=sum(r.failures for r in rows),
        input_tokens=sum(r.input_tokens for r in rows),
        output_tokens=sum(r.output_tokens for r in rows),
        cost_usd=round(sum(r.cost_usd for r in rows), 8),
    )
    budget = await user_limit(session, gateway.policies, gateway.settings.llm, user_id)
    return UsageReport(
        group_by=group_by,
        start=start,
        end=end,
        rows=rows,
        total=total,
        month_spent_usd=await spent_this_month(session, user_id=user_id),
        monthly_budget_usd=budget,
        price_date=price_table().as_of,
    )


async def _project_names(
    session: AsyncSession, gateway: LLMGateway, ids: list[Any]
) -> dict[Any, str]:
    names: dict[Any, str] = {None: "(no project)"}
    for project_id in ids:
        if project_id is None:
            continue
        policy = await gateway.policies.projects.policy(session, project_id)
        names[project_id] = policy.name if policy else "(deleted project)"
    return names
