"""Prompts of focus-group analysis: per-answer annotation and the AI summary.

The answers travel in a facts block (JSON): real models read it as context,
the offline engine reads it back to compose from the same material.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sight.analysis.inputs import AnswerRecord
from sight.llm.providers.offline import facts_block

PROMPT_VERSION = "analysis-2026-12-01.1"

_LANGUAGE = {"pl": "Polish", "en": "English"}

ANNOTATE_SYSTEM = (
    "You annotate answers from a market-research focus group. For every answer "
    "give its sentiment towards the topic discussed (positive, neutral or "
    "negative), a polarity score from -1 to 1, and 1-4 themes: short noun "
    "phrases in {language}. Use the same wording for the same idea across "
    "answers so themes can be counted. Return one item per answer, with its ref."
)

SUMMARY_SYSTEM = (
    "You are a senior qualitative researcher writing the analysis of a focus "
    "group for a client. Write everything in {language}. Be specific and "
    "grounded: every key insight must cite the answers that support it, with "
    "the response id and a quote copied EXACTLY, character for character, from "
    "that answer (a sentence or a phrase; never paraphrase, never join parts of "
    "different sentences). Do not invent numbers: the counts you are given are "
    "exact, use them as they are."
)


def annotate_system(language: str) -> str:
    return ANNOTATE_SYSTEM.format(language=_LANGUAGE.get(language, "English"))


def annotate_prompt(language: str, refs: Mapping[str, AnswerRecord]) -> str:
    facts = {
        "language": language,
        "answers": [
            {"ref": ref, "question": a.question, "text": a.text}
            for ref, a in refs.items()
        ],
    }
    return f"Annotate these {len(refs)} answers.\n{facts_block(facts)}"


def summary_system(language: str) -> str:
    return SUMMARY_SYSTEM.format(language=_LANGUAGE.get(language, "English"))


def summary_prompt(facts: dict[str, Any]) -> str:
    recommendations = (
        "Give 3-5 concrete, actionable recommendations."
        if facts["include_recommendations"]
        else "Leave recommendations empty."
    )
    return (
        f"Analyse the focus group '{facts['group']['name']}'.\n"
        "Write: an executive summary (one paragraph); 3 to 7 key insights, each "
        "typed opportunity, risk, trend or pattern, with a confidence from 0 to 1 "
        "and 1-3 supporting quotes (response_id + exact quote); surprising "
        "findings; notes on how demographic segments differ (use the segment "
        "statistics given); a paragraph on sentiment. "
        f"{recommendations}\n"
        "The facts below hold the questions, every answer with its id, speaker "
        "and segment, and exact statistics (sentiment, themes, segments).\n"
        f"{facts_block(facts)}"
    )
