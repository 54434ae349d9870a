"""Rate limits with the `limits` library: Redis-backed (shared by every API
instance) when `REDIS_URL` is set, in-process memory otherwise.

When Redis stops answering, limits are counted in this process until it is back
(checked again after `RETRY_REDIS_AFTER` seconds): the service keeps answering,
with per-instance limits meanwhile, instead of failing every limited request.

`limits` (with `deprecated` and `wrapt`: 0.03-0.04 s of CPU) is imported when a
limit is first counted (a sign-up, a log-in, a provider call), not by the
start (issue 16).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from sight.kit.errors import RateLimited

if TYPE_CHECKING:
    from limits.aio.storage import Storage
    from limits.aio.strategies import MovingWindowRateLimiter

logger = logging.getLogger("sight.ratelimit")

RETRY_REDIS_AFTER = 5.0


def limits_storage(redis_url: str | None) -> Storage:
    """Where hits are counted: Redis (shared by every process) or this process."""
    from limits.aio.storage import MemoryStorage, RedisStorage

    return RedisStorage("async+" + redis_url) if redis_url else MemoryStorage()


class RateLimiter:
    def __init__(self, redis_url: str | None) -> None:
        self.redis_url = redis_url
        # (shared, this process's), made on the first hit.
        self._limiters: tuple[MovingWindowRateLimiter, ...] = ()
        self._redis_down_until = 0.0

    @property
    def _local(self) -> MovingWindowRateLimiter:
        return self._made()[1]

    def _made(self) -> tuple[MovingWindowRateLimiter, ...]:
        if not self._limiters:
            from limits.aio.strategies import MovingWindowRateLimiter

            self._limiters = (
                MovingWindowRateLimiter(limits_storage(self.redis_url)),
                MovingWindowRateLimiter(limits_storage(None)),
            )
        return self._limiters

    def _current(self) -> MovingWindowRateLimiter:
        shared, local = self._made()
        if self._redis_down_until and time.monotonic() < self._redis_down_until:
            return local
        return shared

    async def hit(self, limit: str, *keys: str) -> None:
        """Count one hit against each key; raise RateLimited if any is over."""
        try:
            await self._hit(self._current(), limit, keys)
        except RateLimited:
            raise
        except Exception as exc:  # the shared store is unreachable
            if self._current() is self._local:
                raise
            logger.warning(
                "rate limits counted in this process: Redis is unavailable (%s)",
                type(exc).__name__,
            )
            self._redis_down_until = time.monotonic() + RETRY_REDIS_AFTER
            await self._hit(self._local, limit, keys)

    @staticmethod
    async def _hit(
        limiter: MovingWindowRateLimiter, limit: str, keys: tuple[str, ...]
    ) -> None:
        from limits import parse

        item = parse(limit)
        for key in keys:
            if not await limiter.hit(item, "sight", key):
                stats = await limiter.get_window_stats(item, "sight", key)
                retry_after = max(1, int(stats.reset_time - time.time()) + 1)
                raise RateLimited(
                    f"too many attempts; limit is {limit}, retry in {retry_after}s",
                    retry_after=retry_after,
                )
