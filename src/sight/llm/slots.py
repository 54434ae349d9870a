"""A provider's concurrency limit shared by every process that calls it.

A provider allows P calls in flight per key, however many `sight serve` and
`sight worker` processes make them. Each process asks a shared store for one
of the P slots of an endpoint key before calling, and gives it back after:

- `RedisSlots` (when `REDIS_URL` is set): a sorted set of leases per endpoint
  key, scored by expiry. Taking a slot is one Lua script (drop expired leases,
  add ours if fewer than P remain), timed by Redis' clock; the holder renews
  its leases while it lives, so a crashed process's slots come back after
  `LEASE_SECONDS`.
- `PostgresSlots` (no Redis): slot i of an endpoint key is the session-level
  advisory lock (key, i) held on one connection per process. A process that
  dies closes its connection and PostgreSQL frees its slots at once.

If the store cannot be reached, calls go on with the process's own limit (a
provider's 429s are waited for anyway) and the store is tried again later.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Protocol

import psycopg

from sight.config import Settings
from sight.postgres import SessionMaker, libpq_url

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger("sight.llm")

# A lease not renewed for this long is presumed to belong to a dead process.
LEASE_SECONDS = 30.0
# How often a process that found every slot taken asks again (a slot freed
# in the same process wakes its waiter at once).
POLL_SECONDS = 0.05
# After the store failed, calls use only the process's own limit this long.
STORE_RETRY_SECONDS = 10.0


class SlotStore(Protocol):
    async def try_acquire(self, name: str, limit: int) -> str | None:
        """A token for one of `limit` slots of `name`, or None if all are taken."""

    async def release(self, name: str, token: str) -> None: ...

    async def aclose(self) -> None: ...


class SharedSlots:
    """At most `limit` calls at once for one endpoint key, in this process and
    (through `store`) across every process."""

    def __init__(self, name: str, limit: int, store: SlotStore | None) -> None:
        self.name = name
        self.limit = limit
        self._store = store
        self._local = asyncio.Semaphore(limit)
        # One coroutine of this process asks the store at a time: the others
        # queue here instead of each polling the store.
        self._turn = asyncio.Lock()
        self._freed = asyncio.Event()
        self._store_down_until = 0.0

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        async with self._local:
            token = await self._acquire()
            try:
                yield
            finally:
                if token is not None:
                    # Shielded: a cancelled call must still give its slot back.
                    await asyncio.shield(self._release(token))
                self._freed.set()

    async def _acquire(self) -> str | None:
        if self._store is None:
            return None
        async with self._turn:
            while True:
                if time.monotonic() < self._store_down_until:
                    return None
                self._freed.clear()
                try:
                    token = await self._store.try_acquire(self.name, self.limit)
                except Exception:
                    self._store_failed("take")
                    return None
                if token is not None:
                    return token
                try:
                    jitter = random.uniform(0, POLL_SECONDS / 2)  # noqa: S311
                    await asyncio.wait_for(self._freed.wait(), POLL_SECONDS + jitter)
                except TimeoutError:
                    pass

    async def _release(self, token: str) -> None:
        assert self._store is not None  # noqa: S101 (a token came from it)
        try:
            await self._store.release(self.name, token)
        except Exception:
            self._store_failed("give back")

    def _store_failed(self, what: str) -> None:
        logger.warning(
            "shared provider slots unavailable; using this process's limit",
            exc_info=True,
            extra={"limiter": self.name, "action": what},
        )
        self._store_down_until = time.monotonic() + STORE_RETRY_SECONDS


# KEYS[1]: the leases; ARGV: limit, token, lease ms. Redis' own clock, so
# processes on machines with skewed clocks agree on what has expired.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
  return 1
end
return 0
"""

# KEYS: lease sets; ARGV[1]: lease ms, then one token per key. XX: a lease
# that already expired (this process stalled past it) is not brought back.
_RENEW = """
local t = redis.call('TIME')
local until_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  + tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, 'XX', until_ms, ARGV[i + 1])
  redis.call('PEXPIRE', key, tonumber(ARGV[1]))
end
return 0
"""


class RedisSlots:
    def __init__(self, url: str, *, lease_seconds: float = LEASE_SECONDS) -> None:
        # Imported here: a process without REDIS_URL never loads the driver.
        from redis.asyncio import Redis

        self._redis: Redis = Redis.from_url(url)
        self._lease_ms = int(lease_seconds * 1000)
        self._renew_every = lease_seconds / 3
        self._take = self._redis.register_script(_TAKE)
        self._renew = self._redis.register_script(_RENEW)
        self._held: dict[str, str] = {}  # token -> redis key
        self._renewer: asyncio.Task[None] | None = None

    @staticmethod
    def _key(name: str) -> str:
        return f"sight:llm:slots:{name}"

    async def try_acquire(self, name: str, limit: int) -> str | None:
        token = uuid.uuid4().hex
        key = self._key(name)
        if not await self._take(keys=[key], args=[limit, token, self._lease_ms]):
            return None
        self._held[token] = key
        if self._renewer is None or self._renewer.done():
            self._renewer = asyncio.create_task(self._renew_while_held())
        return token

    async def release(self, name: str, token: str) -> None:
        self._held.pop(token, None)
        await self._redis.zrem(self._key(name), token)

    async def _renew_while_held(self) -> None:
        while self._held:
            await asyncio.sleep(self._renew_every)
            held = list(self._held.items())
            if not held:
                break
            try:
                await self._renew(
                    keys=[key for _, key in held],
                    args=[self._lease_ms, *(token for token, _ in held)],
                )
            except Exception:
                logger.warning("could not renew provider slot leases", exc_info=True)

    async def aclose(self) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
            await asyncio.gather(self._renewer, return_exceptions=True)
        await self._redis.aclose()


class PostgresSlots:
    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._conn: psycopg.AsyncConnection[tuple[int]] | None = None
        # One connection holds this process's slots; its queries take turns.
        self._lock = asyncio.Lock()
        self._held: dict[str, set[int]] = {}

    @staticmethod
    def _key(name: str) -> int:
        # Two-int advisory locks: their own key space, apart from the
        # one-bigint locks used elsewhere. A crc32 clash between two endpoint
        # keys would make them share slots, never exceed a limit.
        return zlib.crc32(name.encode()) - 2**31

    async def _connection(self) -> psycopg.AsyncConnection[tuple[int]]:
        if self._conn is None or self._conn.closed:
            self._conn = await psycopg.AsyncConnection.connect(
                self._conninfo, autocommit=True
            )
        return self._conn

    async def try_acquire(self, name: str, limit: int) -> str | None:
        held = self._held.setdefault(name, set())
        # A session may take an advisory lock it holds again, so this
        # process skips its own slots; from a random one on, to spread tries.
        start = random.randrange(limit)  # noqa: S311
        free = [
            slot
            for slot in ((start + i) % limit for i in range(limit))
            if slot not in held
        ]
        if not free:
            return None
        async with self._lock:
            conn = await self._connection()
            try:
                # Tries them in order and stops at the first it gets.
                row = await (
                    await conn.execute(
                        "SELECT slot FROM unnest(%s::int[]) AS slot"
                        " WHERE pg_try_advisory_lock(%s, slot) LIMIT 1",
                        (free, self._key(name)),
                    )
                ).fetchone()
            except psycopg.Error:
                await self._lost()
                raise
        if row is None:
            return None
        held.add(int(row[0]))
        return str(row[0])

    async def release(self, name: str, token: str) -> None:
        slot = int(token)
        async with self._lock:
            if slot not in self._held.get(name, set()):
                return  # lost with its connection
            conn = await self._connection()
            try:
                await conn.execute(
                    "SELECT pg_advisory_unlock(%s, %s)", (self._key(name), slot)
                )
            except psycopg.Error:
                await self._lost()
                raise
            self._held[name].discard(slot)

    async def _lost(self) -> None:
        """The connection failed: its locks are gone with it."""
        self._held.clear()
        if self._conn is not None:
            await self._conn.close()

    async def aclose(self) -> None:
        if self._conn is not None:
            await self._conn.close()


def slot_store(settings: Settings, sessionmaker: SessionMaker) -> SlotStore | None:
    """Redis when configured, else the database the sessions use."""
    if settings.redis_url is not None:
        return RedisSlots(settings.redis_url.get_secret_value())
    engine = sessionmaker.kw.get("bind")
    if engine is None:
        return None
    return PostgresSlots(libpq_url(engine.url.render_as_string(hide_password=False)))
