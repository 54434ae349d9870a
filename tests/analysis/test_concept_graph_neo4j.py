"""With Neo4j as the knowledge store a group's concept graph is computed by GDS
and kept in Neo4j (replacing the group's previous graph); with PostgreSQL the
result stays in PostgreSQL only. A real Neo4j 5.26 with OpenGDS
(tests/fixtures/neo4j_harness.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from neo4j import AsyncDriver, AsyncGraphDatabase

from sight.analysis import concept_graph
from sight.analysis.concept_graph_neo4j import keep_in_store
from sight.knowledge.analytics import ConceptGraph
from sight.knowledge.store_neo4j import Neo4jKnowledgeStore
from tests.analysis.sample import english_group
from tests.analysis.test_concept_graph import _notes
from tests.fixtures.neo4j_harness import Neo4jServer, Neo4jUnavailable, start_neo4j
from tests.fixtures.servers import unavailable


@pytest.fixture(scope="module")
def neo4j_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Neo4jServer]:
    try:
        server = start_neo4j(tmp_path_factory.mktemp("neo4j-analysis"))
    except Neo4jUnavailable as exc:
        unavailable(f"the test Neo4j cannot run here: {exc.reason}")
        raise AssertionError("unreachable") from None
    yield server
    server.stop()


@pytest.fixture
async def driver(neo4j_server: Neo4jServer) -> AsyncIterator[AsyncDriver]:
    driver = AsyncGraphDatabase.driver(neo4j_server.uri, auth=None)
    yield driver
    await driver.close()


async def _count(driver: AsyncDriver, query: str, group: str) -> int:
    records, _, _ = await driver.execute_query(query, {"group": group})
    return int(records[0]["n"])


async def test_the_group_graph_is_kept_in_neo4j_with_gds_scores(
    driver: AsyncDriver,
) -> None:
    group = english_group()
    data = concept_graph.build(group, _notes(group, {0: "positive", 1: "negative"}))
    store = Neo4jKnowledgeStore(driver)
    analytics = await store.concept_graph_analytics(
        ConceptGraph.build(data.nodes, data.edges)
    )
    assert analytics.engine == "gds"  # the harness loads OpenGDS
    graph = concept_graph.assemble(group, data, analytics, method="test", store="neo4j")
    gid = str(group.id)

    for _ in range(2):  # a second analysis replaces the first: no duplicates
        assert await keep_in_store(store, str(group.project_id), group.name, graph)
        assert await _count(
            driver,
            "MATCH (:SightFocusGroup {id: $group})-[:HAS_CONCEPT]->(c) RETURN count(c) AS n",
            gid,
        ) == len(graph.nodes)
        assert await _count(
            driver,
            "MATCH (:SightGroupConcept {group: $group})-[r:CO_OCCURS]->() "
            "RETURN count(r) AS n",
            gid,
        ) == len(graph.edges)
        assert await _count(
            driver,
            "MATCH (:SightPersona)-[r:MENTIONED {group: $group}]->() RETURN count(r) AS n",
            gid,
        ) == len(graph.mentions)

    # What a reader of Neo4j finds is what the API returns.
    top = max(graph.nodes, key=lambda n: n.pagerank)
    records, _, _ = await driver.execute_query(
        "MATCH (c:SightGroupConcept {group: $group}) "
        "RETURN c.name AS name ORDER BY c.pagerank DESC, c.name LIMIT 1",
        {"group": gid},
    )
    assert records[0]["name"] == top.concept
    leader = graph.influential_personas[0]
    records, _, _ = await driver.execute_query(
        "MATCH (:SightFocusGroup {id: $group})-[r:HAS_PARTICIPANT]->(p:SightPersona) "
        "RETURN p.id AS id ORDER BY r.influence DESC LIMIT 1",
        {"group": gid},
    )
    assert records[0]["id"] == str(leader.persona_id)


async def test_postgres_keeps_the_result_alone() -> None:
    group = english_group()
    data = concept_graph.build(group, _notes(group, {}))

    class PostgresLike:
        name = "postgres"

    from sight.knowledge.analytics import analyse_in_process

    graph = concept_graph.assemble(
        group,
        data,
        analyse_in_process(ConceptGraph.build(data.nodes, data.edges)),
        method="test",
        store="postgres",
    )
    assert not await keep_in_store(PostgresLike(), str(group.project_id), "g", graph)
