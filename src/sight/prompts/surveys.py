"""Prompts of surveys: one call per respondent answers the whole questionnaire;
a repair call re-asks only the questions whose answers failed validation.

The questions are shown in order with each respondent's own option order (the
shuffle is a bias guard). Rating questions in two-pass mode are answered in the
persona's own words; the words are mapped to the scale afterwards.
"""

from __future__ import annotations

import json
from typing import Any

from sight.llm.providers.offline import facts_block

PROMPT_VERSION = "surveys-2026-12-01.1"

_LANGUAGE = {"pl": "Polish", "en": "English"}

SYSTEM = (
    "You are taking part in a market research survey as the person described "
    "below. Answer every question as this person would, from their age, income, "
    "education, place and way of life, not as an assistant: people differ, have "
    "limited budgets and are sometimes indifferent or negative. Write every text "
    "answer in {language}, in the first person, in one to three sentences. Reply "
    "with only the JSON object asked for."
)


def answer_system(language: str) -> str:
    return SYSTEM.format(language=_LANGUAGE.get(language, "English"))


def _persona_lines(persona: dict[str, Any]) -> str:
    keys = (
        "name",
        "age",
        "gender",
        "location",
        "urban_rural",
        "education",
        "income",
        "occupation",
        "values",
        "story",
    )
    return "\n".join(f"- {k}: {persona[k]}" for k in keys if persona.get(k))


def _question_lines(question: dict[str, Any]) -> str:
    kind = question["type"]
    head = f"[{question['id']}] ({kind}) {question['title']}"
    if question.get("description"):
        head += f"\n  {question['description']}"
    lines = [head]
    if question.get("show_if"):
        lines.append(
            f"  Only if {question['show_if']}; otherwise answer null for this one."
        )
    options = question.get("options") or []
    if kind == "single-choice":
        lines.append("  Choose exactly one option, copied exactly:")
    elif kind == "multiple-choice":
        most = question.get("max_choices")
        lines.append(
            "  Choose every option that applies"
            + (f" (at most {most})" if most else "")
            + ", copied exactly:"
        )
    elif kind == "ranking":
        lines.append(
            "  Order ALL options from most to least preferred, copied exactly:"
        )
    lines.extend(f"  - {option}" for option in options)
    if kind == "rating-scale":
        low, high = question["scale_min"], question["scale_max"]
        labels = ""
        if question.get("scale_min_label") or question.get("scale_max_label"):
            labels = (
                f" ({low} = {question.get('scale_min_label') or '-'}, "
                f"{high} = {question.get('scale_max_label') or '-'})"
            )
        if question.get("mode") == "words":
            lines.append(
                f"  Scale {low}-{high}{labels}. Do NOT give a number: say in your "
                "own words how you feel about it and why."
            )
        else:
            lines.append(f"  A whole number from {low} to {high}{labels}.")
    if kind == "numeric":
        unit = f" {question['unit']}" if question.get("unit") else ""
        lines.append(
            f"  A number from {question['min']:g} to {question['max']:g}{unit}."
        )
    if kind == "open-text":
        lines.append("  Answer in your own words.")
    return "\n".join(lines)


def questionnaire_prompt(facts: dict[str, Any]) -> str:
    """`facts`: {"language", "persona": {...}, "questions": [shown questions]}."""
    questions = "\n\n".join(_question_lines(q) for q in facts["questions"])
    return (
        "You are this person:\n"
        f"{_persona_lines(facts['persona'])}\n\n"
        f"Survey: {facts.get('survey_title', '')}\n"
        f"{facts.get('survey_description', '')}\n\n"
        "Answer the questions in order; the JSON keys are the question ids in "
        f"brackets.\n\n{questions}\n\n{facts_block(facts)}"
    )


def repair_prompt(facts: dict[str, Any], previous: dict[str, Any]) -> str:
    """Re-ask only the failing questions, saying what was wrong with each."""
    problems = "\n".join(
        f"- [{q['id']}] your answer "
        f"{json.dumps(previous.get(q['id']), ensure_ascii=False)}"
        f" was not usable: {q['problem']}"
        for q in facts["questions"]
    )
    return (
        f"{questionnaire_prompt(facts)}\n\n"
        f"Some earlier answers could not be used:\n{problems}\n"
        "Answer only these questions again, following the instructions exactly."
    )
