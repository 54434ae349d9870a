"""Crosstabs of one question by a demographic field (or a pair of fields), with
a chi-square test of independence (SciPy): statistic, degrees of freedom, p,
Cramér's V, and, where expected counts are too small for the chi-square
approximation, Fisher's exact test (2 x 2) or a permutation p-value (larger).

Cells carry adjusted standardised residuals: |r| > 1.96 marks a cell that
differs from independence at the 5 % level (the significance markers of the
crosstab explorer).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import stats  # type: ignore[import-untyped]
from scipy.stats.contingency import association  # type: ignore[import-untyped]

from sight.kit.errors import SightError
from sight.surveys.schemas import Question
from sight.surveys.statistics import Respondent, answered

DEMOGRAPHIC_FIELDS = (
    "age_group",
    "gender",
    "location",
    "urban_rural",
    "education",
    "income_band",
    "segment",
)
ALPHA = 0.05
MIN_EXPECTED = 5.0


class CrosstabInvalid(SightError):
    status_code = 422


def independence(
    table: np.ndarray, seed: int = 0, *, exact: bool = True
) -> dict[str, Any]:
    """Chi-square test of independence on an r x c table of counts."""
    table = np.asarray(table, dtype=np.int64)  # counts (SciPy needs integers)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        return {
            "testable": False,
            "reason": "needs at least two groups and two different answers",
        }
    result = stats.chi2_contingency(table)
    expected = np.asarray(result.expected_freq)
    # Cochran's rule: no expected count below 1, at most 20 % below 5.
    small = bool(expected.min() < 1 or (expected < MIN_EXPECTED).mean() > 0.2)
    out: dict[str, Any] = {
        "testable": True,
        "test": "chi-square",
        "chi2": round(float(result.statistic), 4),
        "df": int(result.dof),
        "p": float(result.pvalue),
        "cramers_v": round(float(association(table, method="cramer")), 4),
        "min_expected": round(float(expected.min()), 3),
        "small_expected": small,
    }
    p = out["p"]
    if not exact:
        pass  # screening only (bias warnings): the chi-square p is enough
    elif small and table.shape == (2, 2):
        fisher = stats.fisher_exact(table)
        out["fisher_p"] = float(fisher.pvalue)
        out["test"] = "fisher-exact"
        p = out["fisher_p"]
    elif small:
        permuted = stats.chi2_contingency(
            table,
            correction=False,  # r x c (larger than 2 x 2): no Yates correction
            method=stats.PermutationMethod(
                n_resamples=1999, rng=np.random.default_rng(seed)
            ),
        )
        out["permutation_p"] = float(permuted.pvalue)
        out["test"] = "chi-square-permutation"
        p = out["permutation_p"]
    out["p_used"] = p
    out["significant"] = p < ALPHA
    return out


def adjusted_residuals(table: np.ndarray) -> np.ndarray:
    total = table.sum()
    if total == 0:
        return np.zeros_like(table, dtype=float)
    rows = table.sum(axis=1, keepdims=True)
    cols = table.sum(axis=0, keepdims=True)
    expected = rows @ cols / total
    variance = expected * (1 - rows / total) * (1 - cols / total)
    with np.errstate(divide="ignore", invalid="ignore"):
        residuals = (table - expected) / np.sqrt(variance)
    cleaned: np.ndarray = np.nan_to_num(residuals)
    return cleaned


def _columns(
    question: Question, respondents: list[Respondent]
) -> tuple[list[str], Callable[[Any], list[str]]]:
    """The answer categories of a question and how an answer falls into them."""
    if question.type in ("single-choice", "multiple-choice"):
        options = list(question.options or [])
        if question.type == "single-choice":
            return options, lambda v: [v]
        return options, lambda v: list(v)
    if question.type == "ranking":
        return list(question.options or []), lambda v: [v[0]]
    if question.type == "rating-scale":
        points = [
            str(p)
            for p in range(
                int(question.scale_min or 1), int(question.scale_max or 5) + 1
            )
        ]
        return points, lambda v: [str(int(v))]
    if question.type == "numeric":
        values = np.asarray(answered(question, respondents), dtype=float)
        if values.size < 3:
            raise CrosstabInvalid("not enough numeric answers to group into thirds")
        cuts = np.unique(np.quantile(values, [1 / 3, 2 / 3]))
        edges = [float(values.min()), *[float(c) for c in cuts], float(values.max())]
        labels = [f"{edges[i]:g}-{edges[i + 1]:g}" for i in range(len(edges) - 1)]

        def band(v: Any) -> list[str]:
            index = int(np.searchsorted(cuts, float(v), side="left"))
            return [labels[min(index, len(labels) - 1)]]

        return labels, band
    raise CrosstabInvalid(
        f"question {question.id!r} is open text; crosstabs need a closed question"
    )


def crosstab(
    question: Question,
    respondents: list[Respondent],
    by: list[str],
    *,
    labels: Callable[[str, str], str] | None = None,
    seed: int = 0,
    exact: bool = True,
) -> dict[str, Any]:
    if not 1 <= len(by) <= 2 or len(set(by)) != len(by):
        raise CrosstabInvalid("by: one demographic field, or two different ones")
    for field in by:
        if field not in DEMOGRAPHIC_FIELDS:
            raise CrosstabInvalid(
                f"cannot group by {field!r}; allowed: {', '.join(DEMOGRAPHIC_FIELDS)}"
            )
    columns, categorise = _columns(question, respondents)
    name = labels or (lambda _field, value: value)
    groups: dict[str, dict[str, int]] = {}
    group_sizes: dict[str, int] = {}
    for respondent in respondents:
        value = respondent["answers"].get(question.id)
        if value is None:
            continue
        demo = respondent["demographics"]
        key = " x ".join(name(f, str(demo.get(f, "?"))) for f in by)
        row = groups.setdefault(key, dict.fromkeys(columns, 0))
        group_sizes[key] = group_sizes.get(key, 0) + 1
        for category in categorise(value):
            row[category] += 1
    row_names = sorted(groups)
    table = np.asarray(
        [[groups[r][c] for c in columns] for r in row_names], dtype=float
    ).reshape(len(row_names), len(columns))
    result: dict[str, Any] = {
        "question_id": question.id,
        "by": by,
        "columns": columns,
        "rows": [],
    }
    residuals = adjusted_residuals(table) if table.size else table
    for i, row_name in enumerate(row_names):
        size = group_sizes[row_name]
        result["rows"].append(
            {
                "group": row_name,
                "n": size,
                "cells": [
                    {
                        "column": column,
                        "count": int(table[i, j]),
                        "share": round(table[i, j] / size, 4) if size else None,
                        "residual": round(float(residuals[i, j]), 3),
                        "marker": (
                            "higher"
                            if residuals[i, j] > 1.96
                            else "lower"
                            if residuals[i, j] < -1.96
                            else None
                        ),
                    }
                    for j, column in enumerate(columns)
                ],
            }
        )
    if question.type == "multiple-choice":
        # Selections are not exclusive, so each option gets its own test
        # (chosen vs not chosen by group).
        sizes = np.asarray([group_sizes[r] for r in row_names], dtype=float)
        result["tests"] = [
            {
                "option": column,
                **independence(
                    np.column_stack([table[:, j], sizes - table[:, j]]),
                    seed,
                    exact=exact,
                ),
            }
            for j, column in enumerate(columns)
        ]
        result["test"] = None
    else:
        result["test"] = independence(table, seed, exact=exact)
    return result
