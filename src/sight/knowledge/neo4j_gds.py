"""Concept-graph analytics with Neo4j Graph Data Science, when the server has it.

The concept graph is written as temporary `SightConceptGraph`/`SightConcept`
nodes tagged with a run id, projected undirected and weighted, analysed with
`gds.degree`, `gds.pageRank`, `gds.betweenness` and `gds.louvain`, and removed
again. Scores are normalised exactly like the in-process implementation.
"""

from __future__ import annotations

import uuid
from typing import Any

from neo4j import AsyncDriver
from neo4j.exceptions import ClientError

from sight.knowledge.analytics import (
    Centrality,
    ConceptGraph,
    GraphAnalytics,
    modularity_of,
    ordered_communities,
)


async def has_gds(driver: AsyncDriver, database: str | None) -> bool:
    try:
        await driver.execute_query(
            "RETURN gds.version() AS version", database_=database
        )
    except ClientError:
        return False
    return True


async def gds_analytics(
    driver: AsyncDriver, database: str | None, graph: ConceptGraph
) -> GraphAnalytics:
    run = f"sight-{uuid.uuid4().hex}"
    nodes = list(graph.nodes)
    edges = [{"source": a, "target": b, "weight": w} for a, b, w in graph.edges]
    params: dict[str, Any] = {"run": run}
    try:
        await driver.execute_query(
            "UNWIND $nodes AS name CREATE (:SightConcept {run: $run, name: name})",
            {**params, "nodes": nodes},
            database_=database,
        )
        await driver.execute_query(
            "UNWIND $edges AS e "
            "MATCH (a:SightConcept {run: $run, name: e.source}) "
            "MATCH (b:SightConcept {run: $run, name: e.target}) "
            "CREATE (a)-[:SIGHT_CO_OCCURS {weight: e.weight}]->(b)",
            {**params, "edges": edges},
            database_=database,
        )
        await driver.execute_query(
            "MATCH (a:SightConcept {run: $run}) "
            "OPTIONAL MATCH (a)-[r:SIGHT_CO_OCCURS]->(b:SightConcept) "
            "WITH gds.graph.project($run, a, b, "
            "{relationshipProperties: {weight: coalesce(r.weight, 1.0)}}, "
            "{undirectedRelationshipTypes: ['*']}) AS g RETURN g.nodeCount",
            params,
            database_=database,
        )
        degree = await _stream(
            driver,
            database,
            "CALL gds.degree.stream($run, {relationshipWeightProperty: 'weight'}) "
            "YIELD nodeId, score RETURN gds.util.asNode(nodeId).name AS name, score",
            params,
        )
        pagerank = await _stream(
            driver,
            database,
            "CALL gds.pageRank.stream($run, {relationshipWeightProperty: 'weight', "
            "dampingFactor: 0.85, maxIterations: 200, tolerance: 1e-10}) "
            "YIELD nodeId, score RETURN gds.util.asNode(nodeId).name AS name, score",
            params,
        )
        betweenness = await _stream(
            driver,
            database,
            "CALL gds.betweenness.stream($run) YIELD nodeId, score "
            "RETURN gds.util.asNode(nodeId).name AS name, score",
            params,
        )
        records, _, _ = await driver.execute_query(
            "CALL gds.louvain.stream($run, {relationshipWeightProperty: 'weight'}) "
            "YIELD nodeId, communityId "
            "RETURN gds.util.asNode(nodeId).name AS name, communityId",
            params,
            database_=database,
        )
    finally:
        await driver.execute_query(
            "CALL gds.graph.drop($run, false) YIELD graphName RETURN graphName",
            params,
            database_=database,
        )
        await driver.execute_query(
            "MATCH (n:SightConcept {run: $run}) DETACH DELETE n",
            params,
            database_=database,
        )
    groups: dict[int, list[str]] = {}
    for record in records:
        groups.setdefault(int(record["communityId"]), []).append(record["name"])
    communities = ordered_communities(groups.values())
    top_degree = max(degree.values(), default=0.0) or 1.0
    top_between = max(betweenness.values(), default=0.0) or 1.0
    rank_total = sum(pagerank.values()) or 1.0
    return GraphAnalytics(
        centrality={
            name: Centrality(
                degree=round(degree.get(name, 0.0) / top_degree, 6),
                pagerank=round(pagerank.get(name, 0.0) / rank_total, 6),
                betweenness=round(betweenness.get(name, 0.0) / top_between, 6),
            )
            for name in nodes
        },
        communities=communities,
        modularity=modularity_of(graph, [c.members for c in communities]),
        engine="gds",
    )


async def _stream(
    driver: AsyncDriver, database: str | None, query: str, params: dict[str, Any]
) -> dict[str, float]:
    records, _, _ = await driver.execute_query(query, params, database_=database)
    return {record["name"]: float(record["score"]) for record in records}
