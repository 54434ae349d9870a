"""Sentiment of one answer without a language model: embedding anchors + lexicon.

Two independent signals, both Polish and English:

1. **Anchors.** The answer is embedded with the configured embedding model (the
   local USE multilingual model by default) and compared with labelled anchor
   sentences; a class scores the mean of its three most similar anchors, and a
   softmax over the three class scores gives probabilities. Multilingual
   embeddings put a Polish and an English sentence of the same meaning close
   together, so one anchor set serves both languages.
2. **Lexicon.** Opinion words (stems, so Polish inflection matches) counted
   with negation: "nie podoba", "not worth" flip the word's polarity.

The lexicon is sharp but sparse, the anchors are smooth but blurry on
factual sentences; blending them (the lexicon only where it found words) is
clearly better than either alone on the labelled set in tests/analysis.

Everything here is synchronous CPU work on small arrays: callers run it in a
worker thread (`asyncio.to_thread`), never on the event loop.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

# numpy (0.1 s of CPU) is imported where used, not by `sight serve`'s start (issue 16).
if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

Label = Literal["positive", "neutral", "negative"]
LABELS: tuple[Label, ...] = ("positive", "neutral", "negative")

LOCAL_METHOD = "local:embedding-anchors+lexicon"

# Softmax temperature over cosine similarities (USE similarities of related
# sentences differ by a few hundredths, so the temperature is small).
TEMPERATURE = 0.04
# How much the lexicon moves the decision when it found opinion words.
LEXICON_WEIGHT = 0.55
# |polarity| below this is neutral.
NEUTRAL_BAND = 0.2

ANCHORS: dict[Label, tuple[str, ...]] = {
    "positive": (
        "I really like it, it's great.",
        "This is exactly what I need, I would buy it.",
        "Great value for money, I'm happy with it.",
        "It makes my life easier, I love it.",
        "Sounds very convincing, I'd recommend it to my friends.",
        "I'm excited about this, count me in.",
        "Nice, practical and well thought out.",
        "Bardzo mi się podoba, jest świetne.",
        "To jest dokładnie to, czego potrzebuję, kupiłabym to.",
        "Dobra cena za taką jakość, jestem zadowolony.",
        "To ułatwia mi życie, uwielbiam to.",
        "Brzmi przekonująco, poleciłbym to znajomym.",
        "Bardzo fajna sprawa, chętnie bym skorzystała.",
        "Praktyczne i dobrze przemyślane.",
    ),
    "neutral": (
        "It depends, I would have to see it first.",
        "I don't have a strong opinion about it.",
        "Maybe, I'm not sure yet.",
        "I use something similar from time to time.",
        "I usually do my shopping on weekends.",
        "I would compare it with other options first.",
        "It's fine, nothing special either way.",
        "To zależy, musiałbym to najpierw zobaczyć.",
        "Nie mam wyrobionego zdania na ten temat.",
        "Może, jeszcze nie wiem.",
        "Czasem używam czegoś podobnego.",
        "Zwykle robię zakupy w weekend.",
        "Najpierw porównałabym to z innymi ofertami.",
        "Jest w porządku, nic szczególnego.",
    ),
    "negative": (
        "I don't like it at all, it's a waste of money.",
        "It's too expensive and I don't trust it.",
        "This would annoy me, I wouldn't buy it.",
        "I'm disappointed, it doesn't work for me.",
        "That's a bad idea, I'm against it.",
        "I'm worried it will cause problems.",
        "Too complicated and pointless for me.",
        "W ogóle mi się nie podoba, szkoda pieniędzy.",
        "Za drogie i nie ufam temu.",
        "To by mnie irytowało, nie kupiłabym tego.",
        "Jestem rozczarowany, to się u mnie nie sprawdza.",
        "To zły pomysł, jestem przeciw.",
        "Martwię się, że będą z tym problemy.",
        "Za skomplikowane i bez sensu.",
    ),
}

# Stems matched at the start of a word (lower case). Polish stems are cut before
# the inflected ending; English ones cover the usual suffixes.
_POSITIVE = (
    # English
    "love",
    "like",
    "great",
    "excellent",
    "fantastic",
    "brilliant",
    "good",
    "happy",
    "happily",
    "convenient",
    "useful",
    "helpful",
    "recommend",
    "enjoy",
    "easy",
    "appeal",
    "excit",
    "worth",
    "fair",
    "perfect",
    "nice",
    "interest",
    "amazing",
    "wonderful",
    "thrill",
    "glad",
    "practical",
    "reliable",
    "trust",
    "save",
    "saving",
    "best",
    "impress",
    "plus",
    "attractive",
    "delight",
    # Polish
    "podoba",
    "podobał",
    "świetn",
    "dobr",
    "zadowol",
    "wygodn",
    "polec",
    "uwielbi",
    "super",
    "fajn",
    "ciekaw",
    "przydatn",
    "przekonuj",
    "lubi",
    "chętnie",
    "zachwyc",
    "warto",
    "praktyczn",
    "solidn",
    "nowoczesn",
    "ułatwi",
    "oszczędz",
    "plus",
    "idealn",
    "wspania",
    "rewelac",
    "sensown",
    "korzystn",
    "ufam",
    "atrakcyjn",
    "doskona",
    "cieszy",
    "spodoba",
    "najlepsz",
)
# "like" is an opinion only after a subject or auxiliary ("I like", "would
# like"), not as a preposition ("like ours", "apps like that").
_LIKE_SUBJECTS = frozenset(
    {"i", "we", "you", "they", "he", "she", "really", "would", "i'd", "we'd", "do"}
)
_NEGATIVE = (
    # English
    "hate",
    "dislike",
    "bad",
    "terrible",
    "awful",
    "expensive",
    "overpric",
    "disappoint",
    "annoy",
    "frustrat",
    "worr",
    "concern",
    "risk",
    "waste",
    "useless",
    "pointless",
    "gimmick",
    "problem",
    "crash",
    "doubt",
    "skeptic",
    "sceptic",
    "scam",
    "trap",
    "confus",
    "complicat",
    "cheap-looking",
    "poor",
    "broke",
    "break",
    "fail",
    "afraid",
    "fear",
    "hidden",
    "hide",
    "unfair",
    "rip-off",
    "against",
    "tired",
    "boring",
    "difficult",
    "suspicious",
    # Polish ("drog" alone would also match "droga", the road)
    "drogie",
    "drogo",
    "droższ",
    "drożej",
    "drożyzn",
    "zły",
    "zła",
    "złe",
    "źle",
    "fataln",
    "beznadziej",
    "rozczarow",
    "irytuj",
    "irytow",
    "denerwuj",
    "nienawidz",
    "obaw",
    "problem",
    "kłopot",
    "strat",
    "szkoda",
    "bezsens",
    "niepotrzebn",
    "bezużyteczn",
    "ryzyk",
    "wątpi",
    "martwi",
    "tandet",
    "skomplikowan",
    "boję",
    "boi",
    "zepsu",
    "ukryt",
    "oszust",
    "naciąg",
    "pułapk",
    "przeciw",
    "nudn",
    "podejrzan",
    "słab",
    "gorsz",
    "minus",
    "niestety",
    "przepłac",
)
_NEGATORS = frozenset(
    {
        "not", "no", "never", "don't", "dont", "doesn't", "didn't", "isn't",
        "wasn't", "won't", "wouldn't", "can't", "cannot", "hardly", "nothing",
        "nie", "nigdy", "ani", "bez", "żaden", "żadna", "żadne",
    }
)  # fmt: skip
_WORD = re.compile(r"[\w'’-]+", re.UNICODE)  # noqa: RUF001 (typographic apostrophe)
# Negation does not reach across a clause: "No, that's a waste" is negative.
_CLAUSE = re.compile(r"[.,;:!?()\n]+|\s[-–—]\s")  # noqa: RUF001 (dashes)


@dataclass(frozen=True)
class Sentiment:
    label: Label
    # Polarity from -1 (negative) to 1 (positive).
    score: float
    # Probability of the chosen label (0..1).
    confidence: float


def _matches(word: str, stems: Sequence[str]) -> bool:
    return any(word.startswith(stem) for stem in stems)


def _word_polarity(words: Sequence[str], i: int) -> int:
    word = words[i]
    if word == "like":
        before = words[i - 1] if i > 0 else ""
        return 1 if before in _LIKE_SUBJECTS or before in _NEGATORS else 0
    if _matches(word, _NEGATIVE):
        return -1
    if _matches(word, _POSITIVE):
        return 1
    return 0


def lexicon_polarity(text: str) -> tuple[float, int]:
    """(polarity in -1..1, number of opinion words found)."""
    positive = negative = 0
    for clause in _CLAUSE.split(text.lower()):
        words = [w.replace("’", "'") for w in _WORD.findall(clause)]  # noqa: RUF001
        for i in range(len(words)):
            polarity = _word_polarity(words, i)
            if polarity == 0:
                continue
            # A negator among the three words before flips it ("not really
            # good", "nie bardzo mi się podoba").
            if any(w in _NEGATORS for w in words[max(0, i - 3) : i]):
                polarity = -polarity
            if polarity > 0:
                positive += 1
            else:
                negative += 1
    hits = positive + negative
    if hits == 0:
        return 0.0, 0
    return (positive - negative) / hits, hits


def anchor_texts() -> tuple[list[str], list[int]]:
    """Anchor sentences and the index of each one's label in LABELS."""
    texts: list[str] = []
    labels: list[int] = []
    for index, label in enumerate(LABELS):
        texts.extend(ANCHORS[label])
        labels.extend([index] * len(ANCHORS[label]))
    return texts, labels


def classify(
    texts: Sequence[str],
    vectors: NDArray[np.float64],
    anchor_vectors: NDArray[np.float64],
    anchor_labels: Sequence[int],
) -> list[Sentiment]:
    """Sentiment of each text from its (unit) embedding and the anchors'."""
    import numpy as np

    if len(texts) == 0:
        return []
    similarity = vectors @ anchor_vectors.T  # texts x anchors
    labels = np.asarray(anchor_labels)
    class_scores = np.stack(
        [
            np.sort(similarity[:, labels == k], axis=1)[:, -3:].mean(axis=1)
            for k in range(len(LABELS))
        ],
        axis=1,
    )
    logits = class_scores / TEMPERATURE
    logits -= logits.max(axis=1, keepdims=True)
    probabilities = np.exp(logits)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    results: list[Sentiment] = []
    for text, (p_pos, p_neu, p_neg) in zip(texts, probabilities, strict=True):
        polarity = float(p_pos - p_neg)
        neutral = float(p_neu)
        lexical, hits = lexicon_polarity(text)
        if hits:
            weight = min(1.0, LEXICON_WEIGHT + 0.1 * (hits - 1))
            polarity = (1 - weight) * polarity + weight * lexical
            # Opinion words are evidence against "neutral".
            neutral *= 1 - weight
        if abs(polarity) < NEUTRAL_BAND or neutral > 0.5:
            label: Label = "neutral"
            confidence = max(neutral, 1 - abs(polarity))
        else:
            label = "positive" if polarity > 0 else "negative"
            confidence = (1 + abs(polarity)) / 2
        results.append(
            Sentiment(
                label=label,
                score=round(max(-1.0, min(1.0, polarity)), 4),
                confidence=round(min(1.0, confidence), 4),
            )
        )
    return results
