"""Prompts of persona generation: segment briefs and per-persona enrichment."""

from __future__ import annotations

import json
from typing import Any

from sight.llm.providers.offline import facts_block

PROMPT_VERSION = "personas-2026-11-28.1"

_LANGUAGE = {"pl": "Polish", "en": "English"}

SEGMENT_BRIEF_SYSTEM = (
    "You are a market research strategist. You describe consumer segments of a "
    "country's population factually, grounded in official statistics and, when "
    "given, in the project's documents. Never invent precise statistics."
)

ENRICH_SYSTEM = (
    "You write realistic, specific synthetic research participants (personas) for "
    "market research. Each persona must be internally consistent: occupation fits "
    "age and education, income fits occupation, the story fits the place they live. "
    "Avoid stereotypes and celebrity names; use names common in the country for the "
    "person's sex and generation. Write every text field in {language}."
)


def segment_brief_prompt(
    facts: dict[str, Any], research_goal: str, documents: list[dict[str, Any]]
) -> str:
    context = ""
    if documents:
        numbered = "\n".join(
            f"[{i + 1}] ({d['title']}, p. {d.get('page') or '?'}) {d['text']}"
            for i, d in enumerate(documents)
        )
        context = f"\nProject documents (cite as [n] when you use them):\n{numbered}\n"
    return (
        "Describe this consumer segment for the research below.\n"
        f"Segment: {json.dumps(facts['segment'], ensure_ascii=False)}\n"
        f"Country: {facts['country']}. Write in {_LANGUAGE[facts['language']]}.\n"
        f"Research goal: {research_goal or '(not given)'}\n"
        f"{context}{facts_block(facts)}"
    )


def enrich_system(language: str) -> str:
    return ENRICH_SYSTEM.format(language=_LANGUAGE[language])


def enrich_prompt(
    facts: dict[str, Any], brief: dict[str, Any], research_goal: str
) -> str:
    return (
        "Create one persona with exactly these demographics (do not change them):\n"
        f"{json.dumps(facts['person'], ensure_ascii=False, indent=1)}\n"
        f"Segment brief: {brief.get('summary', '')}\n"
        f"Research goal: {research_goal or '(not given)'}\n"
        "Big Five and Hofstede scores are 0-1. Needs are jobs-to-be-done in the "
        "person's own words.\n"
        f"{facts_block(facts)}"
    )


def repair_prompt(original: str, problems: list[str]) -> str:
    listed = "\n".join(f"- {p}" for p in problems)
    return (
        f"{original}\n\nA previous draft of this persona had these problems:\n"
        f"{listed}\n"
        "Write it again so that none of them applies."
    )
