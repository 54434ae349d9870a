"""Connection handling of the Neo4j store: error mapping, transactions, and
the schema it relies on (`sight init-graph`'s indexes, checked; its own lookup
indexes and the entity uniqueness constraint, created at first use)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, LiteralString

from neo4j import READ_ACCESS, AsyncDriver, AsyncManagedTransaction
from neo4j.exceptions import AuthError, ServiceUnavailable, SessionExpired

from sight.knowledge.errors import GraphIndexMissing, KnowledgeStoreUnavailable

VECTOR_INDEX = "chunk_vector_idx"
FULLTEXT_INDEX = "chunk_text_ft"
OVERSAMPLE = 10
MAX_CANDIDATES = 10_000
_OWN_SCHEMA: tuple[LiteralString, ...] = (
    "CREATE RANGE INDEX chunk_id_idx IF NOT EXISTS FOR (c:Chunk) ON (c.id)",
    "CREATE RANGE INDEX chunk_document_idx IF NOT EXISTS "
    "FOR (c:Chunk) ON (c.document_id)",
    "CREATE RANGE INDEX document_project_idx IF NOT EXISTS "
    "FOR (d:Document) ON (d.project_id)",
    "CREATE CONSTRAINT entity_key_unique IF NOT EXISTS FOR (e:Entity) "
    "REQUIRE (e.project_id, e.type, e.key) IS UNIQUE",
)


class Neo4jBase:
    def __init__(self, driver: AsyncDriver, database: str | None = None) -> None:
        self.driver = driver
        self.database = database
        self._schema_ready = False
        self._schema_lock = asyncio.Lock()
        self._vector_dims: int | None = None
        self._gds: bool | None = None

    @asynccontextmanager
    async def _guard(self) -> AsyncIterator[None]:
        try:
            yield
        except (ServiceUnavailable, SessionExpired, OSError) as exc:
            raise KnowledgeStoreUnavailable(
                f"Neo4j is unreachable ({type(exc).__name__})"
            ) from None
        except AuthError:
            raise KnowledgeStoreUnavailable(
                "Neo4j refused the credentials (check NEO4J_USER/NEO4J_PASSWORD)"
            ) from None

    async def _read(self, query: LiteralString, **params: Any) -> list[dict[str, Any]]:
        async with self._guard():
            records, _, _ = await self.driver.execute_query(
                query, params, database_=self.database, routing_="r"
            )
        return [record.data() for record in records]

    async def _read_autocommit(
        self, query: LiteralString, **params: Any
    ) -> list[dict[str, Any]]:
        """A read in an auto-commit transaction: RUN and PULL in one round
        trip, where `_read`'s managed transaction adds a COMMIT round trip.
        No retry: for a search's read, which a user can repeat. Uses
        `execute_query`'s bookmarks, so it sees what `_read` callers saw."""
        async with (
            self._guard(),
            self.driver.session(
                database=self.database,
                default_access_mode=READ_ACCESS,
                bookmark_manager=self.driver.execute_query_bookmark_manager,
            ) as session,
        ):
            result = await session.run(query, params)
            # Maps and lists arrive as dicts and lists: `Record.data()`'s
            # recursive walk (for nodes and paths) was 40 % of the driver's
            # CPU on a search's ~100 rows.
            keys = result.keys()
            return [dict(zip(keys, record, strict=True)) async for record in result]

    async def _write(self, *statements: tuple[LiteralString, dict[str, Any]]) -> None:
        async def work(tx: AsyncManagedTransaction) -> None:
            for query, params in statements:
                result = await tx.run(query, params)
                await result.consume()

        async with (
            self._guard(),
            self.driver.session(database=self.database) as session,
        ):
            await session.execute_write(work)

    async def _ensure_schema(self) -> None:
        if self._schema_ready:
            return
        async with self._schema_lock:
            if self._schema_ready:
                return
            async with self._guard(), self.driver.session(database=self.database) as s:
                for statement in _OWN_SCHEMA:
                    await (await s.run(statement)).consume()
                await (await s.run("CALL db.awaitIndexes(120)")).consume()
            self._schema_ready = True

    async def _require_indexes(self, dimensions: int | None = None) -> None:
        await self._ensure_schema()
        if self._vector_dims is None:
            rows = await self._read(
                "SHOW INDEXES YIELD name, state, options WHERE name IN $names "
                "RETURN name, state, options",
                names=[VECTOR_INDEX, FULLTEXT_INDEX],
            )
            found = {r["name"]: r for r in rows}
            for name in (VECTOR_INDEX, FULLTEXT_INDEX):
                if name not in found:
                    raise GraphIndexMissing(
                        f"the Neo4j index {name} does not exist; create the indexes "
                        "with `sight init-graph` (same NEO4J_URI and embedding "
                        "settings as the server)"
                    )
                if found[name]["state"] != "ONLINE":
                    raise GraphIndexMissing(
                        f"the Neo4j index {name} is {found[name]['state']}, not "
                        "ONLINE; wait for it or re-run `sight init-graph`"
                    )
            config = (found[VECTOR_INDEX]["options"] or {}).get("indexConfig", {})
            self._vector_dims = int(config.get("vector.dimensions", 0))
        if dimensions is not None and dimensions != self._vector_dims:
            raise GraphIndexMissing(
                f"the Neo4j vector index {VECTOR_INDEX} holds {self._vector_dims}-"
                f"dimension vectors but the embedder makes {dimensions}; drop it "
                f"(DROP INDEX {VECTOR_INDEX}) and run `sight init-graph` with "
                f"SIGHT_EMBEDDING_DIMENSIONS={dimensions}"
            )

    async def ping(self) -> None:
        async with self._guard():
            await self.driver.verify_connectivity()
