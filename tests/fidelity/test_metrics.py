"""The metric against hand-computed cases and the reference file's values."""

from __future__ import annotations

import json
from importlib import resources
from statistics import fmean

import numpy as np
import pytest

from sight.fidelity.benchmark import OVERALL, load_benchmark
from sight.fidelity.metrics import (
    expected_perfect,
    representativeness,
    scores_of_many,
    uniform_baseline,
)
from sight.fidelity.report import perfect_means


def test_identical_distributions_score_one() -> None:
    for p in ([0.2, 0.3, 0.5], [0.1, 0.2, 0.3, 0.2, 0.2], [0.5, 0.5]):
        assert representativeness(p, p) == pytest.approx(1.0)
        assert representativeness(p, p, "nominal") == pytest.approx(1.0)


def test_opposite_ends_of_a_five_point_scale_score_zero() -> None:
    assert representativeness([1, 0, 0, 0, 0], [0, 0, 0, 0, 1]) == pytest.approx(0.0)
    # Nominal: disjoint supports are as far apart as JS (base 2) allows.
    assert representativeness([1, 0, 0], [0, 0, 1], "nominal") == pytest.approx(0.0)


def test_worked_example_happy_overall_uniform_baseline() -> None:
    """README: HAPPY overall H = (0.3105, 0.5605, 0.129), uniform S = 1/3 each.
    By hand: F_H = (0.3105, 0.871), F_S = (0.3333, 0.6667);
    W1 = 0.02283 + 0.20433 = 0.22717; 1 - W1/2 = 0.88642 -> 0.8864,
    the file's `uniform_baseline`."""
    human = [0.3105, 0.5605, 0.129]
    by_hand = 1 - (abs(1 / 3 - 0.3105) + abs(2 / 3 - 0.871)) / 2
    assert by_hand == pytest.approx(0.88642, abs=1e-5)
    assert representativeness([1 / 3] * 3, human) == pytest.approx(by_hand)
    assert round(uniform_baseline(human, "ordinal"), 4) == 0.8864


def test_binary_is_one_minus_the_share_difference() -> None:
    assert representativeness([0.7, 0.3], [0.4, 0.6], "binary") == pytest.approx(0.7)


def test_half_a_step_on_a_three_point_scale() -> None:
    # All mass moved one position out of a maximum of two: 1 - 1/2.
    assert representativeness([0, 1, 0], [1, 0, 0]) == pytest.approx(0.5)


def test_vectorised_scores_equal_scipy() -> None:
    rng = np.random.default_rng(3)
    human = np.array([0.1, 0.4, 0.3, 0.2])
    samples = rng.dirichlet(np.ones(4), size=50)
    for scale in ("ordinal", "nominal"):
        fast = scores_of_many(samples, human, scale)
        slow = [representativeness(s, human, scale) for s in samples]
        assert fast == pytest.approx(slow, abs=1e-9)


def test_baselines_match_every_value_stored_in_the_reference_file() -> None:
    raw = json.loads(
        (resources.files("sight.fidelity") / "data" / "gss2018_us.json").read_text()
    )
    checked = 0
    for q in raw["questions"]:
        overall = q["groups"][OVERALL]["p"]
        for group, cell in q["groups"].items():
            assert round(uniform_baseline(cell["p"], q["scale"]), 4) == pytest.approx(
                cell["uniform_baseline"], abs=1.01e-4
            ), (q["id"], group)
            if "overall_as_prediction" in cell:
                got = representativeness(overall, cell["p"], q["scale"])
                assert got == pytest.approx(
                    cell["overall_as_prediction"], abs=1.01e-4
                ), (q["id"], group)
            checked += 1
    assert checked == 57 * 19
    # And the per-group means of the file's summary.
    bench = load_benchmark("gss2018_us")
    for group, stored in bench.summary.items():
        mean = fmean(
            uniform_baseline(q.groups[group].p, q.scale)
            for q in bench.questions
            if group in q.groups
        )
        assert mean == pytest.approx(stored["mean_uniform_baseline"], abs=2e-4)


def test_sampling_ceiling_matches_the_readme_noise_table() -> None:
    bench = load_benchmark("gss2018_us")
    computed = perfect_means(bench, [20, 200], simulations=400, seed=1)
    assert computed[20] == pytest.approx(bench.perfect_table["20"], abs=0.003)
    assert computed[200] == pytest.approx(bench.perfect_table["200"], abs=0.002)
    # More respondents, less noise.
    happy = bench.question("gss2018_happy").groups[OVERALL].p
    assert expected_perfect(happy, 20, "ordinal") < expected_perfect(
        happy, 500, "ordinal"
    )


def test_the_benchmark_ships_with_its_citation() -> None:
    bench = load_benchmark("gss2018_us")
    assert len(bench.questions) == 57
    assert len([g for g in bench.groups if g.id != OVERALL]) == 18
    assert bench.citation is not None
    assert bench.citation.startswith("Smith, Tom W., Davern, Michael")
    assert "NORC" in bench.citation
