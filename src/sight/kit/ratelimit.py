"""Rate limits with the `limits` library: Redis-backed (shared by every API
instance) when `REDIS_URL` is set, in-process memory otherwise."""

from __future__ import annotations

import time

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from sight.kit.errors import RateLimited


class RateLimiter:
    def __init__(self, redis_url: str | None) -> None:
        self.storage: Storage = (
            RedisStorage("async+" + redis_url) if redis_url else MemoryStorage()
        )
        self._limiter = MovingWindowRateLimiter(self.storage)

    async def hit(self, limit: str, *keys: str) -> None:
        """Count one hit against each key; raise RateLimited if any is over."""
        item: RateLimitItem = parse(limit)
        for key in keys:
            if not await self._limiter.hit(item, "sight", key):
                stats = await self._limiter.get_window_stats(item, "sight", key)
                retry_after = max(1, int(stats.reset_time - time.time()) + 1)
                raise RateLimited(
                    f"too many attempts; limit is {limit}, retry in {retry_after}s",
                    retry_after=retry_after,
                )
