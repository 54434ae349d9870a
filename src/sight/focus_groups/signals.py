"""Cheap, local reads of answer text: stance, vagueness, divergence.

They decide whether the moderator probes (no model call is spent on the
decision itself) and let the offline engine keep a persona consistent with
what it said. A lexicon of stems in Polish and English: coarse, but it reads
any provider's text the same way, and costs microseconds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_POSITIVE = (
    "podoba",
    "dobr",
    "super",
    "świetn",
    "chętn",
    "tak,",
    "jestem na tak",
    "uczciw",
    "sensown",
    "spoko",
    "skorzyst",
    "zapłaciłb",
    "warto",
    "polec",
    "like",
    "love",
    "great",
    "good",
    "fair",
    "yes",
    "sign up",
    "i'd use",
    "worth",
    "makes sense",
    "i'm for",
    "for it",
    "recommend",
    "happy",
)
_NEGATIVE = (
    "nie przekonuje",
    "sceptycz",
    "za drogo",
    "drogie",
    "odstrasza",
    "nie skorzyst",
    "odpuści",
    "wątpliw",
    "nie widzę",
    "nie zgodzę",
    "słab",
    "nie lubię",
    "bez sensu",
    "nie ",
    "doesn't convince",
    "skeptic",
    "too much",
    "expensive",
    "puts me off",
    "pass on",
    "doubt",
    "don't see",
    "not there",
    "wouldn't",
    "don't like",
    "hate",
    "no,",
    "waste",
    "not worth",
)
_VAGUE = (
    "nie wiem",
    "trudno powiedzieć",
    "zależy",
    "może",
    "różnie",
    "nie mam zdania",
    "don't know",
    "hard to say",
    "depends",
    "maybe",
    "not sure",
    "it varies",
    "no idea",
)
_WORD = re.compile(r"\w+", re.UNICODE)


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def stance(text: str) -> float:
    """-1 (against) .. 1 (for), 0 when the text gives no sign either way."""
    lowered = f" {text.lower()} "
    pos = sum(lowered.count(s) for s in _POSITIVE)
    neg = sum(lowered.count(s) for s in _NEGATIVE)
    if pos + neg == 0:
        return 0.0
    return (pos - neg) / (pos + neg)


def is_vague(text: str) -> bool:
    lowered = text.lower()
    hedges = sum(lowered.count(h) for h in _VAGUE)
    return word_count(text) < 12 or (hedges >= 2 and abs(stance(text)) < 0.3)


def divergent(texts: Sequence[str]) -> bool:
    """True when clear supporters and clear opponents both make up a fifth."""
    if len(texts) < 2:
        return False
    stances = [stance(t) for t in texts]
    pro = sum(1 for s in stances if s >= 0.34)
    con = sum(1 for s in stances if s <= -0.34)
    return min(pro, con) >= max(1, len(texts) // 5)
