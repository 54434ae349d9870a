"""Quota sampling: exactly N persona cells whose every marginal hits its quota.

Each dimension's quota is target share x N rounded by the largest-remainder method, so
every count is the floor or the ceiling of share x N and the counts sum to N.

Cells are built one dimension at a time. With the dimensions assigned so far grouping
the N personas into profiles, the next dimension is split across profiles as a
profiles x categories table: expected counts come from the joint distribution
(conditional on each profile), are raked so columns equal the quotas, then rounded to
integers keeping both row and column totals exact. Marginals are therefore exact by
construction and the joint association is followed as closely as integers allow.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel

from sight.demographics.census import Category, Dimension, load_census
from sight.demographics.joint import JointDistribution

# numpy (0.1 s of CPU) is imported where used, not by `sight serve`'s start (issue 16).
if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    FloatArray = NDArray[np.float64]
    IntArray = NDArray[np.int64]


_TABLE_FIT_TOLERANCE = 1e-9
_TABLE_FIT_MAX_ITERATIONS = 500
# Open top income bands are drawn from a Pareto tail cut at this quantile, so no
# persona gets an absurd income from the far tail.
_PARETO_MAX_QUANTILE = 0.99


class Cell(BaseModel):
    """One persona's demographic cell plus concrete values drawn inside its brackets."""

    index: int
    attributes: dict[str, str]  # dimension -> canonical category key
    age: int
    income: int
    income_currency: str
    income_period: str | None


def largest_remainder(
    shares: Sequence[float], n: int, rng: np.random.Generator
) -> IntArray:
    """Integer counts summing to n, each the floor or ceiling of share x n.

    Floors first; the units left go to the largest fractional remainders. Exact ties
    (e.g. 50/50 with odd n) are broken by the seeded generator, not by position.
    """
    import numpy as np

    quotas = np.asarray(shares, dtype=np.float64) * n
    # the epsilon keeps 2.9999999999 (float noise) from rounding down to 2
    counts = np.floor(quotas + 1e-9).astype(np.int64)
    remainders = np.round(quotas - counts, 9)
    remainders[quotas <= 0] = -np.inf  # zero-share categories never get a unit
    missing = n - int(counts.sum())
    order = np.lexsort((rng.random(len(quotas)), -remainders))
    counts[order[:missing]] += 1
    return counts


def quota_sample(joint: JointDistribution, n: int, seed: int) -> list[Cell]:
    """Exactly n cells with exact marginals; the same seed gives the same cells."""
    import numpy as np

    if n < 1:
        raise ValueError(f"sample size must be at least 1, got {n}")
    rng = np.random.default_rng(seed)
    table = joint.array()
    quotas = [
        largest_remainder(
            [joint.target_marginals[d][k] for k in joint.categories[d]], n, rng
        )
        for d in joint.dimensions
    ]
    profiles = np.zeros((1, 0), dtype=np.int64)
    counts = np.array([n], dtype=np.int64)
    for axis in range(table.ndim):
        later_axes = tuple(range(axis + 1, table.ndim))
        prefix_marginal = table.sum(axis=later_axes) if later_axes else table
        if axis == 0:
            conditional = prefix_marginal[np.newaxis, :]
        else:
            conditional = prefix_marginal[tuple(profiles.T)]
        expected = _expected_counts(conditional, counts, quotas[axis])
        allocation = _round_table(expected, counts, quotas[axis], rng)
        rows, columns = np.nonzero(allocation)
        profiles = np.column_stack([profiles[rows], columns]).astype(np.int64)
        counts = allocation[rows, columns]
    members = np.repeat(profiles, counts, axis=0)
    rng.shuffle(members, axis=0)  # otherwise cells come out sorted by category
    return _to_cells(joint, members, rng)


def _expected_counts(
    conditional: FloatArray, row_totals: IntArray, column_totals: IntArray
) -> FloatArray:
    """Expected profile x category counts, raked to exact row and column totals."""
    import numpy as np

    row_mass = conditional.sum(axis=1, keepdims=True)
    fallback = column_totals / column_totals.sum()
    # a profile the joint gives no mass to (only reachable through rounding repairs)
    # follows the overall quota shares
    shares = np.where(
        row_mass > 0, conditional / np.where(row_mass > 0, row_mass, 1), fallback
    )
    expected = shares * row_totals[:, np.newaxis]
    starved = (expected.sum(axis=0) == 0) & (column_totals > 0)
    expected[:, starved] = 1e-9  # a quota with no support anywhere still needs a home
    for _ in range(_TABLE_FIT_MAX_ITERATIONS):
        column_sums = expected.sum(axis=0)
        expected *= np.divide(
            column_totals,
            column_sums,
            out=np.zeros_like(column_sums),
            where=column_sums > 0,
        )
        row_sums = expected.sum(axis=1)
        expected *= np.divide(
            row_totals, row_sums, out=np.zeros_like(row_sums), where=row_sums > 0
        )[:, np.newaxis]
        if np.abs(expected.sum(axis=0) - column_totals).max() < _TABLE_FIT_TOLERANCE:
            break
    return np.asarray(expected, dtype=np.float64)


def _round_table(
    expected: FloatArray,
    row_totals: IntArray,
    column_totals: IntArray,
    rng: np.random.Generator,
) -> IntArray:
    """Integer table with exactly the given row and column totals, close to expected.

    Floors first; the remaining units go to cells in a random order weighted by their
    fractional parts (so a cell expecting 0.8 usually rounds up, 0.2 rarely), skipping
    cells whose row or column is already full. Anything the greedy pass could not place
    goes to the open column with the largest expectation in that row.
    """
    import numpy as np

    counts = np.floor(expected).astype(np.int64)
    _trim_overshoot(counts, expected, column_totals)
    row_need = row_totals - counts.sum(axis=1)
    column_need = column_totals - counts.sum(axis=0)

    fractions = (expected - counts).ravel()
    candidates = np.flatnonzero(fractions > 0)
    # Efraimidis-Spirakis: sorting by u^(1/w) samples without replacement by weight
    keys = np.log(rng.random(len(candidates))) / fractions[candidates]
    n_columns = expected.shape[1]
    for flat in candidates[np.argsort(-keys)]:
        row, column = divmod(int(flat), n_columns)
        if row_need[row] > 0 and column_need[column] > 0:
            counts[row, column] += 1
            row_need[row] -= 1
            column_need[column] -= 1

    for row in np.flatnonzero(row_need > 0):
        while row_need[row] > 0:
            open_columns = np.flatnonzero(column_need > 0)
            column = open_columns[np.argmax(expected[row, open_columns])]
            counts[row, column] += 1
            row_need[row] -= 1
            column_need[column] -= 1
    return counts


def _trim_overshoot(
    counts: IntArray, expected: FloatArray, column_totals: IntArray
) -> None:
    """Floors exceed a column total only if raking stopped early; take units back."""
    import numpy as np

    for column in np.flatnonzero(counts.sum(axis=0) > column_totals):
        while counts[:, column].sum() > column_totals[column]:
            filled = np.flatnonzero(counts[:, column] > 0)
            slack = expected[filled, column] - counts[filled, column]
            counts[filled[np.argmin(slack)], column] -= 1


def _to_cells(
    joint: JointDistribution, members: IntArray, rng: np.random.Generator
) -> list[Cell]:
    census = load_census(joint.country)
    age_dimension = census.dimensions["age_group"]
    income_dimension = census.dimensions["income"]
    currency = income_dimension.values.unit if income_dimension.values else ""
    period = income_dimension.values.period if income_dimension.values else None
    cells = []
    for index, member in enumerate(members):
        attributes = {
            dimension: joint.categories[dimension][int(category)]
            for dimension, category in zip(joint.dimensions, member, strict=True)
        }
        age_category = age_dimension.category(attributes["age_group"])
        income_category = income_dimension.category(attributes["income"])
        cells.append(
            Cell(
                index=index,
                attributes=attributes,
                age=draw_age(age_category, rng),
                income=draw_amount(income_dimension, income_category, rng),
                income_currency=currency,
                income_period=period,
            )
        )
    return cells


def draw_age(category: Category, rng: np.random.Generator) -> int:
    """Integer age inside the bracket; open brackets use their weighted sub-ranges."""
    import numpy as np

    if category.range is None:
        raise ValueError(f"age category {category.key!r} has no range")
    low, high = category.range.min, category.range.max
    if category.subranges:
        weights = np.array([s.weight for s in category.subranges])
        chosen = category.subranges[
            int(rng.choice(len(weights), p=weights / weights.sum()))
        ]
        low, high = chosen.min, chosen.max
    if high is None:
        raise ValueError(f"age category {category.key!r} needs an upper bound")
    return int(rng.integers(low, high + 1))


def draw_amount(
    dimension: Dimension, category: Category, rng: np.random.Generator
) -> int:
    """Amount inside the band [min, max), on the dimension's step.

    Closed bands: uniform. The open top band: Pareto tail above its minimum.
    """
    if category.range is None or dimension.values is None:
        raise ValueError(
            f"{dimension.key}: category {category.key!r} has no value range"
        )
    step = dimension.values.step
    low, high = category.range.min, category.range.max
    if high is not None and dimension.values.draw_floor < high:
        low = max(low, dimension.values.draw_floor)
    if high is None:
        alpha = dimension.values.open_band_pareto_alpha or 3.0
        quantile = rng.random() * _PARETO_MAX_QUANTILE
        amount = low * (1.0 - quantile) ** (-1.0 / alpha)
    else:
        amount = low + rng.random() * (high - low)
    return int(low + ((amount - low) // step) * step)
