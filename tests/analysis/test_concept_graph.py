from __future__ import annotations

import dataclasses
import uuid

from sight.analysis import concept_graph
from sight.analysis.annotate import Annotation
from sight.analysis.inputs import GroupRecord
from sight.analysis.sentiment import Label
from sight.analysis.themes import emergent_concepts, themes_of
from sight.knowledge.analytics import ConceptGraph, analyse_in_process
from tests.analysis.sample import english_group, polish_group


def _notes(group: GroupRecord, labels: dict[int, Label]) -> dict[uuid.UUID, Annotation]:
    notes = {}
    for i, answer in enumerate(group.answers):
        themes = tuple(themes_of(answer.text))
        label: Label = labels.get(i, "neutral")
        score = {"positive": 0.8, "negative": -0.8}.get(label, 0.0)
        notes[answer.id] = Annotation(
            answer.id, label, score, 0.9, themes, themes, "test"
        )
    return notes


def test_co_occurrence_contest_and_influence() -> None:
    group = english_group()
    # Price praised twice and criticised twice: contested.
    price = [i for i, a in enumerate(group.answers) if "price" in themes_of(a.text)]
    labels: dict[int, Label] = {
        i: "positive" if n % 2 else "negative" for n, i in enumerate(price)
    }
    notes = _notes(group, labels)
    data = concept_graph.build(group, notes)
    pairs = {(a, b): w for a, b, w in data.edges}
    both = sum(
        1 for a in group.answers if {"availability", "price"} <= set(themes_of(a.text))
    )
    assert pairs[("availability", "price")] == both
    graph = concept_graph.assemble(
        group,
        data,
        analyse_in_process(concept_graph_input(data)),
        method="test",
        store="postgres",
    )
    node = next(n for n in graph.nodes if n.concept == "price")
    assert node.mentions == len(price)
    assert node.positive + node.negative == len(price)
    assert node.contested >= 0.5
    assert "price" in graph.contested_concepts
    assert graph.influential_personas[0].influence == 1.0
    assert all(0 <= p.influence <= 1 for p in graph.influential_personas)


def test_replies_drawn_raise_influence() -> None:
    group = english_group()
    quiet = group.answers[-1]  # Tom: one concept per answer
    replies = [
        dataclasses.replace(a, reply_to_id=quiet.id)
        for a in group.answers
        if a.persona_id != quiet.persona_id
    ]
    others = [a for a in group.answers if a.persona_id == quiet.persona_id]
    busy = dataclasses.replace(group, answers=others + replies)
    before = _rank(group, quiet.persona_id)
    after = _rank(busy, quiet.persona_id)
    assert after < before
    assert after == 0


def _rank(group: GroupRecord, persona_id: uuid.UUID) -> int:
    notes = _notes(group, {})
    data = concept_graph.build(group, notes)
    graph = concept_graph.assemble(
        group,
        data,
        analyse_in_process(concept_graph_input(data)),
        method="t",
        store="p",
    )
    ids = [p.persona_id for p in graph.influential_personas]
    return ids.index(persona_id) if persona_id in ids else len(ids)


def concept_graph_input(data: concept_graph.GraphData) -> ConceptGraph:
    return ConceptGraph.build(data.nodes, data.edges)


def test_emergent_concepts_are_shared_content_words() -> None:
    texts = [a.text for a in polish_group().answers] + [
        "Mój ekspres robi świetną kawę.",
        "Ekspresu używam codziennie.",
        "Bez ekspresu ani rusz.",
    ]
    concepts = emergent_concepts(texts)
    assert concepts.get("ekspre") == "ekspresu"
    assert "jestem" not in concepts.values()
