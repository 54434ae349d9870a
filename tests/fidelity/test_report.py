"""The run's measures from answer counts: a panel that answers exactly like
the humans scores near 1 and reproduces every group difference; one that
answers uniformly scores its uniform baseline and reproduces none."""

from __future__ import annotations

import pytest

from sight.fidelity.benchmark import (
    OVERALL,
    Benchmark,
    human_shares,
    load_benchmark,
)
from sight.fidelity.report import compute_report
from sight.fidelity.sample import draw_sample, overall_mixture, sampled_groups

M = 10_000


def _bench() -> Benchmark:
    return load_benchmark("gss2018_us").select(
        ["HAPPY", "POLVIEWS", "GRASS", "CAPPUN"],
        ["overall", "sex:male", "sex:female", "age:18-29", "age:65+"],
    )


def test_a_panel_answering_like_the_humans() -> None:
    bench = _bench()
    counts = {
        g.id: {
            q.id: [round(x * M) for x in human_shares(q.groups[g.id], list(range(q.k)))]
            for q in bench.questions
        }
        for g in sampled_groups(bench)
    }
    report = compute_report(
        bench,
        counts,
        volunteered="omit",
        mixture=overall_mixture(bench),
        dropped={},
        asked=M * 4,
    )
    summary = report["summary"]
    assert summary["score"] == pytest.approx(1.0, abs=1e-3)
    assert summary["verdict"] == "above_demographics_only"
    assert (
        summary["score"]
        > summary["overall_as_prediction"]
        > summary["uniform_baseline"]
    )
    # The overall cell is the census-weighted mixture of men and women.
    overall = next(g for g in report["groups"] if g["id"] == OVERALL)
    assert overall["score"] == pytest.approx(1.0, abs=5e-3)
    diff = report["differences"]
    assert diff["clear_differences"] > 0
    assert diff["direction_share"] == 1.0
    assert diff["size_ratio"] == pytest.approx(1.0, abs=0.1)


def test_a_uniform_panel_scores_its_uniform_baseline() -> None:
    bench = _bench()
    counts = {
        g.id: {q.id: [100] * q.k for q in bench.questions}
        for g in sampled_groups(bench)
    }
    report = compute_report(
        bench,
        counts,
        volunteered="omit",
        mixture=overall_mixture(bench),
        dropped={"gss2018_happy": 3},
        asked=400,
    )
    summary = report["summary"]
    assert summary["score"] == pytest.approx(summary["uniform_baseline"], abs=1e-4)
    assert summary["verdict"] == "at_or_below_uniform"
    assert report["differences"]["direction_matched"] == 0
    assert summary["dropped_answers"] == 3
    assert len(report["worst"]["groups"]) == 3
    q = next(q for q in report["questions"] if q["short"] == "POLVIEWS")
    assert len(q["groups"]["age:18-29"]["synthetic"]) == 7


def test_volunteered_options_are_left_out_and_renormalised() -> None:
    bench = load_benchmark("gss2018_us").select(["TRUST"], ["sex:male", "sex:female"])
    trust = bench.questions[0]
    assert trust.volunteered == [1]
    counts = {g: {trust.id: [50, 50]} for g in ("sex:male", "sex:female")}
    report = compute_report(
        bench,
        counts,
        volunteered="omit",
        mixture=overall_mixture(bench),
        dropped={},
        asked=100,
    )
    q = report["questions"][0]
    assert q["omitted_options"] == [trust.options[1]]
    human = q["groups"]["sex:male"]["human"]
    assert len(human) == 2
    assert sum(human) == pytest.approx(1.0, abs=1e-3)


def test_the_sample_matches_each_group() -> None:
    bench = load_benchmark("gss2018_us")
    people = draw_sample(bench, 30, seed=5)
    assert len(people) == 18 * 30  # overall comes from men + women
    by = {r.group: [] for r in people}  # type: ignore[var-annotated]
    for r in people:
        by[r.group].append(r.persona)
    assert all(18 <= p["age"] <= 29 for p in by["age:18-29"])
    assert all(p["age"] >= 65 for p in by["age:65+"])
    assert {p["cell"]["education"] for p in by["education:high_school"]} <= {
        "high_school",
        "some_college",
    }
    assert all(p["cell"]["race"] == "black" for p in by["race:black"])
    assert all(p["gender"] == "female" for p in by["sex:female"])
    assert all(p["cell"]["location"] == "west" for p in by["region:west"])
    # The same seed asks the same people.
    again = draw_sample(bench, 30, seed=5)
    assert [r.persona for r in again] == [r.persona for r in people]
