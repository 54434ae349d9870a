"""Statistics against values computed by hand (Wilson, chi-square, Cramér's V,
Fisher, t interval) and the shapes the results page reads."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sight.surveys.crosstabs import crosstab, independence
from sight.surveys.schemas import Question
from sight.surveys.statistics import describe, question_stats, wilson

Z = 1.959963984540054  # the 97.5 % normal quantile


def hand_wilson(k: int, n: int) -> tuple[float, float]:
    p = k / n
    denominator = 1 + Z**2 / n
    centre = (p + Z**2 / (2 * n)) / denominator
    half = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / denominator
    return centre - half, centre + half


@pytest.mark.parametrize(("k", "n"), [(3, 10), (0, 12), (12, 12), (47, 200)])
def test_wilson_interval_matches_the_formula(k: int, n: int) -> None:
    low, high = wilson(k, n)
    expected = hand_wilson(k, n)
    assert low == pytest.approx(expected[0], abs=1e-4)
    assert high == pytest.approx(expected[1], abs=1e-4)


def test_wilson_for_three_of_ten_is_the_textbook_value() -> None:
    assert wilson(3, 10) == (
        pytest.approx(0.1078, abs=1e-4),
        pytest.approx(0.6032, abs=1e-4),
    )


def _respondents(table: dict[tuple[str, str], int]) -> list[dict[str, object]]:
    people = []
    for (group, answer), count in table.items():
        people += [
            {
                "answers": {"q1": answer},
                "details": {},
                "demographics": {"gender": group},
            }
            for _ in range(count)
        ]
    return people


def test_chi_square_on_a_known_table() -> None:
    # female: A 20, B 30, C 50; male: A 30, B 30, C 40. Expected 25/30/45 per row:
    # chi2 = 2 * (25/25 + 0 + 25/45) = 3.1111, df = 2, p = exp(-chi2 / 2).
    question = Question(
        id="q1", type="single-choice", title="Pick", options=["A", "B", "C"]
    )
    people = _respondents(
        {
            ("female", "A"): 20,
            ("female", "B"): 30,
            ("female", "C"): 50,
            ("male", "A"): 30,
            ("male", "B"): 30,
            ("male", "C"): 40,
        }
    )
    table = crosstab(question, people, ["gender"])
    test = table["test"]
    assert test["chi2"] == pytest.approx(2 * (1 + 25 / 45), abs=1e-3)
    assert test["df"] == 2
    assert test["p"] == pytest.approx(math.exp(-(2 * (1 + 25 / 45)) / 2), abs=1e-4)
    assert test["cramers_v"] == pytest.approx(math.sqrt(3.1111 / 200), abs=1e-3)
    assert test["small_expected"] is False
    assert test["significant"] is False
    female = next(r for r in table["rows"] if r["group"] == "female")
    assert [c["count"] for c in female["cells"]] == [20, 30, 50]
    assert female["cells"][2]["share"] == 0.5


def test_small_2x2_table_is_flagged_and_uses_fisher_exact() -> None:
    # [[3, 0], [0, 3]]: one of C(6, 3) = 20 tables is as extreme each way: p = 0.1.
    result = independence(np.array([[3.0, 0.0], [0.0, 3.0]]))
    assert result["small_expected"] is True
    assert result["test"] == "fisher-exact"
    assert result["fisher_p"] == pytest.approx(0.1)
    assert result["p_used"] == pytest.approx(0.1)


def test_strong_association_is_significant_with_cell_markers() -> None:
    question = Question(id="q1", type="single-choice", title="Pick", options=["A", "B"])
    people = _respondents(
        {("female", "A"): 40, ("female", "B"): 10, ("male", "A"): 10, ("male", "B"): 40}
    )
    table = crosstab(question, people, ["gender"])
    assert table["test"]["significant"] is True
    assert table["test"]["p"] < 1e-6
    female = next(r for r in table["rows"] if r["group"] == "female")
    assert female["cells"][0]["marker"] == "higher"
    assert female["cells"][1]["marker"] == "lower"


def test_mean_interval_is_the_t_interval() -> None:
    values = [2.0, 4.0, 4.0, 5.0, 5.0, 6.0]
    mean = sum(values) / 6
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / 5)
    t_975_df5 = 2.570581835636314
    summary = describe(values, seed=1)
    assert summary["mean"] == pytest.approx(mean, abs=1e-4)
    assert summary["sd"] == pytest.approx(sd, abs=1e-4)
    assert summary["mean_ci_low"] == pytest.approx(
        mean - t_975_df5 * sd / math.sqrt(6), abs=1e-4
    )
    assert summary["mean_ci_high"] == pytest.approx(
        mean + t_975_df5 * sd / math.sqrt(6), abs=1e-4
    )
    assert summary["median"] == 4.5
    assert summary["mode"] in (4.0, 5.0)


def test_single_choice_shares_and_uniform_baseline() -> None:
    question = Question(
        id="q1", type="single-choice", title="Pick", options=["A", "B", "C", "D"]
    )
    people = _respondents({("female", "A"): 6, ("female", "B"): 3, ("male", "C"): 1})
    stats = question_stats(question, people)
    rows = {r["option"]: r for r in stats["options"]}
    assert stats["n"] == 10
    assert rows["A"]["share"] == 0.6
    assert rows["D"]["count"] == 0
    assert rows["A"]["baseline"] == 0.25
    assert (rows["B"]["ci_low"], rows["B"]["ci_high"]) == wilson(3, 10)


def test_ranking_mean_rank_and_top_k() -> None:
    question = Question(id="r", type="ranking", title="Rank", options=["x", "y", "z"])
    people = [
        {"answers": {"r": order}, "details": {}, "demographics": {}}
        for order in (
            ["x", "y", "z"],
            ["x", "z", "y"],
            ["y", "x", "z"],
            ["x", "y", "z"],
        )
    ]
    stats = question_stats(question, people)
    first = stats["options"][0]
    assert first["option"] == "x"
    assert first["mean_rank"] == 1.25  # ranks 1, 1, 2, 1
    assert first["top"]["1"]["share"] == 0.75
    assert first["top"]["1"]["baseline"] == pytest.approx(1 / 3, abs=1e-4)
    assert stats["baseline_mean_rank"] == 2.0
    assert first["rank_counts"] == [3, 1, 0]
