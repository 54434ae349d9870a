"""The measures of a fidelity run, from synthetic answer counts.

Per question and group: the score, its uniform baseline, the
demographics-only baseline (the human overall distribution predicted for the
group) and the expected score of a perfect simulator with as many respondents
as were asked (sampling noise alone). Then per group, per topic, the worst
ones, and whether the human group differences are reproduced.

Pure computation (numpy/SciPy): called in a worker thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from statistics import fmean
from typing import Any

import numpy as np

from sight.fidelity.benchmark import (
    OVERALL,
    Benchmark,
    BenchQuestion,
    human_shares,
    scored_options,
)
from sight.fidelity.metrics import (
    ORDERED,
    expected_perfect,
    mean_position,
    pearson,
    representativeness,
    shares,
    uniform_baseline,
)

# A human group difference smaller than this share of the scale is not read
# as a direction (the README: differences below ~0.01-0.02 are noise).
CLEAR_DIFFERENCE = 0.03
SIMULATIONS = 200
WORST = 3

Counts = Mapping[str, Mapping[str, list[int]]]  # group -> question -> counts


def _r(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


def _mean(values: list[float]) -> float | None:
    return fmean(values) if values else None


def synthetic_shares(
    bench: Benchmark,
    counts: Counts,
    mixture: Mapping[str, float] | None,
) -> dict[str, dict[str, tuple[list[float], int]]]:
    """Shares and respondent count per group and question; the overall cell is
    the census-weighted mixture of a partition's groups when `mixture` is set."""
    out: dict[str, dict[str, tuple[list[float], int]]] = {}
    for group, by_question in counts.items():
        out[group] = {
            qid: (shares(c), int(sum(c))) for qid, c in by_question.items() if sum(c)
        }
    if mixture:
        overall: dict[str, tuple[list[float], int]] = {}
        for q in bench.questions:
            parts = [
                (weight, out.get(g, {}).get(q.id)) for g, weight in mixture.items()
            ]
            if any(part is None for _, part in parts):
                continue
            total_weight = sum(w for w, _ in parts)
            k = len(next(p for _, p in parts if p is not None)[0])
            mixed = [
                sum(w * p[0][i] for w, p in parts if p is not None) / total_weight
                for i in range(k)
            ]
            overall[q.id] = (mixed, sum(p[1] for _, p in parts if p is not None))
        out[OVERALL] = overall
    return out


def _cell(
    q: BenchQuestion,
    group: str,
    synthetic: tuple[list[float], int],
    kept: list[int],
    rng: np.random.Generator,
) -> dict[str, Any] | None:
    cell = q.groups.get(group)
    if cell is None:
        return None
    human = human_shares(cell, kept)
    s, m = synthetic
    out: dict[str, Any] = {
        "score": _r(representativeness(s, human, q.scale)),
        "uniform_baseline": _r(uniform_baseline(human, q.scale)),
        "perfect_at_n": _r(
            expected_perfect(human, m, q.scale, simulations=SIMULATIONS, rng=rng)
        ),
        "n_synthetic": m,
        "n_human": cell.n,
        "synthetic": [round(x, 4) for x in s],
        "human": [round(x, 4) for x in human],
    }
    overall = q.groups.get(OVERALL)
    if group != OVERALL and overall is not None:
        out["overall_as_prediction"] = _r(
            representativeness(human_shares(overall, kept), human, q.scale)
        )
    return out


def compute_report(
    bench: Benchmark,
    counts: Counts,
    *,
    volunteered: str,
    mixture: Mapping[str, float] | None,
    dropped: Mapping[str, int],
    asked: int,
    seed: int = 0,
) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    synthetic = synthetic_shares(bench, counts, mixture)
    group_ids = [g.id for g in bench.groups]
    questions: list[dict[str, Any]] = []
    for q in bench.questions:
        kept = scored_options(q, volunteered)
        cells: dict[str, Any] = {}
        for group in group_ids:
            found = synthetic.get(group, {}).get(q.id)
            if found is None:
                continue
            cell = _cell(q, group, found, kept, rng)
            if cell is not None:
                cells[group] = cell
        questions.append(
            {
                "id": q.id,
                "short": q.short,
                "topic": q.topic,
                "text": q.text,
                "options": [q.options[i] for i in kept],
                "omitted_options": [q.options[i] for i in range(q.k) if i not in kept],
                "scale": q.scale,
                "kind": "ordered" if q.scale in ORDERED else "nominal",
                "dropped": int(dropped.get(q.id, 0)),
                "groups": cells,
                **_means(list(cells.values()), exclude_overall=False),
            }
        )
    groups = [_group_summary(g, questions) for g in group_ids]
    groups = [g for g in groups if g["questions"]]
    topics = _topics(questions)
    differences = _differences(bench, questions)
    for g in groups:
        g["differences"] = differences["by_group"].get(g["id"])
    subgroups = [g for g in groups if g["id"] != OVERALL]
    ranked = sorted(
        subgroups, key=lambda g: g["score"] if g["score"] is not None else 1
    )
    summary = _summary(subgroups, groups, bench, asked, dropped, questions)
    return {
        "summary": summary,
        "groups": groups,
        "topics": topics,
        "questions": questions,
        "worst": {
            "groups": [g["id"] for g in ranked[:WORST]],
            "topics": [
                t["topic"] for t in sorted(topics, key=lambda t: t["score"])[:WORST]
            ],
            "questions": [
                q["id"]
                for q in sorted(
                    (q for q in questions if q["score"] is not None),
                    key=lambda q: q["score"] - (q["uniform_baseline"] or 0),
                )[:WORST]
            ],
        },
        "differences": {k: v for k, v in differences.items() if k != "by_group"},
    }


def _means(cells: list[dict[str, Any]], *, exclude_overall: bool) -> dict[str, Any]:
    del exclude_overall
    preds = [c["overall_as_prediction"] for c in cells if "overall_as_prediction" in c]
    return {
        "score": _r(_mean([c["score"] for c in cells])),
        "uniform_baseline": _r(_mean([c["uniform_baseline"] for c in cells])),
        "overall_as_prediction": _r(_mean(preds)),
        "perfect_at_n": _r(_mean([c["perfect_at_n"] for c in cells])),
    }


def _group_summary(group: str, questions: list[dict[str, Any]]) -> dict[str, Any]:
    cells = [(q, q["groups"][group]) for q in questions if group in q["groups"]]
    ordered = [c for q, c in cells if q["kind"] == "ordered"]
    nominal = [c for q, c in cells if q["kind"] == "nominal"]
    main = ordered or nominal
    out: dict[str, Any] = {
        "id": group,
        "questions": len(cells),
        "kind": "ordered" if ordered else "nominal",
        "n_synthetic": max((c["n_synthetic"] for _, c in cells), default=0),
        **_means(main, exclude_overall=True),
        "beats_uniform": sum(1 for c in main if c["score"] > c["uniform_baseline"]),
        "beats_demographics_only": sum(
            1
            for c in main
            if c.get("overall_as_prediction") is not None
            and c["score"] > c["overall_as_prediction"]
        ),
    }
    if ordered and nominal:
        # Never averaged together: the nominal mean is reported on its own.
        out["nominal"] = _means(nominal, exclude_overall=True)
    return out


def _topics(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_topic: dict[str, list[dict[str, Any]]] = {}
    for q in questions:
        if q["kind"] != "ordered" or q["score"] is None:
            continue
        by_topic.setdefault(q["topic"], []).extend(
            c for g, c in q["groups"].items() if g != OVERALL
        )
    return [
        {
            "topic": topic,
            "questions": sum(1 for q in questions if q["topic"] == topic),
            **_means(cells, exclude_overall=True),
        }
        for topic, cells in by_topic.items()
        if cells
    ]


def _differences(bench: Benchmark, questions: list[dict[str, Any]]) -> dict[str, Any]:
    """Does the synthetic panel reproduce how each group differs from everyone?

    Per ordered question and group: the human shift dH = mean position of the
    group minus that of the overall sample (share of the scale), and the
    synthetic shift dS the same way. A direction counts where |dH| >= 3 % of
    the scale; size is mean |dS| / mean |dH| over those (1 = as large as in
    the humans, 0 = groups answer alike) and the correlation of dS with dH.
    """
    by_group: dict[str, dict[str, Any]] = {}
    pooled_h: list[float] = []
    pooled_s: list[float] = []
    for group in (g.id for g in bench.groups if g.id != OVERALL):
        dh: list[float] = []
        ds: list[float] = []
        for q in questions:
            if q["kind"] != "ordered":
                continue
            cell, overall = q["groups"].get(group), q["groups"].get(OVERALL)
            if cell is None or overall is None:
                continue
            dh.append(mean_position(cell["human"]) - mean_position(overall["human"]))
            ds.append(
                mean_position(cell["synthetic"]) - mean_position(overall["synthetic"])
            )
        if not dh:
            continue
        clear = [
            (h, s) for h, s in zip(dh, ds, strict=True) if abs(h) >= CLEAR_DIFFERENCE
        ]
        matched = sum(1 for h, s in clear if s * h > 0)
        size = (
            fmean(abs(s) for _, s in clear) / fmean(abs(h) for h, _ in clear)
            if clear
            else None
        )
        by_group[group] = {
            "clear_differences": len(clear),
            "direction_matched": matched,
            "direction_share": _r(matched / len(clear)) if clear else None,
            "size_ratio": _r(size),
            "correlation": _r(pearson(dh, ds)),
        }
        pooled_h += [h for h, _ in clear]
        pooled_s += [s for _, s in clear]
    matched_all = sum(1 for h, s in zip(pooled_h, pooled_s, strict=True) if s * h > 0)
    return {
        "by_group": by_group,
        "clear_threshold": CLEAR_DIFFERENCE,
        "clear_differences": len(pooled_h),
        "direction_matched": matched_all,
        "direction_share": _r(matched_all / len(pooled_h)) if pooled_h else None,
        "size_ratio": _r(
            fmean(abs(s) for s in pooled_s) / fmean(abs(h) for h in pooled_h)
            if pooled_h
            else None
        ),
        "correlation": _r(pearson(pooled_h, pooled_s)),
        "chance_direction_share": 0.5,
    }


def _summary(
    subgroups: list[dict[str, Any]],
    groups: list[dict[str, Any]],
    bench: Benchmark,
    asked: int,
    dropped: Mapping[str, int],
    questions: list[dict[str, Any]],
) -> dict[str, Any]:
    pool = subgroups or groups

    def mean_of(key: str) -> float | None:
        return _r(_mean([g[key] for g in pool if g.get(key) is not None]))

    score = mean_of("score")
    uniform = mean_of("uniform_baseline")
    demo = mean_of("overall_as_prediction")
    perfect = mean_of("perfect_at_n")
    if score is None:
        verdict = "no_data"
    elif uniform is not None and score <= uniform:
        verdict = "at_or_below_uniform"
    elif demo is not None and score <= demo:
        verdict = "between_uniform_and_demographics_only"
    else:
        verdict = "above_demographics_only"
    overall = next((g for g in groups if g["id"] == OVERALL), None)
    answers = asked * len(questions)
    total_dropped = int(sum(dropped.values()))
    return {
        "score": score,
        "uniform_baseline": uniform,
        "overall_as_prediction": demo,
        "perfect_at_n": perfect,
        "overall_score": overall["score"] if overall else None,
        "overall_uniform_baseline": overall["uniform_baseline"] if overall else None,
        "verdict": verdict,
        "groups": len(subgroups),
        "questions": len(questions),
        "respondents": asked,
        "dropped_answers": total_dropped,
        "drop_rate": _r(total_dropped / answers) if answers else None,
        "reference_perfect_table": bench.perfect_table or None,
    }


def perfect_means(
    bench: Benchmark, sizes: list[int], *, simulations: int = 400, seed: int = 0
) -> dict[int, float]:
    """Expected score of a perfect simulator on the overall cells, averaged over
    the questions (the README's sampling-noise table, recomputed)."""
    rng = np.random.default_rng(seed)
    out: dict[int, float] = {}
    for m in sizes:
        values = [
            expected_perfect(
                q.groups[OVERALL].p, m, q.scale, simulations=simulations, rng=rng
            )
            for q in bench.questions
            if OVERALL in q.groups
        ]
        out[m] = round(fmean(values), 4)
    return out
