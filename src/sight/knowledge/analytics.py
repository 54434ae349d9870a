"""Concept-graph analytics: centrality and communities.

`concept_graph_analytics(nodes, edges)` is what focus-group analysis calls. The
Neo4j store runs it with GDS when the server has the plugin; everything else
uses the in-process implementation here. Both return the same shape, with
scores normalised the same way (PageRank sums to 1, betweenness and weighted
degree are scaled to a maximum of 1), so callers never care which ran.

Edges are undirected and weighted (co-occurrence of concepts in answers).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

DAMPING = 0.85


@dataclass(frozen=True)
class ConceptGraph:
    nodes: tuple[str, ...]
    edges: tuple[tuple[str, str, float], ...]

    @classmethod
    def build(
        cls, nodes: Iterable[str], edges: Iterable[Sequence[Any] | Mapping[str, Any]]
    ) -> ConceptGraph:
        """Edges as (source, target[, weight]) or {"source", "target", "weight"};
        parallel edges add up, self-loops are ignored, unknown ends become nodes."""
        weights: dict[tuple[str, str], float] = defaultdict(float)
        names = dict.fromkeys(str(n) for n in nodes)
        for edge in edges:
            if isinstance(edge, Mapping):
                a, b = str(edge["source"]), str(edge["target"])
                w = float(edge.get("weight", 1.0))
            else:
                a, b = str(edge[0]), str(edge[1])
                w = float(edge[2]) if len(edge) > 2 else 1.0
            names.setdefault(a)
            names.setdefault(b)
            if a != b and w > 0:
                weights[(a, b) if a < b else (b, a)] += w
        return cls(
            tuple(names), tuple((a, b, w) for (a, b), w in sorted(weights.items()))
        )


class Centrality(BaseModel):
    degree: float
    pagerank: float
    betweenness: float


class Community(BaseModel):
    id: int
    members: list[str]


class GraphAnalytics(BaseModel):
    centrality: dict[str, Centrality]
    communities: list[Community]
    modularity: float
    engine: str  # "gds" | "in-process"


def concept_graph_analytics(
    nodes: Iterable[str], edges: Iterable[Sequence[Any] | Mapping[str, Any]]
) -> GraphAnalytics:
    """In-process analytics (no database needed); see the module docstring."""
    return analyse_in_process(ConceptGraph.build(nodes, edges))


def _adjacency(graph: ConceptGraph) -> dict[str, dict[str, float]]:
    adjacency: dict[str, dict[str, float]] = {n: {} for n in graph.nodes}
    for a, b, w in graph.edges:
        adjacency[a][b] = adjacency[a].get(b, 0.0) + w
        adjacency[b][a] = adjacency[b].get(a, 0.0) + w
    return adjacency


def _scaled(values: Mapping[str, float]) -> dict[str, float]:
    top = max(values.values(), default=0.0)
    return {k: (v / top if top > 0 else 0.0) for k, v in values.items()}


def _pagerank(adjacency: dict[str, dict[str, float]]) -> dict[str, float]:
    nodes = list(adjacency)
    n = len(nodes)
    if n == 0:
        return {}
    strength = {v: sum(adjacency[v].values()) for v in nodes}
    rank = dict.fromkeys(nodes, 1.0 / n)
    for _ in range(200):
        # Isolated nodes spread their rank evenly (the usual dangling rule).
        dangling = sum(rank[v] for v in nodes if strength[v] == 0)
        new = {
            v: (1 - DAMPING) / n
            + DAMPING
            * (
                dangling / n
                + sum(rank[u] * w / strength[u] for u, w in adjacency[v].items())
            )
            for v in nodes
        }
        delta = sum(abs(new[v] - rank[v]) for v in nodes)
        rank = new
        if delta < 1e-10:
            break
    total = sum(rank.values())
    return {v: r / total for v, r in rank.items()}


def _betweenness(adjacency: dict[str, dict[str, float]]) -> dict[str, float]:
    """Brandes' algorithm on the unweighted graph (hops, not weights)."""
    score = dict.fromkeys(adjacency, 0.0)
    for source in adjacency:
        stack: list[str] = []
        parents: dict[str, list[str]] = {v: [] for v in adjacency}
        paths = dict.fromkeys(adjacency, 0.0)
        paths[source] = 1.0
        distance = dict.fromkeys(adjacency, -1)
        distance[source] = 0
        queue = [source]
        for v in queue:
            stack.append(v)
            for w in sorted(adjacency[v]):
                if distance[w] < 0:
                    distance[w] = distance[v] + 1
                    queue.append(w)
                if distance[w] == distance[v] + 1:
                    paths[w] += paths[v]
                    parents[w].append(v)
        dependency = dict.fromkeys(adjacency, 0.0)
        while stack:
            w = stack.pop()
            for v in parents[w]:
                dependency[v] += paths[v] / paths[w] * (1 + dependency[w])
            if w != source:
                score[w] += dependency[w]
    return score


def _louvain(adjacency: dict[str, dict[str, float]]) -> tuple[list[list[str]], float]:
    """Louvain modularity optimisation, deterministic (nodes in sorted order)."""
    total = sum(sum(nbrs.values()) for nbrs in adjacency.values()) / 2
    members: dict[str, list[str]] = {v: [v] for v in adjacency}
    graph = {v: dict(nbrs) for v, nbrs in adjacency.items()}
    if total == 0:
        return [[v] for v in sorted(adjacency)], 0.0
    while True:
        community = {v: v for v in graph}
        strength = {v: sum(graph[v].values()) for v in graph}
        community_strength = dict(strength)
        moved_any = False
        improved = True
        while improved:
            improved = False
            for v in sorted(graph):
                current = community[v]
                links: dict[str, float] = defaultdict(float)
                for u, w in graph[v].items():
                    if u != v:
                        links[community[u]] += w
                community_strength[current] -= strength[v]
                best, best_gain = (
                    current,
                    links.get(current, 0.0)
                    - (community_strength[current] * strength[v] / (2 * total)),
                )
                for candidate in sorted(links):
                    gain = links[candidate] - (
                        community_strength[candidate] * strength[v] / (2 * total)
                    )
                    if gain > best_gain + 1e-12:
                        best, best_gain = candidate, gain
                community[v] = best
                community_strength[best] += strength[v]
                if best != current:
                    improved = moved_any = True
        if not moved_any:
            break
        # Aggregate: each community becomes one node of the next level.
        merged: dict[str, list[str]] = defaultdict(list)
        next_graph: dict[str, dict[str, float]] = defaultdict(
            lambda: defaultdict(float)
        )
        for v in graph:
            merged[community[v]].extend(members[v])
            for u, w in graph[v].items():
                next_graph[community[v]][community[u]] += w
        members = dict(merged)
        graph = {c: dict(nbrs) for c, nbrs in next_graph.items()}
        for c in members:
            graph.setdefault(c, {})
    groups = [sorted(m) for m in members.values()]
    return groups, _modularity(adjacency, groups, total)


def _modularity(
    adjacency: dict[str, dict[str, float]], groups: list[list[str]], total: float
) -> float:
    if total == 0:
        return 0.0
    strength = {v: sum(nbrs.values()) for v, nbrs in adjacency.items()}
    q = 0.0
    for group in groups:
        inside = set(group)
        internal = sum(w for v in group for u, w in adjacency[v].items() if u in inside)
        degree = sum(strength[v] for v in group)
        q += internal / (2 * total) - (degree / (2 * total)) ** 2
    return q


def ordered_communities(groups: Iterable[Iterable[str]]) -> list[Community]:
    """Largest first, ties by first member; ids are positions (stable output)."""
    ordered = sorted((sorted(g) for g in groups), key=lambda g: (-len(g), g))
    return [Community(id=i, members=g) for i, g in enumerate(ordered)]


def analyse_in_process(graph: ConceptGraph) -> GraphAnalytics:
    adjacency = _adjacency(graph)
    degree = _scaled({v: sum(nbrs.values()) for v, nbrs in adjacency.items()})
    pagerank = _pagerank(adjacency)
    betweenness = _scaled(_betweenness(adjacency))
    groups, modularity = _louvain(adjacency)
    return GraphAnalytics(
        centrality={
            v: Centrality(
                degree=round(degree[v], 6),
                pagerank=round(pagerank[v], 6),
                betweenness=round(betweenness[v], 6),
            )
            for v in graph.nodes
        },
        communities=ordered_communities(groups),
        modularity=round(modularity, 6),
        engine="in-process",
    )


def modularity_of(graph: ConceptGraph, groups: list[list[str]]) -> float:
    adjacency = _adjacency(graph)
    total = sum(w for _, _, w in graph.edges)
    return round(_modularity(adjacency, groups, total), 6)
