from __future__ import annotations

from typing import Any

from sight.personas.schemas import EnrichedPersona
from sight.personas.validation import DuplicateGuard, PersonaFacts, check_rules


def persona(**overrides: Any) -> EnrichedPersona:
    base: dict[str, Any] = {
        "full_name": "Anna Nowak",
        "occupation": "księgowa",
        "background_story": "Anna pracuje w biurze rachunkowym w Poznaniu od dziesięciu lat.",
        "values": ["rodzina", "zdrowie", "uczciwość"],
        "interests": ["gotowanie", "bieganie", "książki"],
        "big_five": dict.fromkeys(
            (
                "openness",
                "conscientiousness",
                "extraversion",
                "agreeableness",
                "neuroticism",
            ),
            0.5,
        ),
        "hofstede": dict.fromkeys(
            (
                "power_distance",
                "individualism",
                "masculinity",
                "uncertainty_avoidance",
                "long_term_orientation",
                "indulgence",
            ),
            0.5,
        ),
        "needs": ["kontrolować budżet", "oszczędzać czas"],
        "pain_points": ["rosnące ceny", "brak czasu"],
        "media_habits": ["YouTube", "Facebook"],
        "shopping_habits": ["Lidl", "Allegro"],
        "quote": "Liczy się jakość.",
    }
    return EnrichedPersona(**{**base, **overrides})


FACTS = PersonaFacts(
    age=30,
    gender="female",
    education="secondary",
    income_band="pln_2500_3499",
    income_rank=0.4,
)


def test_consistent_persona_passes() -> None:
    assert check_rules(persona(), FACTS) == []


def test_contradictions_are_named() -> None:
    assert "retired at 30" in check_rules(persona(occupation="emerytka"), FACTS)[0]
    assert (
        "university degree"
        in check_rules(persona(occupation="lekarz rodzinny"), FACTS)[0]
    )
    rich_student = PersonaFacts(
        age=22,
        gender="male",
        education="secondary",
        income_band="pln_7500_plus",
        income_rank=1.0,
    )
    assert "income band" in check_rules(persona(occupation="student"), rich_student)[0]
    old_student = PersonaFacts(
        age=52,
        gender="male",
        education="tertiary",
        income_band="pln_2500_3499",
        income_rank=0.4,
    )
    assert "student at 52" in check_rules(persona(occupation="student"), old_student)[0]
    assert (
        check_rules(
            persona(occupation="lekarz"),
            PersonaFacts(
                age=40,
                gender="male",
                education="tertiary",
                income_band="x",
                income_rank=0.9,
            ),
        )
        == []
    )


def test_duplicates_by_name_and_story() -> None:
    guard = DuplicateGuard()
    guard.add("Anna Nowak", [1.0, 0.0, 0.0])
    assert "already used" in guard.problems(" anna  NOWAK", None)[0]
    assert "near-duplicate" in guard.problems("Ewa Mazur", [0.99, 0.05, 0.0])[0]
    assert guard.problems("Ewa Mazur", [0.0, 1.0, 0.0]) == []
