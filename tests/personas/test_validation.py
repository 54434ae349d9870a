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


def facts(**overrides: Any) -> PersonaFacts:
    base: dict[str, Any] = {
        "age": 32,
        "gender": "male",
        "education": "tertiary",
        "income_band": "pln_2500_3499",
        "income_rank": 0.4,
        "language": "pl",
        "country": "pl",
    }
    return PersonaFacts(**{**base, **overrides})


STORY = "Jan Nowak ma 32 lata i mieszka w województwie wielkopolskim z rodziną."


def test_agreement_in_polish_is_checked() -> None:
    man = facts()
    for occupation in ("nauczycielka", "sprzątaczka", "księgowa", "pielęgniarka"):
        found = check_rules(persona(occupation=occupation, background_story=STORY), man)
        assert any("feminine form for a man" in p for p in found), occupation
    woman = facts(gender="female", age=70)
    found = check_rules(persona(occupation="emeryt", background_story=STORY), woman)
    assert any("masculine form for a woman" in p for p in found)
    # accepted for women: lekarz, architekt, kierowca
    assert (
        check_rules(persona(occupation="lekarz", background_story=STORY), woman) == []
    )

    def story_problems(story: str) -> list[str]:
        return check_rules(
            persona(occupation="nauczyciel", background_story=story), man
        )

    assert story_problems(STORY) == []
    assert "'32 lat' should read '32 lata'" in story_problems(
        STORY.replace("32 lata", "32 lat")
    )
    assert "'25 lata' should read '25 lat'" in story_problems(
        STORY.replace("32 lata", "25 lata")
    )
    # the genitive after "od" is right: "od 2 lat"
    assert story_problems(STORY + " Od 2 lat pracuje w szkole.") == []
    assert any(
        "locative" in p
        for p in story_problems(STORY.replace("wielkopolskim", "wielkopolskie"))
    )
    assert any(
        "prose" in p
        for p in story_problems(STORY + " Wolny czas spędza na: książki, wędkarstwo.")
    )
    assert story_problems(STORY + " Wstaje o 6:30, potem biega.") == []
    capital = check_rules(
        persona(
            occupation="nauczyciel",
            background_story=STORY,
            quote="Liczy się dla mnie Rodzina, więc nie przepłacam.",
        ),
        man,
    )
    assert "'Rodzina' is capitalised mid-sentence" in capital


def test_english_pronouns_are_checked() -> None:
    english = facts(language="en", country="us", gender="female")
    story = "Mary Smith is 40 and lives in the South. He works as a nurse."
    found = check_rules(persona(occupation="nurse", background_story=story), english)
    assert "refers to a female persona as 'He'" in " ".join(found)
    # a husband may be "he" in her story
    fine = "Mary Smith is 40. She lives with her husband; he drives a truck."
    assert (
        check_rules(persona(occupation="nurse", background_story=fine), english) == []
    )


def test_coherence_of_education_income_and_age() -> None:
    lawyer = persona(occupation="prawnik", background_story=STORY)
    assert any(
        "university degree" in p
        for p in check_rules(lawyer, facts(education="basic_vocational"))
    )
    assert any(
        "(the lowest)" in p
        for p in check_rules(lawyer, facts(income_band="pln_under_1500", income_rank=0))
    )
    cleaner = persona(occupation="sprzątacz", background_story=STORY)
    assert any(
        "(the highest)" in p
        for p in check_rules(cleaner, facts(income_band="pln_7500_plus", income_rank=1))
    )
    assert any(
        "at 91 is implausible" in p
        for p in check_rules(
            persona(occupation="lekarka", background_story=STORY),
            facts(age=91, gender="female"),
        )
    )
    assert any(
        "retired at 32" in p
        for p in check_rules(
            persona(occupation="emeryt", background_story=STORY), facts()
        )
    )


def test_diversity_of_quotes_and_occupations() -> None:
    guard = DuplicateGuard(sample_size=20)
    for index, name in enumerate(["Anna Nowak", "Ewa Mazur"]):
        guard.add(
            persona(full_name=name, occupation="sprzątaczka", quote=f"Cytat {index}.")
        )
    third = persona(full_name="Ola Król", occupation="sprzątacz", quote="Cytat 0.")
    found = " | ".join(guard.problems(third))
    # the masculine form is the same occupation; the limit is max(2, 8 % of 20)
    assert "already held by 2 personas" in found
    assert "repeats another persona's quote" in found
    # not working is not an occupation: retirees may be many
    retirees = DuplicateGuard(sample_size=20)
    for name in ("A B", "C D", "E F"):
        retirees.add(
            persona(full_name=name, occupation="emerytka", quote=f"Mówi {name}.")
        )
    assert retirees.problems(persona(full_name="G H", occupation="emerytka")) == []
