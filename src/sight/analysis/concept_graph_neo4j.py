"""A group's concept graph kept in Neo4j, when Neo4j is the knowledge store.

The analysis job computes the graph (PageRank, betweenness, degree and
communities by GDS when the server has it: `knowledge.runtime`) and stores
the result as JSON in PostgreSQL, which the API returns. With Neo4j
configured the same graph is also written there, replacing the group's
previous one, so it can be queried and explored with the project's knowledge:

    (:SightFocusGroup {id, project_id, name, engine, computed_at})
      -[:HAS_CONCEPT]->(:SightGroupConcept {group, name, mentions, personas,
                        positive, neutral, negative, contested, pagerank,
                        betweenness, degree, community})
    (:SightGroupConcept)-[:CO_OCCURS {weight}]->(:SightGroupConcept)
    (:SightFocusGroup)-[:HAS_PARTICIPANT {influence, replies_received}]
      ->(:SightPersona {id, name, segment})
    (:SightPersona)-[:MENTIONED {group, mentions, mean_score}]->(:SightGroupConcept)

Only the Cypher below runs, always with parameters.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sight.analysis.schemas import ConceptGraphRead

if TYPE_CHECKING:
    from neo4j import AsyncManagedTransaction

logger = logging.getLogger("sight.analysis")

_SCHEMA = (
    "CREATE INDEX sight_group_concept_idx IF NOT EXISTS "
    "FOR (c:SightGroupConcept) ON (c.group, c.name)",
    "CREATE CONSTRAINT sight_focus_group_id IF NOT EXISTS "
    "FOR (g:SightFocusGroup) REQUIRE g.id IS UNIQUE",
    "CREATE CONSTRAINT sight_persona_id IF NOT EXISTS "
    "FOR (p:SightPersona) REQUIRE p.id IS UNIQUE",
)

_REPLACE = (
    # The group's previous graph goes (its concepts take their edges along).
    (
        "MATCH (c:SightGroupConcept {group: $group}) DETACH DELETE c",
        ("group",),
    ),
    (
        "MATCH (:SightFocusGroup {id: $group})-[r:HAS_PARTICIPANT]->() DELETE r",
        ("group",),
    ),
    (
        "MERGE (g:SightFocusGroup {id: $group}) "
        "SET g.project_id = $project, g.name = $name, g.engine = $engine, "
        "g.method = $method, g.computed_at = $computed_at, g.modularity = $modularity",
        ("group", "project", "name", "engine", "method", "computed_at", "modularity"),
    ),
    (
        "MATCH (g:SightFocusGroup {id: $group}) "
        "UNWIND $nodes AS n "
        "CREATE (g)-[:HAS_CONCEPT]->(c:SightGroupConcept {group: $group}) "
        "SET c += n",
        ("group", "nodes"),
    ),
    (
        "UNWIND $edges AS e "
        "MATCH (a:SightGroupConcept {group: $group, name: e.source}) "
        "MATCH (b:SightGroupConcept {group: $group, name: e.target}) "
        "CREATE (a)-[:CO_OCCURS {weight: e.weight}]->(b)",
        ("group", "edges"),
    ),
    (
        "MATCH (g:SightFocusGroup {id: $group}) "
        "UNWIND $personas AS p "
        "MERGE (x:SightPersona {id: p.id}) SET x.name = p.name, x.segment = p.segment "
        "CREATE (g)-[:HAS_PARTICIPANT {influence: p.influence, "
        "replies_received: p.replies}]->(x)",
        ("group", "personas"),
    ),
    (
        "UNWIND $mentions AS m "
        "MATCH (x:SightPersona {id: m.persona}) "
        "MATCH (c:SightGroupConcept {group: $group, name: m.concept}) "
        "CREATE (x)-[:MENTIONED {group: $group, mentions: m.mentions, "
        "mean_score: m.mean_score}]->(c)",
        ("group", "mentions"),
    ),
)


def _parameters(project_id: str, name: str, graph: ConceptGraphRead) -> dict[str, Any]:
    influence = {p.persona_id: p for p in graph.influential_personas}
    people: dict[str, dict[str, Any]] = {}
    for mention in graph.mentions:
        key = str(mention.persona_id)
        ranked = influence.get(mention.persona_id)
        people.setdefault(
            key,
            {
                "id": key,
                "name": mention.persona_name,
                "segment": mention.segment,
                "influence": ranked.influence if ranked else None,
                "replies": ranked.replies_received if ranked else 0,
            },
        )
    for ranked in graph.influential_personas:
        people.setdefault(
            str(ranked.persona_id),
            {
                "id": str(ranked.persona_id),
                "name": ranked.persona_name,
                "segment": ranked.segment,
                "influence": ranked.influence,
                "replies": ranked.replies_received,
            },
        )
    return {
        "group": str(graph.focus_group_id),
        "project": project_id,
        "name": name,
        "engine": graph.engine,
        "method": graph.method,
        "computed_at": graph.computed_at.isoformat(),
        "modularity": graph.modularity,
        "nodes": [
            {
                "name": n.concept,
                "mentions": n.mentions,
                "personas": n.personas,
                "positive": n.positive,
                "neutral": n.neutral,
                "negative": n.negative,
                "contested": n.contested,
                "pagerank": n.pagerank,
                "betweenness": n.betweenness,
                "degree": n.degree,
                "community": n.community,
            }
            for n in graph.nodes
        ],
        "edges": [
            {"source": e.source, "target": e.target, "weight": e.weight}
            for e in graph.edges
        ],
        "personas": list(people.values()),
        "mentions": [
            {
                "persona": str(m.persona_id),
                "concept": m.concept,
                "mentions": m.mentions,
                "mean_score": m.mean_score,
            }
            for m in graph.mentions
        ],
    }


async def write_group_graph(
    driver: Any,
    database: str | None,
    project_id: str,
    name: str,
    graph: ConceptGraphRead,
) -> None:
    """Replace the group's graph in Neo4j with `graph`, in one transaction."""
    params = _parameters(project_id, name, graph)
    async with driver.session(database=database) as session:
        for statement in _SCHEMA:
            await session.run(statement)

        async def work(tx: AsyncManagedTransaction) -> None:
            for query, names in _REPLACE:
                result = await tx.run(query, {k: params[k] for k in names})
                await result.consume()

        await session.execute_write(work)


async def keep_in_store(
    store: Any, project_id: str, name: str, graph: ConceptGraphRead
) -> bool:
    """Write the graph to Neo4j when that is the knowledge store; False when it
    is not (PostgreSQL keeps the result alone) or Neo4j could not take it (the
    result stays in PostgreSQL and the analysis does not fail for it)."""
    if getattr(store, "name", None) != "neo4j":
        return False
    from neo4j.exceptions import DriverError, Neo4jError  # optional dependency

    try:
        await write_group_graph(store.driver, store.database, project_id, name, graph)
    except (Neo4jError, DriverError, OSError) as exc:
        logger.warning("could not write the concept graph to Neo4j: %s", exc)
        return False
    return True
