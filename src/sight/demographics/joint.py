"""Joint distribution over all dimensions by iterative proportional fitting (IPF).

The seed is the census: published joint tables (age x sex) where they exist and
independence elsewhere. IPF rescales it until every one-dimensional marginal equals the
target. IPF preserves the seed's odds ratios, so the published age x sex association
survives any target, and is reproduced exactly when neither dimension is constrained.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel, PrivateAttr

from sight.demographics.census import Census, Country, load_census
from sight.demographics.target import Target

# numpy (0.1 s of CPU) is imported where used, not by `sight serve`'s start (issue 16).
if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    FloatArray = NDArray[np.float64]

IPF_TOLERANCE = 1e-10
IPF_MAX_ITERATIONS = 1000


class Convergence(BaseModel):
    iterations: int
    max_marginal_error: float  # largest |fitted - target| share over all categories
    converged: bool
    tolerance: float


class JointDistribution(BaseModel):
    """Probabilities over the cross product of the dimensions' categories.

    `probabilities` is the table flattened in C order over `dimensions`; use `array()`
    for the n-dimensional view.
    """

    country: Country
    dimensions: list[str]
    categories: dict[str, list[str]]
    probabilities: list[float]
    target_marginals: dict[str, dict[str, float]]
    convergence: Convergence

    _array: FloatArray | None = PrivateAttr(default=None)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(self.categories[d]) for d in self.dimensions)

    def array(self) -> FloatArray:
        import numpy as np

        if self._array is None:
            table = np.asarray(self.probabilities, dtype=np.float64).reshape(self.shape)
            table.flags.writeable = False  # shared cache: callers must copy to modify
            self._array = table
        return self._array

    def marginal(self, *dimensions: str) -> FloatArray:
        """Marginal table over the given dimensions, axes in the order given."""
        import numpy as np

        axes = [self.dimensions.index(d) for d in dimensions]
        others = tuple(i for i in range(len(self.dimensions)) if i not in axes)
        summed = self.array().sum(axis=others)
        # after summing, the kept axes are in ascending order; reorder as asked
        return np.transpose(summed, np.argsort(np.argsort(axes)))

    def marginal_shares(self, dimension: str) -> dict[str, float]:
        values = self.marginal(dimension)
        return {
            k: float(v) for k, v in zip(self.categories[dimension], values, strict=True)
        }


def build_joint(target: Target, census: Census | None = None) -> JointDistribution:
    """Fit the census seed to every marginal of the target."""
    import numpy as np

    census = census or load_census(target.country)
    if census.country != target.country:
        raise ValueError(f"target is for {target.country}, census for {census.country}")
    dimensions = list(census.dimensions)
    seed = census_seed(census)
    targets = [
        np.array(list(target.shares(d).values()), dtype=np.float64) for d in dimensions
    ]
    table, convergence = fit_ipf(seed, targets)
    return JointDistribution(
        country=census.country,
        dimensions=dimensions,
        categories={d: census.dimensions[d].category_keys for d in dimensions},
        probabilities=table.ravel().tolist(),
        target_marginals={d: dict(target.shares(d)) for d in dimensions},
        convergence=convergence,
    )


def census_seed(census: Census) -> FloatArray:
    """Census joint over all dimensions: joint tables times independent marginals."""
    import numpy as np

    dimensions = list(census.dimensions)
    ndim = len(dimensions)
    seed = np.ones([len(census.dimensions[d].categories) for d in dimensions])
    covered: set[str] = set()
    for joint in census.joints:
        first, second = (census.dimensions[d] for d in joint.dimensions)
        axes = [dimensions.index(d) for d in joint.dimensions]
        seed = seed * _broadcastable(joint.array(first, second), axes, ndim)
        covered.update(joint.dimensions)
    for axis, key in enumerate(dimensions):
        if key not in covered:
            shares = np.array(list(census.dimensions[key].shares.values()))
            seed = seed * _broadcastable(shares, [axis], ndim)
    return np.asarray(seed / seed.sum(), dtype=np.float64)


def _broadcastable(table: FloatArray, axes: Sequence[int], ndim: int) -> FloatArray:
    """Reshape a table over `axes` to broadcast against an ndim-dimensional array."""
    import numpy as np

    order = np.argsort(axes)
    table = np.transpose(table, order)
    shape = [1] * ndim
    for axis, size in zip(sorted(axes), table.shape, strict=True):
        shape[axis] = size
    return table.reshape(shape)


def fit_ipf(
    seed: FloatArray,
    targets: Sequence[FloatArray],
    tolerance: float = IPF_TOLERANCE,
    max_iterations: int = IPF_MAX_ITERATIONS,
) -> tuple[FloatArray, Convergence]:
    """Raking: scale each axis in turn to its target marginal until all match.

    Cells that are zero in the seed stay zero; a target that puts mass only where the
    seed has none cannot be met, and the report then says converged=False.
    """
    import numpy as np

    if len(targets) != seed.ndim:
        raise ValueError("one target marginal per axis is required")
    table = seed / seed.sum()
    error = _max_marginal_error(table, targets)
    iterations = 0
    while error > tolerance and iterations < max_iterations:
        iterations += 1
        for axis, wanted in enumerate(targets):
            current = _axis_marginal(table, axis)
            factor = np.divide(
                wanted, current, out=np.zeros_like(current), where=current > 0
            )
            table = table * _broadcastable(factor, [axis], table.ndim)
        error = _max_marginal_error(table, targets)
    convergence = Convergence(
        iterations=iterations,
        max_marginal_error=error,
        converged=error <= tolerance,
        tolerance=tolerance,
    )
    return table, convergence


def _axis_marginal(table: FloatArray, axis: int) -> FloatArray:
    import numpy as np

    others = tuple(i for i in range(table.ndim) if i != axis)
    return np.asarray(table.sum(axis=others), dtype=np.float64)


def _max_marginal_error(table: FloatArray, targets: Sequence[FloatArray]) -> float:
    import numpy as np

    return max(
        float(np.abs(_axis_marginal(table, axis) - wanted).max())
        for axis, wanted in enumerate(targets)
    )
