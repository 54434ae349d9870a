"""In-process concept-graph analytics."""

from __future__ import annotations

import pytest

from sight.knowledge.analytics import ConceptGraph, concept_graph_analytics


def test_two_clusters_and_their_bridge() -> None:
    result = concept_graph_analytics(
        ["a", "b", "c", "d", "e", "f", "lonely"],
        [
            ("a", "b"),
            ("b", "c"),
            ("a", "c"),
            ("d", "e"),
            ("e", "f"),
            ("d", "f"),
            ("c", "d"),
        ],
    )
    assert [c.members for c in result.communities] == [
        ["a", "b", "c"],
        ["d", "e", "f"],
        ["lonely"],
    ]
    assert result.engine == "in-process"
    assert result.modularity == pytest.approx(0.357143, abs=1e-6)
    assert result.centrality["c"].betweenness == 1.0
    assert result.centrality["a"].betweenness == 0.0
    assert sum(c.pagerank for c in result.centrality.values()) == pytest.approx(1.0)
    assert result.centrality["lonely"].degree == 0.0


def test_edges_merge_and_accept_mappings() -> None:
    graph = ConceptGraph.build(
        ["x"],
        [
            {"source": "x", "target": "y", "weight": 2},
            ("y", "x", 1.5),
            ("x", "x", 9),  # a self-loop carries no information
        ],
    )
    assert graph.nodes == ("x", "y")
    assert graph.edges == (("x", "y", 3.5),)


def test_empty_graph() -> None:
    result = concept_graph_analytics([], [])
    assert result.centrality == {}
    assert result.communities == []
