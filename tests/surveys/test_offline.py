"""The offline engine's answers depend on who answers and on the question,
plausibly and reproducibly; open text reads as Polish or English."""

from __future__ import annotations

import random
import statistics
from typing import Any

from sight.surveys.offline import compose_answers
from sight.surveys.questionnaire import shown_questions
from sight.surveys.schemas import Question

QUESTIONS = [
    Question(
        id="pay",
        type="numeric",
        title="How much would you pay per month?",
        min=0,
        max=200,
    ),
    Question(
        id="app",
        type="rating-scale",
        title="How likely are you to order through a smartphone app?",
        scale_min=1,
        scale_max=5,
    ),
    Question(
        id="shop",
        type="single-choice",
        title="Where do you usually shop?",
        options=["Discount store", "Premium delicatessen", "Local market"],
    ),
    Question(id="why", type="open-text", title="Why?"),
]


def persona(age: int, income: float, index: int) -> dict[str, Any]:
    return {
        "name": f"P{index}",
        "age": age,
        "occupation": "kierowca",
        "traits": {
            "age": (age - 18) / 62,
            "income": income,
            "education": random.Random(index).random(),
            "urban": index % 2,
            "female": (index // 2) % 2,
        },
    }


def answer(p: dict[str, Any], index: int, language: str = "en") -> dict[str, Any]:
    views = shown_questions(
        QUESTIONS, random.Random(index), shuffle=True, rating_words=False
    )
    facts = {"language": language, "persona": p, "questions": views}
    return compose_answers(facts, random.Random(1000 + index))


def test_answers_follow_income_and_age() -> None:
    rich = [answer(persona(40, 0.9, i), i) for i in range(60)]
    poor = [answer(persona(40, 0.1, i), i) for i in range(60, 120)]
    assert (
        statistics.mean(a["pay"] for a in rich)
        > statistics.mean(a["pay"] for a in poor) + 15
    )
    assert sum(a["shop"] == "Discount store" for a in poor) > sum(
        a["shop"] == "Discount store" for a in rich
    )
    young = [answer(persona(22, 0.5, i), i) for i in range(120, 180)]
    old = [answer(persona(75, 0.5, i), i) for i in range(180, 240)]
    assert (
        statistics.mean(a["app"] for a in young)
        > statistics.mean(a["app"] for a in old) + 0.8
    )


def test_answers_vary_and_are_reproducible() -> None:
    people = [answer(persona(20 + i, (i % 10) / 10, i), i) for i in range(50)]
    assert len({a["app"] for a in people}) >= 3  # not one value for everybody
    assert len({a["shop"] for a in people}) == 3
    texts = [a["why"] for a in people]
    assert len(set(texts)) >= 45  # not one template
    assert answer(persona(30, 0.5, 7), 7) == answer(persona(30, 0.5, 7), 7)


def test_open_text_in_polish_and_english() -> None:
    polish = " ".join(
        answer(persona(30 + i, 0.3, i), i, "pl")["why"] for i in range(20)
    )
    english = " ".join(
        answer(persona(30 + i, 0.3, i), i, "en")["why"] for i in range(20)
    )
    assert sum(w in polish.split() for w in ("mnie", "nie", "się", "to", "jest")) >= 3
    assert sum(w in english.split() for w in ("I", "me", "is", "the", "to")) >= 3
    assert "ę" in polish or "ą" in polish or "ś" in polish
