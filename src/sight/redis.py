"""Optional Redis client. Without `REDIS_URL` Sight uses in-process caches and
limits (correct for a single process only; see docs/configuration.md)."""

from __future__ import annotations

from redis.asyncio import Redis


def create_redis(url: str) -> Redis:
    return Redis.from_url(url, decode_responses=True, socket_connect_timeout=3)
