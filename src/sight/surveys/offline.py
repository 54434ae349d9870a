"""What the offline engine answers in surveys (`surveys.answer`, `surveys.repair`).

Answers depend on the persona and the question, plausibly and reproducibly:
each question gets a latent *propensity* per persona, built from the persona's
traits (age, income, education, place, sex, personality) weighted by what the
question is about (price, technology, ecology, health, convenience, quality,
tradition, ...), plus question-specific effects seeded by the question text (so
two questions differ) and a persona-level seeded noise (so two similar people
differ too). Ratings and numbers follow the propensity; options are chosen by
their own cues (a cheap option appeals to tight budgets, an app to the young),
their overall popularity (seeded per option) and, for ordered lists
(never ... always, yes/no, price bands), the propensity. Open text is composed
from varied sentence parts in Polish or English that say why, from the
persona's own situation. Everything is marked `offline-engine` by the gateway.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from typing import Any

from sight.llm.providers.offline import OfflineInput, offline_composer

# ---- what a question is about ---------------------------------------------------

_TOPICS: dict[str, str] = {
    "price": r"pric|cost|afford|expens|cheap|pay|spend|budget|discount|promo|"
    r"cen[aeyi]|koszt|drog|tani|zapłac|płac|wyda|budżet|zniżk|promocj|złot",
    "tech": r"app|online|internet|smartphone|digital|website|stream|ai\b|"
    r"aplikac|smartfon|cyfrow|stron|sieci|technolog",
    "eco": r"eco|green|sustainab|environment|recycl|plastic|climate|organic|"
    r"ekolog|środowisk|recykl|plastik|klimat|bio\b|zrównoważ",
    "health": r"health|diet|sport|fitness|sugar|calor|doctor|"
    r"zdrow|diet|sport|cukier|kalor|lekarz",
    "convenience": r"convenien|fast|quick|time|deliver|subscri|easy|"
    r"wygod|szybk|czas|dostaw|subskryp|abonam|łatw",
    "quality": r"quality|premium|brand|luxur|craft|"
    r"jakoś|marka|mark[iy]|luksus|rzemieśl",
    "tradition": r"tradition|local|family|home|classic|"
    r"tradycj|lokaln|rodzin|dom|klasycz",
    "new": r"\bnew\b|try|innovat|novel|change|switch|"
    r"nowy|nowe|now[aą]|spróbow|innowac|zmian",
}
_TOPIC_RE = {
    name: re.compile(pattern, re.IGNORECASE) for name, pattern in _TOPICS.items()
}

# How each trait (centred, -0.5..0.5) moves the propensity for a topic.
_WEIGHTS: dict[str, dict[str, float]] = {
    "price": {"income": 1.6, "education": 0.3},
    "tech": {"age": -1.8, "education": 0.6, "openness": 0.8, "urban": 0.4},
    "eco": {"age": -0.6, "education": 1.0, "female": 0.5, "openness": 0.6},
    "health": {"age": 0.8, "conscientiousness": 0.9, "female": 0.4, "education": 0.5},
    "convenience": {"urban": 0.9, "income": 0.7, "age": -0.6},
    "quality": {"income": 1.4, "education": 0.6},
    "tradition": {"age": 1.4, "urban": -0.8, "openness": -0.6},
    "new": {"openness": 1.2, "age": -0.9, "neuroticism": -0.5},
    "general": {"agreeableness": 0.6, "neuroticism": -0.5, "extraversion": 0.3},
}
_IMPORTANCE = re.compile(r"important|matter|concern|worr|ważn|istotn|martwi|obaw", re.I)
_POSITIVE = re.compile(
    r"^(yes|tak)\b|definitely|very likely|always|often|daily|every day|"
    r"strongly agree|zdecydowanie tak|bardzo|zawsze|często|codziennie|chętnie",
    re.IGNORECASE,
)
_NEGATIVE = re.compile(
    r"^(no|nie)\b|never|not at all|unlikely|rarely|strongly disagree|"
    r"nigdy|wcale|rzadko|zdecydowanie nie|raczej nie|mało",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def _stable(*parts: str) -> random.Random:
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))  # noqa: S311


def _topics(text: str) -> list[str]:
    found = [name for name, pattern in _TOPIC_RE.items() if pattern.search(text)]
    return found or ["general"]


def _traits(persona: dict[str, Any]) -> dict[str, float]:
    raw = persona.get("traits") or {}
    big_five = raw.get("big_five") or {}
    traits = {
        "age": float(raw.get("age", 0.5)),
        "income": float(raw.get("income", 0.5)),
        "education": float(raw.get("education", 0.5)),
        "urban": float(raw.get("urban", 0.5)),
        "female": float(raw.get("female", 0.5)),
    }
    for name in ("openness", "conscientiousness", "extraversion", "agreeableness"):
        traits[name] = float(big_five.get(name, 0.5))
    traits["neuroticism"] = float(big_five.get("neuroticism", 0.5))
    return {k: min(1.0, max(0.0, v)) - 0.5 for k, v in traits.items()}


def _affinity(text: str, traits: dict[str, float], *, option: bool = False) -> float:
    """How much a text (a question or an option) appeals to this persona.

    A question about price asks about willingness to pay (rises with income);
    an option about price ("cheapest", "discount") appeals to tight budgets.
    """
    score = 0.0
    for topic in _topics(text):
        sign = -1.0 if option and topic == "price" else 1.0
        for trait, weight in _WEIGHTS[topic].items():
            score += sign * weight * traits[trait]
    return score


def _propensity(
    question: dict[str, Any], traits: dict[str, float], rng: random.Random
) -> float:
    text = f"{question['title']} {question.get('description') or ''}"
    score = 1.5 * _affinity(text, traits)
    if "price" in _topics(text) and _IMPORTANCE.search(text):
        score -= (
            2 * 1.5 * 1.6 * traits["income"]
        )  # price matters more when money is tight
    # Question-specific slopes: every question weighs people a little differently.
    own = _stable("slopes", question["title"])
    for trait in traits:
        score += own.gauss(0, 0.25) * traits[trait]
    score += own.gauss(0, 0.3)  # some things are liked more than others overall
    return score + rng.gauss(0, 0.45)


def _polarity(option: str) -> float:
    if _NEGATIVE.search(option):
        return -1.0
    if _POSITIVE.search(option):
        return 1.0
    return 0.0


def _option_axis(options: list[str]) -> list[float] | None:
    """A position from -1 to 1 for ordered option lists, None for nominal ones."""
    polar = [_polarity(o) for o in options]
    if any(polar):
        return polar
    numbers = [_NUMBER.search(o) for o in options]
    if all(numbers):
        values = [float(m.group().replace(",", ".")) for m in numbers if m]
        low, high = min(values), max(values)
        if high > low:
            return [2 * (v - low) / (high - low) - 1 for v in values]
    return None


class _Rng(random.Random):
    def gumbel_noise(self) -> float:
        return -math.log(-math.log(max(1e-12, self.random())))


def _utilities(
    question: dict[str, Any],
    traits: dict[str, float],
    propensity: float,
    rng: _Rng,
) -> dict[str, float]:
    options: list[str] = question["options"] or []
    axis = _option_axis(sorted(options))
    axis_of = dict(zip(sorted(options), axis, strict=True)) if axis else {}
    utilities = {}
    for option in options:
        popularity = _stable("popularity", question["title"], option).gauss(0, 0.6)
        value = (
            popularity
            + 1.2 * _affinity(option, traits, option=True)
            + rng.gumbel_noise()
        )
        if axis_of:
            value += 1.4 * propensity * axis_of[option]
        utilities[option] = value
    return utilities


def _rating(question: dict[str, Any], propensity: float) -> int:
    low, high = int(question["scale_min"]), int(question["scale_max"])
    middle, half = (low + high) / 2, (high - low) / 2
    value = middle + half * math.tanh(0.9 * propensity)
    return int(min(high, max(low, round(value))))


def _numeric(question: dict[str, Any], propensity: float) -> float:
    low, high = float(question["min"]), float(question["max"])
    share = 1 / (1 + math.exp(-1.3 * propensity))
    # Quantities people name are skewed towards the lower part of a range.
    value = low + (high - low) * float(share**1.3)
    span = high - low
    step = 10.0 if span >= 500 else 5.0 if span >= 100 else 1.0 if span >= 10 else 0.1
    return round(min(high, max(low, round(value / step) * step)), 2)


def _shown(
    question: dict[str, Any], answers: dict[str, Any], types: dict[str, str]
) -> bool:
    rule = question.get("show_if_rule")
    if not rule:
        return True
    value = answers.get(rule["question_id"])
    if value is None:
        return False
    if rule.get("any_of") is not None:
        values = value if isinstance(value, list) else [value]
        if types.get(rule["question_id"]) == "ranking":
            values = values[:1]
        wanted = {str(v).casefold() for v in rule["any_of"]}
        if not any(str(v).casefold() in wanted for v in values):
            return False
    if isinstance(value, int | float):
        if rule.get("min") is not None and value < rule["min"]:
            return False
        if rule.get("max") is not None and value > rule["max"]:
            return False
    return True


def compose_answers(facts: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    from sight.surveys.offline_text import open_text, rating_words

    persona = facts.get("persona") or {}
    language = facts.get("language", "en")
    traits = _traits(persona)
    own = _Rng(rng.getrandbits(64))
    answers: dict[str, Any] = {}
    types = {q["id"]: q["type"] for q in facts.get("questions", [])}
    for question in facts.get("questions", []):
        if not _shown(question, answers, types):
            answers[question["id"]] = None
            continue
        propensity = _propensity(question, traits, own)
        kind = question["type"]
        options = question.get("options") or []
        if kind in ("single-choice", "multiple-choice", "ranking"):
            utilities = _utilities(question, traits, propensity, own)
            ranked = sorted(options, key=lambda o: -utilities[o])
            if kind == "single-choice":
                answers[question["id"]] = ranked[0]
            elif kind == "ranking":
                answers[question["id"]] = ranked
            else:
                # Outgoing, open people tick more boxes.
                picks = 1 + sum(
                    1
                    for o in ranked[1:]
                    if utilities[o] > 0.9 - 0.6 * traits["extraversion"]
                )
                most = question.get("max_choices") or len(options)
                answers[question["id"]] = ranked[: max(1, min(picks, most))]
        elif kind == "rating-scale":
            value = _rating(question, propensity)
            if question.get("mode") == "words":
                level = (value - question["scale_min"]) / (
                    question["scale_max"] - question["scale_min"]
                )
                answers[question["id"]] = rating_words(
                    question, persona, traits, level, language, own
                )
            else:
                answers[question["id"]] = value
        elif kind == "numeric":
            answers[question["id"]] = _numeric(question, propensity)
        else:
            answers[question["id"]] = open_text(
                question, persona, traits, propensity, language, own
            )
    return answers


@offline_composer("surveys.answer")
def answer(offline: OfflineInput) -> dict[str, Any]:
    return compose_answers(offline.facts, offline.rng)


@offline_composer("surveys.repair")
def repair(offline: OfflineInput) -> dict[str, Any]:
    return compose_answers(offline.facts, offline.rng)
