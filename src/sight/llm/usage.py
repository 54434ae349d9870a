"""One row per gateway call in `llm_calls` (also for failures, cache hits and
budget refusals), plus the Prometheus counters. The basis of usage reports and
budgets."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sight.llm.config import price_table
from sight.llm.models import LLMCall
from sight.llm.types import CallContext, Route
from sight.observability import Metrics
from sight.postgres import SessionMaker, session_scope

if TYPE_CHECKING:
    from sight.config import LLMSettings
    from sight.llm.policies import LLMPolicies

logger = logging.getLogger("sight.llm")


@dataclass(frozen=True)
class SpendRecorded:
    """A priced call was stored for `user_id` (what spend alerts look at)."""

    sessionmaker: SessionMaker
    settings: LLMSettings
    policies: LLMPolicies
    user_id: uuid.UUID
    cost_usd: float


# Told after a priced call is stored, e.g. spend alerts (sight.notifications
# registers one). A listener's failure is logged, never raised to the caller.
spend_listeners: list[Callable[[SpendRecorded], Awaitable[None]]] = []


@dataclass
class CallUsage:
    route: Route
    flow: str
    ctx: CallContext
    prompt_version: str | None
    input_tokens: int = 0
    output_tokens: int = 0
    attempts: int = 0
    cache_hit: bool = False
    outcome: str = "ok"
    expected_usd: float = 0.0
    billed_to: str = "deployment"


class UsageRecorder:
    def __init__(
        self,
        sessionmaker: SessionMaker,
        metrics: Metrics | None,
        *,
        settings: LLMSettings | None = None,
        policies: LLMPolicies | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._metrics = metrics
        self._settings = settings
        self._policies = policies

    async def record(
        self, usage: CallUsage, started: float, cost: float | None = None
    ) -> float:
        route = usage.route
        computed = price_table().cost(
            route.provider, route.model, usage.input_tokens, usage.output_tokens
        )
        if cost is None:
            cost = computed or 0.0
        latency_ms = (time.perf_counter() - started) * 1000
        async with session_scope(self._sessionmaker) as session:
            session.add(
                LLMCall(
                    user_id=usage.ctx.user_id,
                    project_id=usage.ctx.project_id,
                    job_id=usage.ctx.job_id,
                    flow=usage.flow,
                    kind="chat",
                    provider=route.provider,
                    model=route.model,
                    input_tokens=usage.input_tokens,
                    output_tokens=usage.output_tokens,
                    cost_usd=cost,
                    priced=computed is not None,
                    latency_ms=latency_ms,
                    cache_hit=usage.cache_hit,
                    outcome=usage.outcome,
                    attempts=max(1, usage.attempts),
                    prompt_version=usage.prompt_version,
                    billed_to=usage.billed_to,
                )
            )
        if self._metrics is not None:
            self._metrics.record_llm_call(
                provider=route.provider,
                model=route.model,
                flow=usage.flow,
                outcome=usage.outcome,
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                cost=cost,
                cache_hit=usage.cache_hit,
            )
        await self._tell_listeners(usage.ctx.user_id, cost)
        return cost

    async def _tell_listeners(self, user_id: uuid.UUID | None, cost: float) -> None:
        if user_id is None or cost <= 0 or self._settings is None:
            return
        if self._policies is None:
            return
        spent = SpendRecorded(
            self._sessionmaker, self._settings, self._policies, user_id, cost
        )
        for listener in spend_listeners:
            try:
                await listener(spent)
            except Exception:
                logger.exception("spend listener failed")
