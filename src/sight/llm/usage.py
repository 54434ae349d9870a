"""One row per gateway call in `llm_calls` (also for failures, cache hits and
budget refusals), plus the Prometheus counters. The basis of usage reports and
budgets.

Rows are written just after the caller has its answer: `record` prices the
call, counts it in the process's running spend (see budget.SpendLedger) and
queues the row; one writer task per process stores everything queued in one
INSERT, right away, so calls finishing together share a transaction instead of
each paying its own. `flush` waits until everything queued is stored (a job's
end and the gateway's shutdown call it), so a finished run's usage is complete.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError

from sight.llm.config import price_table
from sight.llm.models import LLMCacheEntry, LLMCall
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

# Told when a call's cost is known, before its row is stored: the running
# spend totals the budget checks read (user, project, billed_to, cost).
SpendSink = Callable[[uuid.UUID | None, uuid.UUID | None, str, float], None]

# A batch that fails (the database is away) is tried again after this long,
# at most this many times, then its rows are logged as lost.
WRITE_RETRY_SECONDS = 0.5
WRITE_ATTEMPTS = 20
FLUSH_TIMEOUT_SECONDS = 60.0


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
        on_spend: SpendSink | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._metrics = metrics
        self._settings = settings
        self._policies = policies
        self._on_spend = on_spend
        self._rows: list[dict[str, Any]] = []
        self._cache_rows: list[dict[str, Any]] = []
        # Rows taken by the writer and not yet committed (still "pending"
        # for the budget's exact checks).
        self._writing: list[dict[str, Any]] = []
        self._unstored_answers: dict[str, dict[str, Any]] = {}
        self._queued = 0  # rows ever queued (calls and cache entries)
        self._stored = 0  # of those, stored or given up
        self._wake: asyncio.Event | None = None
        self._done: asyncio.Condition | None = None
        self._writer: asyncio.Task[None] | None = None

    async def record(
        self, usage: CallUsage, started: float, cost: float | None = None
    ) -> float:
        """Price the call and queue its row; returns the cost (USD)."""
        route = usage.route
        computed = price_table().cost(
            route.provider, route.model, usage.input_tokens, usage.output_tokens
        )
        if cost is None:
            cost = computed or 0.0
        latency_ms = (time.perf_counter() - started) * 1000
        self._rows.append(
            {
                "user_id": usage.ctx.user_id,
                "project_id": usage.ctx.project_id,
                "job_id": usage.ctx.job_id,
                "flow": usage.flow,
                "kind": "chat",
                "provider": route.provider,
                "model": route.model,
                "input_tokens": usage.input_tokens,
                "output_tokens": usage.output_tokens,
                "cost_usd": cost,
                "priced": computed is not None,
                "latency_ms": latency_ms,
                "cache_hit": usage.cache_hit,
                "outcome": usage.outcome,
                "attempts": max(1, usage.attempts),
                "prompt_version": usage.prompt_version,
                "billed_to": usage.billed_to,
            }
        )
        self._queued += 1
        if self._on_spend is not None and cost > 0:
            self._on_spend(
                usage.ctx.user_id, usage.ctx.project_id, usage.billed_to, cost
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
        self._kick()
        return cost

    def store_cache_entry(self, values: dict[str, Any]) -> None:
        """Queue a response-cache entry (written with the next usage batch)."""
        self._cache_rows.append(values)
        self._unstored_answers[values["key"]] = values
        self._queued += 1
        self._kick()

    def unstored_cache_entry(self, key: str) -> dict[str, Any] | None:
        """A cache entry queued by this process and not yet stored: the same
        request asked again at once is answered from it, as from the table."""
        return self._unstored_answers.get(key)

    def pending_rows(self) -> list[dict[str, Any]]:
        """Rows queued or being written, not yet committed."""
        return [*self._writing, *self._rows]

    async def flush(self) -> None:
        """Wait until every row queued so far is stored (or given up)."""
        target = self._queued
        if self._stored >= target:
            return
        self._kick()
        assert self._done is not None  # noqa: S101 (set by _kick)
        try:
            async with asyncio.timeout(FLUSH_TIMEOUT_SECONDS):
                async with self._done:
                    await self._done.wait_for(lambda: self._stored >= target)
        except TimeoutError:
            import io

            trace = io.StringIO()
            if self._writer is not None:
                self._writer.print_stack(file=trace)
            logger.error(
                "usage rows still not stored",
                extra={"waiting": target - self._stored, "writer": trace.getvalue()},
            )
            raise

    async def aclose(self) -> None:
        await self.flush()
        if self._writer is not None:
            # Idle now (everything is stored); not awaited: its loop may be
            # another one than the caller's.
            self._writer.cancel()
            self._writer = None

    # ---- the writer -----------------------------------------------------------

    def _kick(self) -> None:
        loop = asyncio.get_running_loop()
        writer = self._writer
        if writer is None or writer.done() or writer.get_loop() is not loop:
            # One writer per event loop (tests and benches run several).
            self._wake = asyncio.Event()
            self._done = asyncio.Condition()
            self._writer = loop.create_task(self._write_forever(self._wake, self._done))
        assert self._wake is not None  # noqa: S101
        self._wake.set()

    async def _write_forever(
        self, wake: asyncio.Event, done: asyncio.Condition
    ) -> None:
        while True:
            await wake.wait()
            wake.clear()
            while self._rows or self._cache_rows:
                rows, cache_rows = self._rows, self._cache_rows
                self._rows, self._cache_rows = [], []
                self._writing = rows
                try:
                    await self._write(rows, cache_rows)
                finally:
                    # Given up or stored: either way flush() must not wait on
                    # them for ever.
                    self._writing = []
                    for entry in cache_rows:
                        self._unstored_answers.pop(entry["key"], None)
                    self._stored += len(rows) + len(cache_rows)
                async with done:
                    done.notify_all()
                spent: dict[uuid.UUID, float] = {}
                for row in rows:
                    if row["user_id"] is not None and row["cost_usd"] > 0:
                        user = row["user_id"]
                        spent[user] = spent.get(user, 0.0) + row["cost_usd"]
                for user, cost in spent.items():
                    await self._tell_listeners(user, cost)

    async def _write(
        self, rows: list[dict[str, Any]], cache_rows: list[dict[str, Any]]
    ) -> None:
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                await self._insert(rows, cache_rows)
                return
            except IntegrityError:
                # One row points at something deleted meanwhile (a user, a
                # project): store the others one by one.
                await self._insert_one_by_one(rows, cache_rows)
                return
            except Exception:
                if attempt == WRITE_ATTEMPTS:
                    logger.exception(
                        "usage rows could not be stored",
                        extra={"rows": len(rows), "cache_entries": len(cache_rows)},
                    )
                    return
                logger.warning("storing usage rows failed; retrying", exc_info=True)
                await asyncio.sleep(WRITE_RETRY_SECONDS)

    async def _insert(
        self, rows: list[dict[str, Any]], cache_rows: list[dict[str, Any]]
    ) -> None:
        async with session_scope(self._sessionmaker) as session:
            if rows:
                await session.execute(insert(LLMCall), rows)
            if cache_rows:
                await session.execute(
                    pg_insert(LLMCacheEntry)
                    .values(cache_rows)
                    .on_conflict_do_nothing(index_elements=["key"])
                )

    async def _insert_one_by_one(
        self, rows: list[dict[str, Any]], cache_rows: list[dict[str, Any]]
    ) -> None:
        for row in rows:
            try:
                await self._insert([row], [])
            except IntegrityError:
                logger.warning(
                    "usage row dropped: its user or project is gone",
                    extra={"flow": row["flow"], "outcome": row["outcome"]},
                )
        for entry in cache_rows:
            try:
                await self._insert([], [entry])
            except IntegrityError:
                logger.warning("cache entry dropped", extra={"flow": entry["flow"]})

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
