"""Two-pass rating: words → a point of the scale by semantic similarity.

Models asked for a number cluster on safe middle values and differ from people
in how they use scales; asked to answer in their own words they are closer to
human answers. The words are then mapped to the scale: each of five anchor
positions (lowest, low, middle, high, highest) has reference statements; the
answer's embedding is compared with them (cosine: the gateway's vectors are
unit length), similarities are interpolated to every point of the question's
scale, turned into a probability over the points (a softmax with a small
temperature), and the expected point, rounded, is the mapped answer.

Stored per answer: the text, the mapped value, the similarity of the chosen
point, the distribution over points and the method.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sight.surveys.schemas import Question

# numpy (0.1 s of CPU) is imported where used, not by `sight serve`'s start (issue 16).
if TYPE_CHECKING:
    pass

METHOD = "semantic-similarity"
POSITIONS = 5
TEMPERATURE = 0.05

_ANCHORS: dict[str, list[list[str]]] = {
    "en": [
        [
            "Not at all. I completely disagree; this is very bad for me.",
            "Definitely not, absolutely no interest.",
        ],
        [
            "Rather not. I mostly disagree; it is not good for me.",
            "Probably not, I have doubts.",
        ],
        [
            "I am neutral; it is neither good nor bad, I am not sure.",
            "Maybe, it depends; I have mixed feelings.",
        ],
        [
            "Rather yes. I mostly agree; it is good for me.",
            "Probably yes, I quite like it.",
        ],
        [
            "Absolutely. I completely agree; this is excellent for me.",
            "Definitely yes, I love it.",
        ],
    ],
    "pl": [
        [
            "Zdecydowanie nie. Całkowicie się nie zgadzam; to dla mnie bardzo złe.",
            "Absolutnie nie, zupełnie mnie to nie interesuje.",
        ],
        [
            "Raczej nie. Raczej się nie zgadzam; to nie jest dla mnie dobre.",
            "Chyba nie, mam wątpliwości.",
        ],
        [
            "Nie mam zdania; ani dobrze, ani źle, nie jestem pewien.",
            "Może, to zależy; mam mieszane uczucia.",
        ],
        [
            "Raczej tak. Raczej się zgadzam; to jest dla mnie dobre.",
            "Chyba tak, całkiem mi się podoba.",
        ],
        [
            "Zdecydowanie tak. Całkowicie się zgadzam; to dla mnie świetne.",
            "Absolutnie tak, bardzo mi się to podoba.",
        ],
    ],
}


def anchor_statements(question: Question, language: str) -> list[list[str]]:
    """Reference statements per anchor position; the question's own end labels
    (e.g. "very unlikely" / "very likely") join the ends when given."""
    anchors = [list(group) for group in _ANCHORS.get(language, _ANCHORS["en"])]
    if question.scale_min_label:
        anchors[0].append(question.scale_min_label)
    if question.scale_max_label:
        anchors[-1].append(question.scale_max_label)
    return anchors


def flatten(anchors: list[list[str]]) -> tuple[list[str], list[int]]:
    texts, owners = [], []
    for position, group in enumerate(anchors):
        for statement in group:
            texts.append(statement)
            owners.append(position)
    return texts, owners


def map_to_scale(
    vector: list[float],
    anchor_vectors: list[list[float]],
    owners: list[int],
    scale_min: int,
    scale_max: int,
) -> dict[str, Any]:
    import numpy as np

    answer = np.asarray(vector, dtype=float)
    anchors = np.asarray(anchor_vectors, dtype=float)
    similarity = anchors @ answer
    owner = np.asarray(owners)
    by_position = np.asarray(
        [similarity[owner == p].mean() for p in range(POSITIONS)], dtype=float
    )
    points = np.arange(scale_min, scale_max + 1)
    at = (points - scale_min) / (scale_max - scale_min) * (POSITIONS - 1)
    per_point = np.interp(at, np.arange(POSITIONS), by_position)
    # A softmax with a small temperature: the gaps between anchor
    # similarities are a few hundredths, and a plain normalisation of them
    # would pull every answer to the middle of the scale.
    weights = np.exp((per_point - per_point.max()) / TEMPERATURE)
    pmf = weights / weights.sum()
    expected = float((pmf * points).sum())
    value = int(np.clip(round(expected), scale_min, scale_max))
    return {
        "value": value,
        "expected": round(expected, 4),
        "similarity": round(float(per_point[value - scale_min]), 4),
        "pmf": [round(float(p), 4) for p in pmf],
        "method": METHOD,
    }
