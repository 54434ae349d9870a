"""Helpers shared by the embedding clients."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from sight.llm.providers.base import ErrorKind, ProviderError


def batches(texts: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(texts), size):
        yield list(texts[start : start + size])


def unit_rows(rows: Any, dimensions: int, provider: str) -> list[list[float]]:
    """Rows scaled to length 1, checked to have ``dimensions`` columns.

    Every store compares embeddings by cosine; with unit vectors that is a
    plain dot product, and vectors from different providers behave alike
    (Gemini returns unnormalised vectors below 3072 dimensions).
    """
    matrix = np.asarray(rows, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[1] != dimensions:
        raise ProviderError(
            ErrorKind.bad_request,
            f"{provider}: expected {dimensions}-dimensional embeddings, "
            f"got shape {matrix.shape}",
        )
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    # An all-zero vector has no direction; leave it zero rather than divide
    # by zero and store NaNs.
    norms[norms == 0.0] = 1.0
    result: list[list[float]] = (matrix / norms).tolist()
    return result
