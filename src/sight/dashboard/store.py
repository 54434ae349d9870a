"""Where snapshots live: Redis (a hash per user with a TTL) when configured,
else the `dashboard_snapshots` table. Both keep, per snapshot, the projects it
covers, so a study finishing in a project drops the snapshot of everyone who
sees that project (whatever the access policy says about who that is).

A snapshot is stored by section (`overview`, `weekly`, …) so a route reads and
sends only its part, as JSON text, without rebuilding models.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Text, cast, delete, func, select, type_coerce
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from sight.dashboard.models import KpiSnapshot

if TYPE_CHECKING:
    from redis.asyncio import Redis

TTL_SECONDS = 600
_PREFIX = "sight:dashboard:v1"
SECTIONS = (
    "overview",
    "weekly",
    "insights",
    "latest_insights",
    "health",
    "usage",
    "usage_breakdown",
)


class SnapshotStore(Protocol):
    # True when it does not use the request's session (reads can overlap).
    separate_connection: bool

    async def load(self, user_id: uuid.UUID, section: str) -> tuple[str, str] | None:
        """(section JSON, fingerprint) of a live snapshot, or None."""

    async def save(
        self,
        user_id: uuid.UUID,
        sections: dict[str, str],
        fingerprint: str,
        project_ids: Iterable[uuid.UUID],
        *,
        read: bool,
    ) -> None: ...

    async def drop_users(self, user_ids: Iterable[uuid.UUID]) -> None: ...

    async def drop_project(self, project_id: uuid.UUID) -> None: ...

    async def recent_readers(self, since: datetime) -> list[uuid.UUID]: ...


class RedisSnapshots:
    separate_connection = True

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    @staticmethod
    def _user(user_id: uuid.UUID) -> str:
        return f"{_PREFIX}:user:{user_id}"

    @staticmethod
    def _project(project_id: uuid.UUID) -> str:
        return f"{_PREFIX}:project:{project_id}"

    async def load(self, user_id: uuid.UUID, section: str) -> tuple[str, str] | None:
        values: list[Any] = await self.redis.hmget(
            self._user(user_id), [section, "fingerprint"]
        )
        if values[0] is None or values[1] is None:
            return None
        return str(values[0]), str(values[1])

    async def save(
        self,
        user_id: uuid.UUID,
        sections: dict[str, str],
        fingerprint: str,
        project_ids: Iterable[uuid.UUID],
        *,
        read: bool,
    ) -> None:
        key = self._user(user_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            mapping: dict[Any, Any] = {"fingerprint": fingerprint}
            mapping.update(sections)
            pipe.hset(key, mapping=mapping)
            pipe.expire(key, TTL_SECONDS)
            for project_id in project_ids:
                pipe.sadd(self._project(project_id), str(user_id))
                pipe.expire(self._project(project_id), TTL_SECONDS * 2)
            if read:
                pipe.zadd(
                    f"{_PREFIX}:readers", {str(user_id): datetime.now(UTC).timestamp()}
                )
            await pipe.execute()

    async def drop_users(self, user_ids: Iterable[uuid.UUID]) -> None:
        keys = [self._user(u) for u in user_ids]
        if keys:
            await self.redis.delete(*keys)

    async def drop_project(self, project_id: uuid.UUID) -> None:
        members: set[Any] = await self.redis.smembers(self._project(project_id))
        await self.drop_users(uuid.UUID(str(m)) for m in members)

    async def recent_readers(self, since: datetime) -> list[uuid.UUID]:
        readers = f"{_PREFIX}:readers"
        await self.redis.zremrangebyscore(readers, "-inf", since.timestamp())
        members = await self.redis.zrangebyscore(readers, since.timestamp(), "+inf")
        return [uuid.UUID(str(m)) for m in members]


class PostgresSnapshots:
    """The same, in `dashboard_snapshots`, inside the caller's transaction."""

    separate_connection = False

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def load(self, user_id: uuid.UUID, section: str) -> tuple[str, str] | None:
        row = (
            await self.session.execute(
                select(
                    KpiSnapshot.data[section].astext,
                    KpiSnapshot.data["fingerprint"].astext,
                ).where(
                    KpiSnapshot.user_id == user_id,
                    KpiSnapshot.expires_at > func.now(),
                )
            )
        ).first()
        if row is None or row[0] is None or row[1] is None:
            return None
        return str(row[0]), str(row[1])

    async def save(
        self,
        user_id: uuid.UUID,
        sections: dict[str, str],
        fingerprint: str,
        project_ids: Iterable[uuid.UUID],
        *,
        read: bool,
    ) -> None:
        now = datetime.now(UTC)
        # JSONB from the sections' text, without parsing them in Python.
        data = func.jsonb_build_object(
            "fingerprint",
            fingerprint,
            *[
                part
                for name, body in sections.items()
                for part in (name, cast(type_coerce(body, Text), KpiSnapshot.data.type))
            ],
        )
        values: dict[str, Any] = {
            "user_id": user_id,
            "data": data,
            "project_ids": list(project_ids),
            "computed_at": now,
            "expires_at": now + timedelta(seconds=TTL_SECONDS),
            "read_at": now,
        }
        statement = insert(KpiSnapshot).values(**values)
        update = {k: statement.excluded[k] for k in values if k != "user_id"}
        if not read:
            update.pop("read_at")
        await self.session.execute(
            statement.on_conflict_do_update(index_elements=["user_id"], set_=update)
        )

    async def drop_users(self, user_ids: Iterable[uuid.UUID]) -> None:
        ids = list(user_ids)
        if ids:
            await self.session.execute(
                delete(KpiSnapshot).where(KpiSnapshot.user_id.in_(ids))
            )

    async def drop_project(self, project_id: uuid.UUID) -> None:
        await self.session.execute(
            delete(KpiSnapshot).where(KpiSnapshot.project_ids.contains([project_id]))
        )

    async def recent_readers(self, since: datetime) -> list[uuid.UUID]:
        rows = await self.session.scalars(
            select(KpiSnapshot.user_id).where(KpiSnapshot.read_at >= since)
        )
        return list(rows)


def snapshot_store(redis: Redis | None, session: AsyncSession) -> SnapshotStore:
    return RedisSnapshots(redis) if redis is not None else PostgresSnapshots(session)
