"""What the offline engine says in focus groups and interviews.

A turn is assembled from the persona (generation, income, place, values, pains,
needs, habits, personality), the question (what kind it is, a word from it, a
price from the stimulus), what the persona said before (memory: it keeps its
stance) and, in discussions, whom it answers (agreement or disagreement follows
the two stances). Length follows the group's target words per turn, scaled by
extraversion. Deterministic per request; marked `offline-engine` everywhere.
"""

from __future__ import annotations

import random
import re
from typing import Any

from sight.focus_groups.phrases import INTENT_STEMS, PHRASES, PROBES, STOPWORDS
from sight.focus_groups.signals import stance, word_count
from sight.llm.providers.offline import OfflineInput, offline_composer

_GENDERED = re.compile(r"⟨([^|⟩]*)\|([^⟩]*)⟩")
_PRICE = re.compile(
    r"(\d+(?:[.,]\d+)?\s?(?:zł|złotych|pln|usd|eur|€|dollars?)|\$\s?\d+(?:[.,]\d+)?)",
    re.IGNORECASE,
)
_NOT_WORKING = {"emeryt", "emerytka", "retiree", "student", "studentka"}


def _gendered(text: str, gender: str) -> str:
    return _GENDERED.sub(lambda m: m.group(2 if gender == "female" else 1), text)


def _generation(age: int) -> str:
    return "young" if age < 30 else "middle" if age < 55 else "old"


def _article(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def intent_of(question: str) -> str:
    lowered = question.lower()
    for intent, stems in INTENT_STEMS.items():
        if any(stem in lowered for stem in stems):
            return intent
    return "opinion"


def keyword(question: str, language: str) -> str:
    words = [w for w in re.findall(r"[^\W\d_]+", question) if len(w) >= 5]
    content = [w for w in words if w.lower() not in STOPWORDS[language]]
    return max(content, key=len).lower() if content else ""


def price_in(*texts: str) -> str:
    for text in texts:
        found = _PRICE.search(text or "")
        if found:
            return found.group(1)
    return ""


def _first_clause(text: str, words: int = 12) -> str:
    clause = re.split(r"[.!?;—]", text.strip(), maxsplit=1)[0]
    return " ".join(clause.split()[:words]).rstrip(",:").lower()


def persona_stance(facts: dict[str, Any], rng: random.Random) -> float:
    """Where this person stands on this question, -1 .. 1.

    Openness and income pull towards trying something new; anxiety, age and a
    tight budget pull away; adversarial groups lean critical. Memory wins
    over mood: a persona that already took a side keeps it.
    """
    persona = facts.get("persona", {})
    traits = persona.get("profile", {}).get("big_five", {}) or {}
    openness = float(traits.get("openness", 0.5))
    neuroticism = float(traits.get("neuroticism", 0.5))
    income = float(facts.get("income_rank", 0.5))
    age = int(persona.get("age", 40))
    score = (
        0.9 * (openness - 0.5)
        + 0.7 * (income - 0.5)
        - 0.5 * (neuroticism - 0.5)
        - 0.012 * (age - 40)
        + rng.gauss(0, 0.35)
    )
    if intent_of(str(facts.get("question", ""))) == "price":
        score += 0.6 * (income - 0.5)
    if facts.get("mode") == "adversarial":
        score -= 0.35
    remembered = [stance(str(m.get("text", ""))) for m in facts.get("memory", [])]
    if remembered:
        score = 0.4 * score + 0.6 * (sum(remembered) / len(remembered))
    return max(-1.0, min(1.0, score))


def _label(score: float) -> str:
    return "positive" if score > 0.2 else "negative" if score < -0.2 else "mixed"


class _Writer:
    def __init__(self, facts: dict[str, Any], rng: random.Random) -> None:
        self.facts = facts
        self.rng = rng
        self.language = "pl" if facts.get("language") == "pl" else "en"
        self.bank = PHRASES[self.language]
        persona = facts.get("persona", {})
        self.gender = str(persona.get("gender", "female"))
        profile = persona.get("profile", {}) or {}
        job = str(persona.get("occupation", ""))
        stimulus = facts.get("stimulus") or {}
        self.slots: dict[str, str] = {
            "kw": keyword(str(facts.get("question", "")), self.language),
            "price": price_in(
                str(facts.get("question", "")), str(stimulus.get("content", ""))
            ),
            "value": self._one(profile.get("values")),
            "pain": self._one(profile.get("pain_points")),
            "need": self._one(profile.get("needs")),
            "habit": self._one(profile.get("shopping_habits")),
            "job": "" if job.lower() in _NOT_WORKING else job,
            "job_a": "" if job.lower() in _NOT_WORKING or not job else _article(job),
        }

    def _one(self, options: Any) -> str:
        items = [str(o) for o in options or [] if str(o).strip()]
        return self.rng.choice(items).strip().rstrip(".") if items else ""

    def pick(self, group: str, key: str, **extra: str) -> str | None:
        options = self.bank.get(group, {}).get(key) or self.bank.get(group, {}).get(
            "any", []
        )
        slots = {**self.slots, **extra}
        usable = [
            o for o in options if all(slots.get(n) for n in re.findall(r"{(\w+)}", o))
        ]
        if not usable:
            return None
        text = _gendered(self.rng.choice(usable), self.gender).format(**slots)
        return text[:1].upper() + text[1:]


def compose_turn(facts: dict[str, Any], rng: random.Random) -> str:
    writer = _Writer(facts, rng)
    persona = facts.get("persona", {})
    traits = persona.get("profile", {}).get("big_five", {}) or {}
    age = int(persona.get("age", 40))
    score = persona_stance(facts, rng)
    label = _label(score)
    intent = intent_of(str(facts.get("question", "")))
    target = int(facts.get("turn_words", 50))
    extraversion = float(traits.get("extraversion", 0.5))
    goal = max(8, round(target * (0.45 + extraversion) * rng.lognormvariate(0, 0.25)))

    first: list[str | None] = []
    reply_to = facts.get("reply_to")
    if facts.get("probe"):
        first.append(writer.pick("probe", "any"))
    elif reply_to and reply_to.get("name"):
        name = str(reply_to["name"]).split()[0]
        theirs = stance(str(reply_to.get("text", "")))
        same_side = (theirs > 0) == (score > 0) or abs(theirs - score) < 0.5
        first.append(
            writer.pick("agree" if same_side else "disagree", "any", name=name)
        )
    elif rng.random() < 0.9:
        first.append(writer.pick("opener", _generation(age)))
    first.append(writer.pick(label, intent) or writer.pick(label, "opinion"))

    income = float(facts.get("income_rank", 0.5))
    band = "low" if income < 0.34 else "high" if income > 0.66 else "mid"
    # A generation's own words and money come first: they make the voice.
    voice: list[str | None] = [
        writer.pick("voice", _generation(age)),
        writer.pick("income", band),
        writer.pick("voice", _generation(age)),
    ]
    pool: list[str | None] = [
        writer.pick("reason", key) for key in ("value", "pain", "need", "habit", "job")
    ]
    pool += [
        writer.pick("place", str(persona.get("urban_rural", "urban"))),
        writer.pick("condition", "any") if label != "positive" else None,
    ]
    rng.shuffle(pool)
    pool = [voice[0], pool[0], voice[1], *pool[1:3], voice[2], *pool[3:]]
    memory = facts.get("memory") or []
    if memory and not facts.get("probe") and rng.random() < 0.6:
        recalled = _first_clause(str(memory[0].get("text", "")))
        if recalled:
            pool.insert(0, writer.pick("memory", "any", memory=recalled))

    sentences = _joined([s for s in first if s])
    for sentence in pool:
        if sentence is None or sentence in sentences:
            continue
        if word_count(" ".join(sentences)) >= goal:
            break
        sentences.append(sentence)
    if rng.random() < 0.3:
        sentences.append(writer.pick("closer", "any") or "")
    return " ".join(s for s in sentences if s)


def _joined(sentences: list[str]) -> list[str]:
    """An opener ending in ',', ':' or 'so' runs into the next sentence."""
    if len(sentences) >= 2 and re.search(r"([,:—]|\bso|więc)$", sentences[0]):
        rest = sentences[1]
        if not rest.startswith(("I ", "I'")):
            rest = rest[:1].lower() + rest[1:]
        return [f"{sentences[0]} {rest}", *sentences[2:]]
    return sentences


@offline_composer("focus_groups.answer")
def answer(request: OfflineInput) -> str:
    return compose_turn(request.facts, request.rng)


@offline_composer("focus_groups.moderate")
def probe(request: OfflineInput) -> str:
    facts = request.facts
    language = "pl" if facts.get("language") == "pl" else "en"
    reason = str(facts.get("reason", "always"))
    names = ", ".join(str(n).split()[0] for n in facts.get("addressed", [])[:4])
    template = request.rng.choice(
        PROBES[language].get(reason, PROBES[language]["always"])
    )
    return template.format(
        names=names or ("Państwo" if language == "pl" else "Everyone")
    )


@offline_composer("personas.interview")
def interview(request: OfflineInput) -> str:
    facts = dict(request.facts)
    facts["question"] = str(facts.get("message", ""))
    facts.setdefault("turn_words", 45)
    return compose_turn(facts, request.rng)
