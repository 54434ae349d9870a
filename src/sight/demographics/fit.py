"""Goodness of fit of generated personas against the target, per dimension.

Pearson's chi-square needs expected counts that are not too small; when they are, the
report gives no p-value and says why, instead of printing a number that means nothing.
Observed values outside the target (a category with share 0, an unknown label, a
missing attribute) fail the dimension outright: no sampling error explains them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import BaseModel

from sight.demographics.census import Dimension, load_census
from sight.demographics.quota import Cell
from sight.demographics.target import Target

DEFAULT_ALPHA = 0.05
# Cochran's rule for the chi-square approximation: every expected count at least 1 and
# no more than 20 % of them below 5.
MIN_EXPECTED = 1.0
SMALL_EXPECTED = 5.0
MAX_SMALL_FRACTION = 0.2
MISSING = "<missing>"

Verdict = Literal["pass", "fail", "inconclusive"]


class CategoryFit(BaseModel):
    category: str
    observed: int
    expected: float
    observed_share: float
    target_share: float


class DimensionFit(BaseModel):
    dimension: str
    n: int
    categories: list[CategoryFit]
    # values that match no category of the target, or a category it gives share 0
    unexpected: dict[str, int]
    chi_square: float | None
    degrees_of_freedom: int | None
    p_value: float | None
    p_value_reason: str | None  # why p_value is null
    max_abs_share_deviation: float
    within_rounding: bool  # every |observed - expected| < 1: as exact as integers allow
    verdict: Verdict
    reason: str


class FitReport(BaseModel):
    n: int
    alpha: float
    per_test_alpha: float  # Bonferroni: alpha / number of dimensions with a p-value
    dimensions: list[DimensionFit]
    verdict: Verdict
    summary: str


def fit_report(
    cells: Sequence[Cell | Mapping[str, str]],
    target: Target,
    alpha: float = DEFAULT_ALPHA,
    dimensions: Sequence[str] | None = None,
) -> FitReport:
    """Compare the generated personas' categories with the target shares.

    `cells` may be Cell objects or plain attribute mappings (dimension -> category);
    display labels and aliases are accepted as values. `dimensions` limits the check
    (default: every dimension of the target).
    """
    census = load_census(target.country)
    attributes = [c.attributes if isinstance(c, Cell) else c for c in cells]
    keys = list(target.dimensions) if dimensions is None else list(dimensions)
    unknown = [k for k in keys if k not in target.dimensions]
    if unknown:
        raise ValueError(
            f"unknown dimensions {unknown}; known: {list(target.dimensions)}"
        )
    fits = [
        _dimension_fit(census.dimensions[key], target.shares(key), attributes)
        for key in keys
    ]
    tested = sum(1 for f in fits if f.p_value is not None)
    per_test_alpha = alpha / tested if tested else alpha
    fits = [_judge(f, per_test_alpha) for f in fits]
    verdict = _overall(fits)
    failed = [f.dimension for f in fits if f.verdict == "fail"]
    unsure = [f.dimension for f in fits if f.verdict == "inconclusive"]
    summary = {
        "pass": f"all {len(fits)} dimensions match the target",
        "fail": f"mismatch in: {', '.join(failed)}",
        "inconclusive": f"too few personas to judge: {', '.join(unsure)}",
    }[verdict]
    return FitReport(
        n=len(attributes),
        alpha=alpha,
        per_test_alpha=per_test_alpha,
        dimensions=fits,
        verdict=verdict,
        summary=summary,
    )


def _dimension_fit(
    dimension: Dimension,
    shares: Mapping[str, float],
    cells: Sequence[Mapping[str, str]],
) -> DimensionFit:
    observed: Counter[str] = Counter()
    unexpected: Counter[str] = Counter()
    for attributes in cells:
        value = attributes.get(dimension.key)
        key = dimension.resolve(value) if isinstance(value, str) else None
        if key is None:
            unexpected[MISSING if value is None else str(value)] += 1
        else:
            observed[key] += 1
    n = len(cells)
    categories = [
        CategoryFit(
            category=key,
            observed=observed[key],
            expected=share * n,
            observed_share=observed[key] / n if n else 0.0,
            target_share=share,
        )
        for key, share in shares.items()
    ]
    for category in categories:
        if category.target_share == 0 and category.observed > 0:
            unexpected[category.category] += category.observed
    deviation = max(
        (abs(c.observed_share - c.target_share) for c in categories), default=0
    )
    within_rounding = (
        n > 0
        and not unexpected
        and all(abs(c.observed - c.expected) < 1 for c in categories)
    )
    chi, dof, p_value, reason = _chi_square(categories, n, bool(unexpected))
    return DimensionFit(
        dimension=dimension.key,
        n=n,
        categories=categories,
        unexpected=dict(unexpected),
        chi_square=chi,
        degrees_of_freedom=dof,
        p_value=p_value,
        p_value_reason=reason,
        max_abs_share_deviation=float(deviation),
        within_rounding=within_rounding,
        verdict="inconclusive",  # decided by _judge once the test count is known
        reason="",
    )


def _chi_square(
    categories: list[CategoryFit], n: int, has_unexpected: bool
) -> tuple[float | None, int | None, float | None, str | None]:
    """(statistic, degrees of freedom, p-value, reason the p-value is null)."""
    if n == 0:
        return None, None, None, "no personas"
    if has_unexpected:
        return None, None, None, "personas outside the target's categories"
    tested = [c for c in categories if c.target_share > 0]
    dof = len(tested) - 1
    if dof == 0:
        return None, 0, None, "only one category has a positive share: nothing to test"
    observed = [c.observed for c in tested]
    expected = [c.expected for c in tested]
    statistic = sum((o - e) ** 2 / e for o, e in zip(observed, expected, strict=True))
    p_value = chi2_sf(statistic, dof)
    tiny = sum(1 for e in expected if e < MIN_EXPECTED)
    small = sum(1 for e in expected if e < SMALL_EXPECTED)
    if tiny:
        reason = (
            f"N={n} is too small: {tiny} of {len(expected)} expected counts are "
            f"below {MIN_EXPECTED:g}, so the chi-square approximation does not hold"
        )
        return float(statistic), dof, None, reason
    if small > MAX_SMALL_FRACTION * len(expected):
        reason = (
            f"N={n} is too small: {small} of {len(expected)} expected counts are "
            f"below {SMALL_EXPECTED:g} (Cochran's rule allows 20 %)"
        )
        return float(statistic), dof, None, reason
    return float(statistic), dof, float(p_value), None


def chi2_sf(x: float, dof: int) -> float:
    """P(X >= x) for a chi-square variable with a whole number `dof` of degrees
    of freedom: Q(dof / 2, x / 2), which for whole and half-whole orders is a
    finite sum of positive terms (no series to truncate, no cancellation).

    Not scipy.special.chdtrc: it gives the same values (the test compares
    them) but importing scipy kept 27 MB in the serving process after the
    first persona job, about a tenth of its memory goal (issue 16).
    """
    if dof < 1:
        raise ValueError("dof must be at least 1")
    if x <= 0:
        return 1.0
    y = x / 2.0
    log_y = math.log(y)
    if dof % 2 == 0:
        # Q(m, y) = e^-y * sum_{i<m} y^i / i!
        terms = [math.exp(i * log_y - y - math.lgamma(i + 1)) for i in range(dof // 2)]
        return min(1.0, math.fsum(terms))
    # Q(m + 1/2, y) = erfc(sqrt y) + e^-y * sum_{1<=j<=m} y^(j-1/2) / Gamma(j+1/2)
    terms = [
        math.exp((j - 0.5) * log_y - y - math.lgamma(j + 0.5))
        for j in range(1, (dof - 1) // 2 + 1)
    ]
    return min(1.0, math.erfc(math.sqrt(y)) + math.fsum(terms))


def _judge(fit: DimensionFit, per_test_alpha: float) -> DimensionFit:
    if fit.unexpected:
        count = sum(fit.unexpected.values())
        verdict: Verdict = "fail"
        reason = f"{count} persona(s) with values outside the target: {fit.unexpected}"
    elif fit.p_value is not None:
        verdict = "pass" if fit.p_value >= per_test_alpha else "fail"
        relation = ">=" if verdict == "pass" else "<"
        reason = f"chi-square p={fit.p_value:.4g} {relation} {per_test_alpha:.4g}"
    elif fit.within_rounding and not _too_small(fit):
        verdict = "pass"
        reason = "every count is within rounding of the target (no test possible)"
    elif fit.within_rounding:
        # Counts as close to the target as whole people allow say nothing about
        # a sample this small: a test needs larger expected counts.
        verdict = "inconclusive"
        reason = (
            f"{fit.p_value_reason}; the counts are as close to the target as "
            "whole personas allow, but a sample this small cannot show a match"
        )
    else:
        verdict = "inconclusive"
        reason = fit.p_value_reason or "no test possible"
    return fit.model_copy(update={"verdict": verdict, "reason": reason})


def _too_small(fit: DimensionFit) -> bool:
    """Whether the expected counts are too small for the chi-square test (the
    rule `_chi_square` applies), with more than one category to compare."""
    expected = [c.expected for c in fit.categories if c.target_share > 0]
    if len(expected) < 2:
        return False
    small = sum(1 for e in expected if e < SMALL_EXPECTED)
    return min(expected) < MIN_EXPECTED or small > MAX_SMALL_FRACTION * len(expected)


def _overall(fits: list[DimensionFit]) -> Verdict:
    verdicts = {f.verdict for f in fits}
    if "fail" in verdicts:
        return "fail"
    if verdicts <= {"pass"}:
        return "pass"
    return "inconclusive"
