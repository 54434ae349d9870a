"""Per-question statistics of a survey's answers (pure, CPU-bound: run in a thread).

Proportions get 95 % Wilson intervals, means a t interval, medians a
bootstrap interval (seeded, so a result is reproducible); every distribution
carries the uniform-answer baseline beside it (what answering at random would
give), so a reader sees at once whether a preference is more than noise.
All of it is SciPy/NumPy: nothing here re-implements what they do.
"""

from __future__ import annotations

import math
from collections import Counter
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import stats  # type: ignore[import-untyped]

from sight.surveys.schemas import Question

CONFIDENCE = 0.95
TOP_K = 3

Respondent = dict[str, Any]  # {"answers": {...}, "details": {...}, "demographics"}


def _r(value: float | None, digits: int = 4) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


@lru_cache(maxsize=4096)
def wilson(count: int, n: int) -> tuple[float | None, float | None]:
    """95 % Wilson score interval for count/n (None without observations).

    Cached: a survey's questions share few distinct (count, n) pairs. The
    interval depends on count and n alone; the test's hypothesised p is set to
    the observed share, so SciPy skips searching for a p-value nobody reads.
    """
    if n <= 0:
        return None, None
    ci = stats.binomtest(count, n, p=count / n).proportion_ci(
        confidence_level=CONFIDENCE, method="wilson"
    )
    return _r(ci.low), _r(ci.high)


def share_row(label: Any, count: int, n: int, baseline: float) -> dict[str, Any]:
    low, high = wilson(count, n)
    return {
        "option": label,
        "count": count,
        "share": _r(count / n) if n else None,
        "ci_low": low,
        "ci_high": high,
        "baseline": _r(baseline),
    }


def mean_ci(values: np.ndarray) -> tuple[float | None, float | None]:
    """t interval for the mean (needs two distinct observations)."""
    if values.size < 2:
        return None, None
    sem = stats.sem(values)
    if not np.isfinite(sem) or sem == 0:
        mean = float(values.mean())
        return _r(mean), _r(mean)
    low, high = stats.t.interval(
        CONFIDENCE, values.size - 1, loc=float(values.mean()), scale=sem
    )
    return _r(low), _r(high)


def median_ci(values: np.ndarray, seed: int) -> tuple[float | None, float | None]:
    if values.size < 5 or np.all(values == values[0]):
        return None, None
    result = stats.bootstrap(
        (values,),
        np.median,
        n_resamples=999,
        confidence_level=CONFIDENCE,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    return _r(result.confidence_interval.low), _r(result.confidence_interval.high)


def describe(values: list[float], seed: int, *, quick: bool = False) -> dict[str, Any]:
    array = np.asarray(values, dtype=float)
    if array.size == 0:
        return {"n": 0}
    mode = stats.mode(array, keepdims=False)
    low, high = mean_ci(array)
    # quick (partial results during a run): no bootstrap.
    med_low, med_high = (None, None) if quick else median_ci(array, seed)
    return {
        "n": int(array.size),
        "mean": _r(float(array.mean())),
        "mean_ci_low": low,
        "mean_ci_high": high,
        "median": _r(float(np.median(array))),
        "median_ci_low": med_low,
        "median_ci_high": med_high,
        "mode": _r(float(mode.mode)),
        "sd": _r(float(array.std(ddof=1))) if array.size > 1 else None,
        "min": _r(float(array.min())),
        "max": _r(float(array.max())),
    }


def answered(question: Question, respondents: list[Respondent]) -> list[Any]:
    return [
        r["answers"][question.id]
        for r in respondents
        if r["answers"].get(question.id) is not None
    ]


def question_stats(
    question: Question,
    respondents: list[Respondent],
    seed: int = 0,
    *,
    quick: bool = False,
) -> dict[str, Any]:
    values = answered(question, respondents)
    n = len(values)
    base: dict[str, Any] = {
        "id": question.id,
        "type": question.type,
        "title": question.title,
        "n": n,
        "skipped": len(respondents) - n,
    }
    options = question.options or []
    if question.type == "single-choice":
        counts = Counter(values)
        base["options"] = [
            share_row(o, counts.get(o, 0), n, 1 / len(options)) for o in options
        ]
    elif question.type == "multiple-choice":
        counts = Counter(v for chosen in values for v in chosen)
        mean_chosen = sum(len(c) for c in values) / n if n else 0.0
        # Random answering with the same number of picks selects each option
        # with probability picks / options.
        baseline = mean_chosen / len(options)
        base["mean_selected"] = _r(mean_chosen)
        base["options"] = [share_row(o, counts.get(o, 0), n, baseline) for o in options]
    elif question.type == "rating-scale":
        low, high = int(question.scale_min or 1), int(question.scale_max or 5)
        counts = Counter(int(v) for v in values)
        points = list(range(low, high + 1))
        base["summary"] = describe([float(v) for v in values], seed, quick=quick)
        base["distribution"] = [
            share_row(p, counts.get(p, 0), n, 1 / len(points)) for p in points
        ]
        base["baseline_mean"] = _r((low + high) / 2)
    elif question.type == "numeric":
        base["summary"] = describe([float(v) for v in values], seed, quick=quick)
        base["distribution"] = histogram(
            [float(v) for v in values], question.min, question.max
        )
        base["unit"] = question.unit
    elif question.type == "ranking":
        base.update(ranking_stats(options, values))
    return base


def histogram(
    values: list[float], low: float | None, high: float | None
) -> list[dict[str, Any]]:
    """Bins over the allowed range; the baseline is a uniform spread over it."""
    if not values:
        return []
    lo = low if low is not None else min(values)
    hi = high if high is not None else max(values)
    if hi <= lo:
        hi = lo + 1
    bins = int(min(12, max(4, math.ceil(math.sqrt(len(values))))))
    counts, edges = np.histogram(values, bins=bins, range=(lo, hi))
    n = len(values)
    return [
        {
            "low": _r(float(edges[i])),
            "high": _r(float(edges[i + 1])),
            "count": int(counts[i]),
            "share": _r(int(counts[i]) / n),
            "baseline": _r(1 / bins),
        }
        for i in range(bins)
    ]


def ranking_stats(options: list[str], rankings: list[list[str]]) -> dict[str, Any]:
    n = len(rankings)
    k_max = min(TOP_K, len(options) - 1) if len(options) > 1 else 1
    rows: list[tuple[float, dict[str, Any]]] = []
    for option in options:
        ranks = np.asarray(
            [r.index(option) + 1 for r in rankings if option in r], dtype=float
        )
        low, high = mean_ci(ranks)
        top = {}
        for k in range(1, k_max + 1):
            count = int((ranks <= k).sum())
            ci_low, ci_high = wilson(count, n)
            top[str(k)] = {
                "count": count,
                "share": _r(count / n) if n else None,
                "ci_low": ci_low,
                "ci_high": ci_high,
                "baseline": _r(k / len(options)),
            }
        mean_rank = float(ranks.mean()) if ranks.size else math.inf
        rows.append(
            (
                mean_rank,
                {
                    "option": option,
                    "mean_rank": _r(float(ranks.mean())) if ranks.size else None,
                    "ci_low": low,
                    "ci_high": high,
                    "rank_counts": [
                        int((ranks == position).sum())
                        for position in range(1, len(options) + 1)
                    ],
                    "top": top,
                },
            )
        )
    rows.sort(key=lambda pair: pair[0])
    return {
        "options": [row for _, row in rows],
        "baseline_mean_rank": _r((len(options) + 1) / 2),
        "top_k": k_max,
    }
