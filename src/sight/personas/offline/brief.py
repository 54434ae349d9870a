"""The offline engine's segment brief: who the segment is, the research goal,
the occupations most common in it, and what concerns it."""

from __future__ import annotations

from typing import Any

from sight.demographics import load_census
from sight.demographics.occupations import load_occupations
from sight.llm.providers.offline import OfflineInput, offline_composer
from sight.personas.offline import texts
from sight.personas.offline.compose import by_age, research_themes, themed


def _values(value: Any, default: str) -> list[str]:
    """A segment's value, or a group of segments' list of values."""
    if isinstance(value, list) and value:
        return [str(v) for v in value]
    return [str(value)] if value else [default]


def _typical_age(country: str, segment: dict[str, Any]) -> int:
    """The middle of the segment's age brackets (media habits follow age)."""
    dimension = load_census(country).dimensions["age_group"]
    middles = []
    for key in _values(segment.get("age_group"), ""):
        if key not in dimension.category_keys:
            continue
        bracket = dimension.category(key).range
        if bracket is not None:
            middles.append((bracket.min + (bracket.max or 80)) // 2)
    return sum(middles) // len(middles) if middles else 40


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
    genders = _values(segment.get("gender"), "male")
    tiers = [
        _TIERS.get(t, _TIERS["middle"])
        for t in _values(segment.get("education_tier"), "middle")
    ]
    if len(set(genders)) > 1:
        people = "Kobiety i mężczyźni" if pl else "Women and men"
    elif genders[0] == "female":
        people = "Kobiety" if pl else "Women"
    else:
        people = "Mężczyźni" if pl else "Men"
    age_label = str(labels.get("age_group", segment.get("age_group", "")))
    themes = research_themes(facts)
    goal = str(facts.get("research", {}).get("goal", "")).strip()
    education_label = (" lub " if pl else " or ").join(
        tier[0] if pl else tier[1] for tier in tiers
    )
    summary = f"{people}, {age_label}, {education_label}."
    if goal:
        summary += f" Cel badania: {goal}" if pl else f" Research goal: {goal}"
        summary += "" if goal.endswith((".", "?", "!")) else "."
    summary += (
        " Opis przygotowany przez silnik offline na podstawie danych demograficznych."
        if pl
        else " Written by the offline engine from the demographic cell."
    )
    occupations: list[str] = []
    # The most common occupations of each sex and tier in the group, in turn.
    ranked_lists = []
    for gender in dict.fromkeys(genders):
        for tier in tiers:
            education = tier[2] if country == "pl" else _US_TIER_EDUCATION[tier[2]]
            ranked = sorted(
                load_occupations().weights(country, gender, education, 0.5, 40),
                key=lambda item: -item[1],
            )
            ranked_lists.append([o.label(language, gender, country) for o, _ in ranked])
    for position in range(3):
        for labels_ in ranked_lists:
            if position < len(labels_) and labels_[position] not in occupations:
                occupations.append(labels_[position])
    occupations = occupations[:3]
    return {
        "summary": summary,
        "typical_occupations": occupations,
        "concerns": themed(themes, language, "pains", rng, 3),
        "media": by_age(rng, texts.MEDIA[country], _typical_age(country, segment), 3),
    }
