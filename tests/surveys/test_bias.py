"""Bias guards a researcher sees: implausibly uniform answers, answers that
ignore a demographic the question is about, and position effects."""

from __future__ import annotations

import random
from typing import Any

from sight.surveys.bias import position_effect, question_guards
from sight.surveys.schemas import Question

PRICE = Question(
    id="p",
    type="single-choice",
    title="Would you pay 49 zł a month for it?",
    options=["Yes", "No", "Maybe"],
)


def people(answer: Any, n: int = 60, order: Any = None) -> list[dict[str, Any]]:
    rng = random.Random(3)
    return [
        {
            "answers": {"p": answer(i, rng)},
            "details": {"p": {"option_order": order(i, rng) if order else None}},
            "demographics": {
                "gender": ["male", "female"][i % 2],
                "age_group": ["age_18_24", "age_65_plus"][i // 2 % 2],
                "income_band": ["pln_under_1500", "pln_7500_plus"][i // 4 % 2],
            },
        }
        for i in range(n)
    ]


def test_nearly_everyone_choosing_one_option_is_flagged() -> None:
    sample = people(lambda i, _: "Yes" if i % 10 else "No")  # 90 % yes
    warnings = question_guards(PRICE, sample, varied=True)["warnings"]
    assert any("90%" in w and "Yes" in w for w in warnings)


def test_a_price_question_that_ignores_income_is_flagged() -> None:
    # The same mix of answers at every income: no relation at all.
    sample = people(lambda i, _: (PRICE.options or [])[i % 3])
    warnings = question_guards(PRICE, sample, varied=True)["warnings"]
    assert any("income_band" in w for w in warnings), warnings


def test_answers_that_follow_income_are_not_flagged() -> None:
    sample = people(lambda i, _: "Yes" if i // 4 % 2 else "No")
    warnings = question_guards(PRICE, sample, varied=True)["warnings"]
    assert not any("income_band" in w for w in warnings)


def test_choosing_whatever_is_shown_first_is_a_position_effect() -> None:
    def shuffled(i: int, rng: random.Random) -> list[str]:
        order = list(PRICE.options or [])
        random.Random(i).shuffle(order)
        return order

    first = people(lambda i, rng: shuffled(i, rng)[0], order=shuffled)
    effect = position_effect(PRICE, first)
    assert effect["flagged"] is True
    assert effect["first_share"] == 1.0
    fair = people(lambda _, rng: rng.choice(PRICE.options or []), order=shuffled)
    assert position_effect(PRICE, fair)["flagged"] is False
