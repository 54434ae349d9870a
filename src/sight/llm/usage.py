"""One row per gateway call in `llm_calls` (also for failures, cache hits and
budget refusals), plus the Prometheus counters. The basis of usage reports and
budgets."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sight.llm.config import price_table
from sight.llm.models import LLMCall
from sight.llm.types import CallContext, Route
from sight.observability import Metrics
from sight.postgres import SessionMaker, session_scope


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
    def __init__(self, sessionmaker: SessionMaker, metrics: Metrics | None) -> None:
        self._sessionmaker = sessionmaker
        self._metrics = metrics

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
        return cost
