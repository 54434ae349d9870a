"""How close a synthetic answer distribution is to the human one.

Definitions (README of the opinion reference data, after Santurkar et al. 2023,
OpinionQA, and Durmus et al. 2023, GlobalOpinionQA):

- ordinal and binary options at positions 0..k-1:
  representativeness = 1 - W1(S, H) / (k - 1)   (1-Wasserstein, earth mover's)
- nominal options: representativeness = 1 - Jensen-Shannon distance, base 2

Both lie in [0, 1]; 1 means identical. The two kinds are never averaged
together (`mean_by_scale` keeps them apart).

Baselines a reader needs beside a score: `uniform_baseline` (a panel answering
1/k each), `overall_as_prediction` (the whole-sample distribution predicted for
a group: what demographics-blind answers get) and `expected_perfect` (m draws
from the true distribution itself: the sampling noise a perfect simulator still
pays with m respondents per group).

SciPy is imported here, so this module is imported in worker threads only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.spatial.distance import jensenshannon  # type: ignore[import-untyped]
from scipy.stats import wasserstein_distance  # type: ignore[import-untyped]

Scale = Literal["ordinal", "binary", "nominal"]
FloatArray = NDArray[np.float64]

ORDERED: frozenset[str] = frozenset({"ordinal", "binary"})


def _probabilities(values: Sequence[float] | FloatArray, name: str) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or array.size < 2:
        raise ValueError(f"{name} must list at least two option shares")
    if (array < 0).any():
        raise ValueError(f"{name} has a negative share")
    total = float(array.sum())
    if total <= 0:
        raise ValueError(f"{name} has no answers")
    return array / total


def representativeness(
    synthetic: Sequence[float] | FloatArray,
    human: Sequence[float] | FloatArray,
    scale: str = "ordinal",
) -> float:
    """1 - W1/(k-1) for ordered options, 1 - JS distance (base 2) otherwise."""
    s = _probabilities(synthetic, "the synthetic distribution")
    h = _probabilities(human, "the human distribution")
    if s.size != h.size:
        raise ValueError(f"{s.size} synthetic shares against {h.size} human shares")
    k = s.size
    if scale in ORDERED:
        positions = np.arange(k, dtype=np.float64)
        distance = wasserstein_distance(positions, positions, s, h)
        return float(1.0 - distance / (k - 1))
    return float(1.0 - jensenshannon(s, h, base=2))


def uniform_baseline(human: Sequence[float] | FloatArray, scale: str) -> float:
    h = _probabilities(human, "the human distribution")
    return representativeness(np.full(h.size, 1.0 / h.size), h, scale)


def scores_of_many(samples: FloatArray, human: FloatArray, scale: str) -> FloatArray:
    """Representativeness of each row of `samples` (shares) against `human`.

    Vectorised for the sampling simulation; equal to `representativeness` row by
    row (tests check it): W1 over unit-spaced positions is the sum of the
    absolute differences of the cumulative distributions.
    """
    k = human.size
    if scale in ORDERED:
        cum_s = np.cumsum(samples, axis=1)[:, :-1]
        cum_h = np.cumsum(human)[:-1]
        result: FloatArray = 1.0 - np.abs(cum_s - cum_h).sum(axis=1) / (k - 1)
        return result
    distances = jensenshannon(
        samples, np.broadcast_to(human, samples.shape), base=2, axis=1
    )
    return np.asarray(1.0 - np.nan_to_num(distances), dtype=np.float64)


def expected_perfect(
    human: Sequence[float] | FloatArray,
    m: int,
    scale: str,
    *,
    simulations: int = 400,
    rng: np.random.Generator | None = None,
) -> float:
    """Expected score of m respondents drawn from the human distribution itself
    (a perfect simulator that still pays for sampling noise), by simulation."""
    h = _probabilities(human, "the human distribution")
    rng = rng if rng is not None else np.random.default_rng(0)
    counts = rng.multinomial(m, h, size=simulations).astype(np.float64)
    return float(scores_of_many(counts / m, h, scale).mean())


def mean_position(p: Sequence[float] | FloatArray) -> float:
    """The mean option position as a share of the scale (0 = first, 1 = last)."""
    array = _probabilities(p, "the distribution")
    return float((array * np.arange(array.size)).sum() / (array.size - 1))


def pearson(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Correlation, or None when either side does not vary (or too few points)."""
    if len(x) < 3:
        return None
    a, b = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if a.std() < 1e-12 or b.std() < 1e-12:
        return None
    return float(np.corrcoef(a, b)[0, 1])


def shares(counts: Sequence[float]) -> list[float]:
    total = float(sum(counts))
    return [float(c) / total if total else 0.0 for c in counts]
