"""Focus-group analysis without a model: local sentiment + themes per answer,
the aggregates, the concept graph and the offline summary, on groups of
realistic size (no database; the local multilingual embedding model).

    uv run python -m bench.analysis --sizes 20x4 100x20
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid

import numpy as np

from sight.analysis import aggregate, concept_graph
from sight.analysis.annotate import Annotation
from sight.analysis.inputs import AnswerRecord, GroupRecord
from sight.analysis.offline import compose_summary
from sight.analysis.sentiment import anchor_texts, classify
from sight.analysis.summary import build_facts
from sight.analysis.themes import THEMES, concepts_of, emergent_concepts, themes_of
from sight.knowledge.analytics import ConceptGraph, analyse_in_process
from sight.llm.embeddings.local import LocalEmbeddings
from sight.llm.providers.offline import OfflineInput

OPENERS = [
    "Honestly, the price is what matters to me.",
    "I love how convenient delivery would be for my family.",
    "It's too expensive for what it is and I don't trust subscriptions.",
    "I usually shop at the local store, so I'm not sure.",
    "Szczerze mówiąc, cena jest za wysoka, nie zapłaciłbym tyle.",
    "Dostawa do domu to dla mnie ogromna wygoda, super sprawa.",
    "Zwykle robię zakupy w sklepie obok i nie widzę sensu.",
    "Jakość wygląda solidnie, ale boję się ukrytych kosztów.",
]


def make_group(personas: int, questions: int, seed: int = 1) -> GroupRecord:
    rng = random.Random(seed)
    answers = []
    for p in range(personas):
        pid = uuid.uuid4()
        demographics = {
            "age_group": rng.choice(["age_25_34", "age_45_54", "age_65_plus"]),
            "gender": rng.choice(["male", "female"]),
            "urban_rural": rng.choice(["urban", "rural"]),
            "education": "secondary",
            "income_band": rng.choice(["low", "middle", "high"]),
        }
        for q in range(questions):
            text = " ".join(rng.sample(OPENERS, 3))
            answers.append(
                AnswerRecord(uuid.uuid4(), pid, f"Person {p}", "seg", demographics,
                             q, f"Question {q}", text)
            )  # fmt: skip
    return GroupRecord(uuid.uuid4(), uuid.uuid4(), "Bench", "en", "PL",
                       [f"Question {q}" for q in range(questions)], answers)  # fmt: skip


async def run(personas: int, questions: int) -> dict[str, float]:
    group = make_group(personas, questions)
    model = LocalEmbeddings()
    await model.warm_up()
    texts = [a.text for a in group.answers]
    started = time.perf_counter()
    anchor, labels = anchor_texts()
    anchors = np.asarray(await model.embed(anchor))
    vectors = np.asarray(await model.embed(texts))
    embedded = time.perf_counter()
    sentiments = classify(texts, vectors, anchors, labels)
    emergent = emergent_concepts(texts)
    notes = {}
    for answer, s in zip(group.answers, sentiments, strict=True):
        themes = tuple(THEMES[k].en for k in themes_of(answer.text))
        concepts = themes + tuple(concepts_of(answer.text, emergent))
        notes[answer.id] = Annotation(
            answer.id, s.label, s.score, s.confidence, themes, concepts, "local"
        )
    scored = time.perf_counter()
    aggregate.per_segment(group, notes)
    aggregate.theme_counts(group, notes)
    data = concept_graph.build(group, notes)
    concept_graph.assemble(
        group, data, analyse_in_process(ConceptGraph.build(data.nodes, data.edges)),
        method="local", store="postgres",
    )  # fmt: skip
    reported = time.perf_counter()
    facts = build_facts(group, notes, include_recommendations=True)
    compose_summary(
        OfflineInput("analysis.summary", "", "", None, random.Random(0), facts)
    )
    summarised = time.perf_counter()
    return {
        "answers": len(texts),
        "embed_s": embedded - started,
        "score_s": scored - embedded,
        "reports_s": reported - scored,
        "summary_s": summarised - reported,
        "total_s": summarised - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", nargs="+", default=["20x4", "100x20"])
    args = parser.parse_args()
    print(
        "| personas x questions | answers | embed (s) | sentiment + themes (s) "
        "| aggregates + graph (s) | offline summary (s) | total (s) | answers/s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        p, q = (int(x) for x in size.split("x"))
        r = asyncio.run(run(p, q))
        print(
            f"| {p} x {q} | {r['answers']:.0f} | {r['embed_s']:.2f} "
            f"| {r['score_s']:.2f} | {r['reports_s']:.2f} | {r['summary_s']:.2f} "
            f"| {r['total_s']:.2f} | {r['answers'] / r['total_s']:.0f} |"
        )


if __name__ == "__main__":
    main()
