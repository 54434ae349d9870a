"""Optional Neo4j driver (knowledge graph) and the indexes it needs.

Only Cypher written here (or in the knowledge store adapter) runs, always with
parameters; index names and the dimension are validated integers/identifiers.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from neo4j import AsyncDriver

INDEX_NAMES = (
    "document_id_idx",
    "chunk_embedding_idx",
    "chunk_vector_idx",
    "chunk_text_ft",
)


def create_neo4j_driver(uri: str, user: str, password: str | None) -> AsyncDriver:
    from neo4j import AsyncGraphDatabase  # optional dependency: import on use

    auth = (user, password) if password else None
    return AsyncGraphDatabase.driver(uri, auth=auth, connection_timeout=5)


async def ensure_graph_indexes(
    driver: AsyncDriver, dimensions: int, *, wait_seconds: float = 120.0
) -> list[str]:
    """Create the indexes idempotently and wait until all are ONLINE."""
    if not 1 <= int(dimensions) <= 4096:
        raise ValueError(f"vector dimension must be 1..4096, got {dimensions}")
    statements = [
        "CREATE RANGE INDEX document_id_idx IF NOT EXISTS FOR (d:Document) ON (d.id)",
        "CREATE RANGE INDEX chunk_embedding_idx IF NOT EXISTS "
        "FOR (c:Chunk) ON (c.embedding)",
        # The dimension cannot be a query parameter in index DDL; it is an int.
        "CREATE VECTOR INDEX chunk_vector_idx IF NOT EXISTS "
        "FOR (c:Chunk) ON (c.embedding) "
        f"OPTIONS {{indexConfig: {{`vector.dimensions`: {int(dimensions)}, "
        "`vector.similarity_function`: 'cosine'}}",
        "CREATE FULLTEXT INDEX chunk_text_ft IF NOT EXISTS "
        "FOR (c:Chunk) ON EACH [c.text]",
    ]
    report: list[str] = []
    async with driver.session() as session:
        for statement in statements:
            await session.run(statement)
        deadline = time.monotonic() + wait_seconds
        while True:
            result = await session.run(
                "SHOW INDEXES YIELD name, state "
                "WHERE name IN $names RETURN name, state",
                names=list(INDEX_NAMES),
            )
            rows = await result.data()
            states = {row["name"]: row["state"] for row in rows}
            if all(states.get(n) == "ONLINE" for n in INDEX_NAMES):
                break
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"indexes not online after {wait_seconds}s: {states}"
                )
            await asyncio.sleep(0.5)
    for name in INDEX_NAMES:
        report.append(f"{name}: ONLINE")
    return report
