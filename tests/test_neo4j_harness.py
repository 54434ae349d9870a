"""The test Neo4j (tools/neo4j-harness) starts, serves Bolt, has APOC and GDS
loaded and supports vector indexes, and stops cleanly."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from neo4j import GraphDatabase

from tests.fixtures.neo4j_harness import (
    SERVER_JVM_ARGS,
    Neo4jServer,
    Neo4jUnavailable,
    start_neo4j,
)

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _start(workdir: Path, **options: Any) -> Neo4jServer:
    try:
        return start_neo4j(workdir, **options)
    except Neo4jUnavailable as exc:
        if IN_CI:
            pytest.fail(f"CI=true but the test Neo4j is unavailable: {exc.reason}")
        pytest.skip(f"the test Neo4j is unavailable: {exc.reason}")


def test_neo4j_harness_serves_bolt_with_apoc_gds_and_vector_index(
    tmp_path: Path,
) -> None:
    server = _start(tmp_path / "neo4j")
    try:
        assert server.uri.startswith("bolt://127.0.0.1:")
        with (
            GraphDatabase.driver(server.uri, auth=None) as driver,
            driver.session() as session,
        ):
            assert session.run("RETURN 1 AS one").single(strict=True)["one"] == 1

            apoc = session.run("RETURN apoc.version() AS v").single(strict=True)["v"]
            assert str(apoc).startswith("5.26.")
            gds = session.run("CALL gds.version() YIELD gdsVersion").single(
                strict=True
            )["gdsVersion"]
            assert str(gds).startswith("2.13.")

            session.run(
                "CREATE VECTOR INDEX chunk_embedding IF NOT EXISTS "
                "FOR (c:Chunk) ON c.embedding OPTIONS {indexConfig: {"
                "`vector.dimensions`: 8, `vector.similarity_function`: 'cosine'}}"
            ).consume()
            session.run(
                "UNWIND range(1, 4) AS i "
                "CREATE (:Chunk {id: i, embedding: "
                "[x IN range(1, 8) | toFloat(x * i % 5) + 0.5]})"
            ).consume()
            session.run("CALL db.awaitIndexes(60)").consume()
            state = session.run(
                "SHOW VECTOR INDEXES YIELD name, state "
                "WHERE name = 'chunk_embedding' RETURN state"
            ).single(strict=True)["state"]
            assert state == "ONLINE"
            hits = session.run(
                "CALL db.index.vector.queryNodes('chunk_embedding', 2, $q) "
                "YIELD node, score RETURN node.id AS id, score",
                q=[float(x % 5) + 0.5 for x in range(1, 9)],
            ).data()
            assert len(hits) == 2
            assert hits[0]["id"] == 1
            assert hits[0]["score"] == pytest.approx(1.0, abs=5e-3)
    finally:
        server.stop()
    assert not server.is_running()


def test_neo4j_harness_checkpoints_at_the_given_interval(tmp_path: Path) -> None:
    """`checkpoint_interval` (used by bench.knowledge_search) reaches the
    server: a write is followed by a scheduled checkpoint within a minute,
    where Neo4j's default waits 15 minutes; the server JVM flags start too."""
    server = _start(
        tmp_path / "neo4j", plugins=False, jvm=SERVER_JVM_ARGS, checkpoint_interval="1s"
    )
    try:
        with GraphDatabase.driver(server.uri, auth=None) as driver:
            driver.execute_query("CREATE (:Mark {at: timestamp()})")

        def scheduled() -> list[str]:
            return [
                line
                for log in tmp_path.glob("neo4j/*/logs/debug.log")
                for line in log.read_text(errors="replace").splitlines()
                if "[neo4j/" in line
                and "Scheduled checkpoint" in line
                and "completed" in line
            ]

        deadline = time.monotonic() + 90
        while not scheduled() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert scheduled(), server.log_tail()
    finally:
        server.stop()
