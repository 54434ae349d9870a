"""A focus group's concept graph: who mentioned what, and what goes together.

Nodes are concepts (themes and emergent concepts of the annotations); an edge
joins two concepts mentioned in the same answer, weighted by how many answers
did. Centrality (PageRank, betweenness, weighted degree) and communities come
from the configured knowledge store: GDS when Neo4j has it, in process
otherwise (`knowledge.runtime.analyse_concept_graph`). On top of that:

- persona → concept mentions, with the persona's mean sentiment on it;
- **influence** of a persona: how central the concepts it raises are (its
  mentions weighted by PageRank) plus the replies its answers drew in a
  discussion, scaled so the most influential persona scores 1;
- **contested** concepts: mentioned both for and against; 1 when supporters
  and critics are equally many, 0 when everyone agrees.
"""

from __future__ import annotations

import math
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import combinations
from typing import Any

from sight.analysis.annotate import Annotation
from sight.analysis.inputs import AnswerRecord, GroupRecord
from sight.analysis.schemas import (
    ConceptEdge,
    ConceptGraphRead,
    ConceptNode,
    PersonaInfluence,
    PersonaMention,
)
from sight.knowledge.analytics import GraphAnalytics

MAX_CONCEPTS = 40
# Strongest co-occurrences kept per concept on average: in a group where most
# answers touch price and delivery everything co-occurs with everything, and
# a complete graph says nothing (neither to centrality nor to a reader).
EDGES_PER_CONCEPT = 3
REPLY_WEIGHT = 1.0  # one reply drawn counts like one mention of an average concept


@dataclass
class _ConceptStats:
    mentions: int = 0
    personas: set[uuid.UUID] = field(default_factory=set)
    labels: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class GraphData:
    nodes: list[str]
    edges: list[tuple[str, str, float]]
    stats: dict[str, dict[str, Any]]
    mentions: list[PersonaMention]
    personas: dict[uuid.UUID, AnswerRecord]
    replies: Counter[uuid.UUID]


# Fewer opinions than this say nothing about a split.
MIN_OPINIONS = 4


def contested_score(positive: int, negative: int) -> float:
    if positive + negative < MIN_OPINIONS:
        return 0.0
    return round(2 * min(positive, negative) / (positive + negative), 4)


def build(group: GroupRecord, annotations: dict[Any, Annotation]) -> GraphData:
    """Counts only (CPU, no I/O): run in a worker thread for large groups."""
    stats: dict[str, _ConceptStats] = defaultdict(_ConceptStats)
    mention_scores: dict[tuple[uuid.UUID, str], list[float]] = defaultdict(list)
    for answer in group.answers:
        note = annotations.get(answer.id)
        if note is None:
            continue
        for concept in dict.fromkeys(note.concepts):
            entry = stats[concept]
            entry.mentions += 1
            entry.personas.add(answer.persona_id)
            entry.labels[note.sentiment] += 1
            mention_scores[(answer.persona_id, concept)].append(note.score)
    kept = sorted(stats, key=lambda c: (-stats[c].mentions, c))[:MAX_CONCEPTS]
    keep = set(kept)
    weights: Counter[tuple[str, str]] = Counter()
    for answer in group.answers:
        note = annotations.get(answer.id)
        if note is None:
            continue
        present = sorted({c for c in note.concepts if c in keep})
        for a, b in combinations(present, 2):
            weights[(a, b)] += 1
    personas = {a.persona_id: a for a in group.answers}
    by_response = {a.id: a for a in group.answers}
    replies: Counter[uuid.UUID] = Counter()
    for answer in group.answers:
        target = by_response.get(answer.reply_to_id) if answer.reply_to_id else None
        if target is not None and target.persona_id != answer.persona_id:
            replies[target.persona_id] += 1
    mentions = [
        PersonaMention(
            persona_id=persona_id,
            persona_name=personas[persona_id].persona_name,
            segment=personas[persona_id].segment,
            concept=concept,
            mentions=len(scores),
            mean_score=round(sum(scores) / len(scores), 4),
        )
        for (persona_id, concept), scores in sorted(
            mention_scores.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])
        )
        if concept in keep
    ]
    strongest = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))
    strongest = strongest[: EDGES_PER_CONCEPT * len(kept)]
    return GraphData(
        nodes=kept,
        edges=[(a, b, float(w)) for (a, b), w in sorted(strongest)],
        stats={
            c: {
                "mentions": stats[c].mentions,
                "personas": len(stats[c].personas),
                "positive": stats[c].labels["positive"],
                "neutral": stats[c].labels["neutral"],
                "negative": stats[c].labels["negative"],
            }
            for c in kept
        },
        mentions=mentions,
        personas=personas,
        replies=replies,
    )


def assemble(
    group: GroupRecord,
    data: GraphData,
    analytics: GraphAnalytics,
    *,
    method: str,
    store: str,
) -> ConceptGraphRead:
    community = {member: c.id for c in analytics.communities for member in c.members}
    nodes: list[ConceptNode] = []
    for concept in data.nodes:
        s = data.stats[concept]
        centrality = analytics.centrality.get(concept)
        nodes.append(
            ConceptNode(
                concept=concept,
                mentions=s["mentions"],
                personas=s["personas"],
                positive=s["positive"],
                neutral=s["neutral"],
                negative=s["negative"],
                contested=contested_score(s["positive"], s["negative"]),
                pagerank=centrality.pagerank if centrality else 0.0,
                betweenness=centrality.betweenness if centrality else 0.0,
                degree=centrality.degree if centrality else 0.0,
                community=community.get(concept, -1),
            )
        )
    pagerank = {n.concept: n.pagerank for n in nodes}
    raw: dict[uuid.UUID, float] = defaultdict(float)
    concepts: dict[uuid.UUID, int] = defaultdict(int)
    for mention in data.mentions:
        raw[mention.persona_id] += mention.mentions * pagerank.get(mention.concept, 0)
        concepts[mention.persona_id] += 1
    # PageRank sums to 1 over concepts; scaled by the number of concepts a
    # mention weighs about 1 for an average concept, comparable with replies.
    scale = max(1, len(nodes))
    for persona_id in data.personas:
        raw[persona_id] = raw[persona_id] * scale + REPLY_WEIGHT * data.replies.get(
            persona_id, 0
        )
    top = max(raw.values(), default=0.0) or 1.0
    influential = sorted(
        (
            PersonaInfluence(
                persona_id=persona_id,
                persona_name=answer.persona_name,
                segment=answer.segment,
                influence=round(raw[persona_id] / top, 4),
                concepts=concepts.get(persona_id, 0),
                replies_received=data.replies.get(persona_id, 0),
            )
            for persona_id, answer in data.personas.items()
        ),
        key=lambda p: (-p.influence, p.persona_name),
    )[:10]
    contested = sorted(
        (n for n in nodes if n.contested >= 0.5),
        key=lambda n: (-n.contested * math.log1p(n.mentions), n.concept),
    )
    return ConceptGraphRead(
        focus_group_id=group.id,
        method=method,
        engine=analytics.engine,
        store=store,
        nodes=nodes,
        edges=[ConceptEdge(source=a, target=b, weight=w) for a, b, w in data.edges],
        mentions=data.mentions,
        influential_personas=influential,
        contested_concepts=[n.concept for n in contested[:8]],
        modularity=analytics.modularity,
        computed_at=datetime.now(UTC),
    )
