"""The offline engine's segment brief: who the segment is, the research goal,
the occupations most common in it, and what concerns it."""

from __future__ import annotations

from typing import Any

from sight.demographics import load_census
from sight.demographics.occupations import load_occupations
from sight.llm.providers.offline import OfflineInput, offline_composer
from sight.personas.offline import texts
from sight.personas.offline.compose import by_age, research_themes, themed


def _typical_age(country: str, segment: dict[str, Any]) -> int:
    """The middle of the segment's age bracket (media habits follow age)."""
    dimension = load_census(country).dimensions["age_group"]
    key = str(segment.get("age_group", ""))
    if key not in dimension.category_keys:
        return 40
    bracket = dimension.category(key).range
    return 40 if bracket is None else (bracket.min + (bracket.max or 80)) // 2


_TIERS = {
    "higher": ("wykształcenie wyższe", "higher education", "tertiary"),
    "middle": ("wykształcenie średnie", "secondary education", "secondary"),
    "basic": (
        "wykształcenie podstawowe lub zawodowe",
        "basic or vocational education",
        "basic_vocational",
    ),
}
_US_TIER_EDUCATION = {
    "tertiary": "bachelors",
    "secondary": "high_school",
    "basic_vocational": "less_than_high_school",
}


@offline_composer("personas.segment_brief")
def compose_brief(request: OfflineInput) -> dict[str, Any]:
    facts = request.facts
    segment = facts.get("segment", {})
    language = str(facts.get("language", "en"))
    country = str(facts.get("country", "us"))
    pl = language == "pl"
    rng = request.rng
    labels = segment.get("labels", {})
    female = segment.get("gender") == "female"
    tier = _TIERS.get(str(segment.get("education_tier", "middle")), _TIERS["middle"])
    people = (
        ("Kobiety" if female else "Mężczyźni") if pl else ("Women" if female else "Men")
    )
    age_label = str(labels.get("age_group", segment.get("age_group", "")))
    themes = research_themes(facts)
    goal = str(facts.get("research", {}).get("goal", "")).strip()
    summary = f"{people}, {age_label}, {tier[0] if pl else tier[1]}."
    if goal:
        summary += f" Cel badania: {goal}" if pl else f" Research goal: {goal}"
        summary += "" if goal.endswith((".", "?", "!")) else "."
    summary += (
        " Opis przygotowany przez silnik offline na podstawie danych demograficznych."
        if pl
        else " Written by the offline engine from the demographic cell."
    )
    education = tier[2] if country == "pl" else _US_TIER_EDUCATION[tier[2]]
    gender = "female" if female else "male"
    ranked = sorted(
        load_occupations().weights(country, gender, education, 0.5, 40),
        key=lambda item: -item[1],
    )
    occupations = [o.label(language, gender, country) for o, _ in ranked[:3]]
    return {
        "summary": summary,
        "typical_occupations": occupations,
        "concerns": themed(themes, language, "pains", rng, 3),
        "media": by_age(rng, texts.MEDIA[country], _typical_age(country, segment), 3),
    }
