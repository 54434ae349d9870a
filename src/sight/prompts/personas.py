"""Prompts of persona generation: segment briefs and per-persona enrichment."""

from __future__ import annotations

import json
import re
from typing import Any

from sight.llm.providers.offline import FACTS_END, FACTS_MARKER, facts_block

PROMPT_VERSION = "personas-2026-12-01.1"

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
        f"{context}{facts_block(_with_research(facts, research_goal))}"
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
        "person's own words, and needs, pain points and the quote are about the "
        "research goal. In Polish, the occupation is in the person's grammatical "
        "gender (nauczycielka, emerytka), numerals agree with their noun (32 lata, "
        "25 lat), and lists are written as prose.\n"
        f"{facts_block(_with_research(facts, research_goal))}"
    )


def _with_research(facts: dict[str, Any], research_goal: str) -> dict[str, Any]:
    """The research goal travels in the facts too, so the offline engine can
    write needs, pain points and quotes about it."""
    research = {**facts.get("research", {}), "goal": research_goal}
    return {**facts, "research": research}


_TOO_COMMON = re.compile(r"occupation '([^']+)' is already")


def repair_prompt(
    original: str,
    problems: list[str],
    avoid_occupations: list[str] | None = None,
    *,
    attempt: int = 1,
) -> str:
    """The original request plus what was wrong. The problems also go into the
    facts block, so the offline engine can act on them (e.g. pick another
    occupation than one already too common in the sample)."""
    listed = "\n".join(f"- {p}" for p in problems)
    if avoid_occupations is None:
        avoid_occupations = [
            m.group(1) for p in problems if (m := _TOO_COMMON.search(p)) is not None
        ]
    start, end = original.find(FACTS_MARKER), original.find(FACTS_END)
    if start >= 0 and end > start:
        try:
            facts = json.loads(original[start + len(FACTS_MARKER) : end])
        except json.JSONDecodeError:
            facts = None
        if isinstance(facts, dict):
            facts["repair_problems"] = problems
            # a second repair with the same problems must not be the same request
            # (the offline engine and the response cache would repeat the draft)
            facts["repair_attempt"] = attempt
            if avoid_occupations:
                facts["avoid_occupations"] = avoid_occupations
            original = (
                original[:start] + facts_block(facts) + original[end + len(FACTS_END) :]
            )
    return (
        f"{original}\n\nA previous draft of this persona had these problems:\n"
        f"{listed}\n"
        "Write it again so that none of them applies."
    )
