"""Staying within a provider's limits and off a provider that keeps failing.

- `ProviderLimiter`: at most N calls in flight per provider endpoint and key,
  across every process (`slots.SharedSlots`: Redis leases, else PostgreSQL
  advisory locks), and requests/tokens per minute through the `limits`
  library, shared by every process through Redis when `REDIS_URL` is set.
- `CircuitBreaker`: after K consecutive failures an endpoint is not called for
  a cool-down; then one trial call decides whether it closes again. Any answer
  from the endpoint (also a 4xx) closes it; a trial without a verdict
  (cancelled) is abandoned so that the next call can try.
- `backoff_delay`: exponential with full jitter, never shorter than Retry-After.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING

from sight.llm.slots import SharedSlots, SlotStore

if TYPE_CHECKING:
    from limits import RateLimitItemPerMinute
    from limits.aio.storage import Storage


class ProviderLimiter:
    def __init__(
        self,
        provider: str,
        *,
        concurrency: int,
        requests_per_minute: int | None,
        tokens_per_minute: int | None,
        storage: Storage,
        slot_store: SlotStore | None = None,
    ) -> None:
        # Imported by a provider's first call (kit/ratelimit.py says why).
        from limits import RateLimitItemPerMinute
        from limits.aio.strategies import MovingWindowRateLimiter

        self.provider = provider
        self._slots = SharedSlots(provider, concurrency, slot_store)
        self._limiter = MovingWindowRateLimiter(storage)
        self._rpm = (
            RateLimitItemPerMinute(requests_per_minute) if requests_per_minute else None
        )
        self._tpm = (
            RateLimitItemPerMinute(tokens_per_minute) if tokens_per_minute else None
        )

    @asynccontextmanager
    async def slot(self, estimated_tokens: int) -> AsyncIterator[None]:
        async with self._slots.hold():
            await self._wait(self._rpm, 1)
            await self._wait(self._tpm, max(1, estimated_tokens))
            yield

    def in_flight(self) -> AbstractAsyncContextManager[None]:
        """One of the endpoint's concurrency slots only (no per-minute
        counting): an embedding request of a job sharing the provider."""
        return self._slots.hold()

    async def _wait(self, item: RateLimitItemPerMinute | None, cost: int) -> None:
        if item is None:
            return
        cost = min(cost, item.amount)  # one huge call must still be able to run
        while not await self._limiter.hit(item, "llm", self.provider, cost=cost):
            stats = await self._limiter.get_window_stats(item, "llm", self.provider)
            await asyncio.sleep(max(0.05, min(5.0, stats.reset_time - time.time())))


class CircuitOpen(Exception):
    def __init__(self, provider: str, retry_in: float) -> None:
        super().__init__(f"{provider} is failing; paused for {retry_in:.0f}s")
        self.provider = provider
        self.retry_in = retry_in


class CircuitBreaker:
    def __init__(
        self, provider: str, *, threshold: int = 5, cooldown: float = 30.0
    ) -> None:
        self.provider = provider
        self.threshold = threshold
        self.cooldown = cooldown
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> str:
        if self._opened_at is None:
            return "closed"
        if time.monotonic() - self._opened_at >= self.cooldown:
            return "half_open"
        return "open"

    def before_call(self) -> bool:
        """Raise CircuitOpen, or return whether this call is the trial call
        (the caller then ends it with a record_* or abandon_trial)."""
        state = self.state
        if state == "open":
            assert self._opened_at is not None  # noqa: S101 (state says so)
            raise CircuitOpen(
                self.provider, self.cooldown - (time.monotonic() - self._opened_at)
            )
        if state == "half_open":
            if self._trial_running:
                raise CircuitOpen(self.provider, 1.0)
            self._trial_running = True
            return True
        return False

    def abandon_trial(self) -> None:
        """The trial call ended without a verdict (cancelled): allow another."""
        self._trial_running = False

    def record_success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._trial_running = False

    def record_failure(self) -> None:
        self._failures += 1
        self._trial_running = False
        if self._failures >= self.threshold or self._opened_at is not None:
            self._opened_at = time.monotonic()


def backoff_delay(
    attempt: int, retry_after: float | None, *, base: float = 0.5, cap: float = 30.0
) -> float:
    """Delay before retry number `attempt` (1-based)."""
    jittered = random.uniform(0, min(cap, base * 2 ** (attempt - 1)))  # noqa: S311
    return max(jittered, retry_after or 0.0)
