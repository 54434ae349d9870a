"""Rate limits with the `limits` library: Redis-backed (shared by every API
instance) when `REDIS_URL` is set, in-process memory otherwise.

When Redis stops answering, limits are counted in this process until it is back
(checked again after `RETRY_REDIS_AFTER` seconds): the service keeps answering,
with per-instance limits meanwhile, instead of failing every limited request.
"""

from __future__ import annotations

import logging
import time

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from sight.kit.errors import RateLimited

logger = logging.getLogger("sight.ratelimit")

RETRY_REDIS_AFTER = 5.0


class RateLimiter:
    def __init__(self, redis_url: str | None) -> None:
        self.storage: Storage = (
            RedisStorage("async+" + redis_url) if redis_url else MemoryStorage()
        )
        self._limiter = MovingWindowRateLimiter(self.storage)
        self._local = MovingWindowRateLimiter(MemoryStorage())
        self._redis_down_until = 0.0

    def _current(self) -> MovingWindowRateLimiter:
        if self._redis_down_until and time.monotonic() < self._redis_down_until:
            return self._local
        return self._limiter

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
        item: RateLimitItem = parse(limit)
        for key in keys:
            if not await limiter.hit(item, "sight", key):
                stats = await limiter.get_window_stats(item, "sight", key)
                retry_after = max(1, int(stats.reset_time - time.time()) + 1)
                raise RateLimited(
                    f"too many attempts; limit is {limit}, retry in {retry_after}s",
                    retry_after=retry_after,
                )
