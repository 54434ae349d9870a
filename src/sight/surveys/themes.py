"""Open-text answers grouped into themes, with counts and example quotes.

Answers are embedded (the gateway's embedder, done by the caller) and
clustered with k-means (SciPy `kmeans2`, seeded); each theme is labelled by the
words that are frequent in it and rare elsewhere, and quoted by the answers
closest to its centre. Without vectors (the embedder failed) answers are
grouped by their most distinctive shared word instead.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

import numpy as np
from scipy.cluster.vq import kmeans2  # type: ignore[import-untyped]

MAX_THEMES = 6
QUOTES = 3
_WORD = re.compile(r"[^\W\d_]{4,}", re.UNICODE)
_STOP = frozenset(
    """
    this that with have from they them their there would could should about which
    what when where will just like very more most much also than then been being
    were into only some such your yours mine really think because even still over
    does doing done make makes made want wants need needs thing things something
    jest jestem jesteś są był była było były będzie będą może można tylko także też
    bardzo więc jednak który która które którzy gdzie kiedy dlaczego ponieważ bo
    tego temu tym tej taki taka takie tych moim mojej mnie mój moja moje swoje
    swój swoja nich niej jego jej ich oraz czyli albo lecz żeby aby gdyby jakby
    wtedy teraz zawsze nigdy często czasem raczej trochę dużo mało mam masz mamy
    chcę chce chciałbym chciałabym myślę sądzę uważam dla przez przy pod nad przed
    """.split()
)


def _stem(word: str) -> str:
    # Polish inflects heavily; a six-letter prefix groups most forms of a word.
    return word[:6]


def _words(text: str) -> list[str]:
    return [w for w in (m.lower() for m in _WORD.findall(text)) if w not in _STOP]


def _labels(groups: list[list[int]], texts: list[str]) -> list[list[str]]:
    tokens = [_words(t) for t in texts]
    surface: dict[str, Counter[str]] = {}
    for words in tokens:
        for w in words:
            surface.setdefault(_stem(w), Counter())[w] += 1
    doc_freq = Counter(s for words in tokens for s in {_stem(w) for w in words})
    n = len(texts)
    labels = []
    for members in groups:
        in_group = Counter(s for i in members for s in {_stem(w) for w in tokens[i]})
        scored = sorted(
            in_group.items(),
            key=lambda item: (
                -(item[1] / len(members)) * math.log((n + 1) / doc_freq[item[0]]),
                item[0],
            ),
        )
        labels.append([surface[s].most_common(1)[0][0] for s, _ in scored[:3]])
    return labels


def themes(
    texts: list[str], vectors: list[list[float]] | None, seed: int = 0
) -> list[dict[str, Any]]:
    if not texts:
        return []
    n = len(texts)
    if vectors is not None and len(vectors) == n and n >= 4:
        data = np.asarray(vectors, dtype=float)
        k = max(2, min(MAX_THEMES, round(math.sqrt(n / 2))))
        centroids, assignment = kmeans2(
            data, k, minit="++", seed=np.random.default_rng(seed)
        )
        groups = [list(np.flatnonzero(assignment == c)) for c in range(k)]
        order = []
        for c, members in enumerate(groups):
            if not members:
                continue
            distance = np.linalg.norm(data[members] - centroids[c], axis=1)
            order.append([members[i] for i in np.argsort(distance)])
        method = "embedding-clusters"
    else:
        order = _by_keyword(texts)
        method = "keywords"
    order.sort(key=len, reverse=True)
    labels = _labels(order, texts)
    return [
        {
            "label": ", ".join(label) if label else "—",
            "keywords": label,
            "count": len(members),
            "share": round(len(members) / n, 4),
            "quotes": [texts[i] for i in members[:QUOTES]],
            "method": method,
        }
        for members, label in zip(order, labels, strict=True)
    ]


def _by_keyword(texts: list[str]) -> list[list[int]]:
    stems = [{_stem(w) for w in _words(t)} for t in texts]
    frequency = Counter(s for group in stems for s in group)
    common = [s for s, c in frequency.most_common(MAX_THEMES) if c > 1]
    groups: dict[str, list[int]] = {}
    for i, group in enumerate(stems):
        key = next((s for s in common if s in group), "")
        groups.setdefault(key, []).append(i)
    return list(groups.values())
