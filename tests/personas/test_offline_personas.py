"""What a reader notices in personas the offline engine writes: 200 Polish and
200 US personas made the way the generation job makes them, each checked for
agreement, coherence and diversity, and the defects reported in issue 14 gone."""

from __future__ import annotations

import asyncio
import re
from collections import Counter

import pytest

from sight.demographics import load_census
from sight.demographics.occupations import DEGREE, load_occupations
from sight.llm.providers.base import Message, ProviderRequest
from sight.llm.providers.offline import OfflineProvider
from sight.personas.offline.grammar import join, voivodeship_locative, years_pl
from sight.personas.schemas import SegmentBriefOutput
from sight.personas.validation import check_rules
from sight.prompts import personas as prompts
from tests.personas.offline_sample import Generated, generate

TABLE = load_occupations()
FEMININE = {o.pl[1] for o in TABLE.occupations if o.pl[0] != o.pl[1]}
MASCULINE = {o.pl[0] for o in TABLE.occupations if o.pl[0] != o.pl[1]}
HIGH_PAY = {
    name for o in TABLE.occupations if o.pay == "high" for name in (*o.pl, o.en)
}
LOW_PAY = {name for o in TABLE.occupations if o.pay == "low" for name in (*o.pl, o.en)}
DEGREE_ONLY = {name for o in TABLE.occupations if o.degree for name in (*o.pl, o.en)}
RETIRED = {"emeryt", "emerytka", "retiree"}


@pytest.fixture(scope="module")
def polish() -> list[Generated]:
    return generate("pl", "pl", 200, seed=11)


@pytest.fixture(scope="module")
def american() -> list[Generated]:
    return generate("us", "en", 200, seed=11)


def test_polish_numerals_voivodeships_and_lists() -> None:
    assert [years_pl(n) for n in (32, 25, 22, 21, 44, 12, 101)] == [
        "32 lata",
        "25 lat",
        "22 lata",
        "21 lat",
        "44 lata",
        "12 lat",
        "101 lat",
    ]
    assert voivodeship_locative("wielkopolskie") == "w województwie wielkopolskim"
    assert voivodeship_locative("kujawsko-pomorskie") == (
        "w województwie kujawsko-pomorskim"
    )
    assert join(["czyta książki", "łowi ryby"], "pl") == "czyta książki i łowi ryby"
    assert join(["reads", "cooks", "runs"], "en") == "reads, cooks, and runs"


@pytest.mark.parametrize("sample", ["polish", "american"])
def test_every_persona_passes_every_rule(
    sample: str, request: pytest.FixtureRequest
) -> None:
    made: list[Generated] = request.getfixturevalue(sample)
    assert len(made) == 200
    failed = [(g.persona.full_name, g.problems) for g in made if g.problems]
    assert failed == []
    for g in made:
        assert check_rules(g.persona, g.facts) == [], g.persona
    # repairs are the exception, not the way the engine works
    assert sum(1 for g in made if g.repairs) <= 30


def test_polish_agreement(polish: list[Generated]) -> None:
    for g in polish:
        p, age, gender = g.persona, g.cell.age, g.facts.gender
        if gender == "male":
            assert p.occupation not in FEMININE | {"emerytka", "studentka"}, p
        else:
            assert p.occupation not in MASCULINE | {"emeryt", "student"}, p
        assert p.background_story.startswith(f"{p.full_name} ma {years_pl(age)} ")
        region = (
            load_census("pl")
            .dimensions["location"]
            .category(g.cell.attributes["location"])
        )
        assert voivodeship_locative(region.labels.pl) in p.background_story
        assert ":" not in p.background_story
        assert "W wolnym czasie " in p.background_story
        # no capital letter after a lowercase word mid-sentence, except names
        for sentence in re.split(r"(?<=[.?!])\s+", p.background_story + " " + p.quote):
            for word in re.findall(r"(?<=[a-ząćęłńóśźż,] )[A-ZĄĆĘŁŃÓŚŹŻ]\w+", sentence):
                assert word in p.full_name or word in {
                    "Stanów",
                    "Zjednoczonych",
                }, (word, sentence)


def test_english_pronouns_and_articles(american: list[Generated]) -> None:
    for g in american:
        story = g.persona.background_story
        wrong = r"\b(she|her)\b" if g.facts.gender == "male" else r"\b(he|his|him)\b"
        assert not re.search(wrong, story, re.I), story
        assert not re.search(r"\ba [aeio]", story), story
        assert f"{g.persona.full_name} is {g.cell.age} and lives" in story


@pytest.mark.parametrize("sample", ["polish", "american"])
def test_coherent_age_education_occupation_income(
    sample: str, request: pytest.FixtureRequest
) -> None:
    made: list[Generated] = request.getfixturevalue(sample)
    retirees = 0
    for g in made:
        occupation, age = g.persona.occupation, g.cell.age
        education, rank = g.cell.attributes["education"], g.facts.income_rank
        if occupation in RETIRED:
            retirees += 1
            assert age >= 60, (occupation, age)
        if age >= 80:
            assert occupation in RETIRED, (occupation, age)
        if occupation in {"student", "studentka", "college student"}:
            assert age <= 24
        if occupation in DEGREE_ONLY:
            assert education in DEGREE, (occupation, education)
        if occupation in HIGH_PAY:
            assert rank > 0, (occupation, g.cell.attributes["income"])
        if occupation in LOW_PAY:
            assert rank < 1, (occupation, g.cell.attributes["income"])
    # about the share of adults past retirement age, not everyone over 60
    assert 0.12 <= retirees / len(made) <= 0.35


@pytest.mark.parametrize("sample", ["polish", "american"])
def test_sample_is_diverse(sample: str, request: pytest.FixtureRequest) -> None:
    made: list[Generated] = request.getfixturevalue(sample)
    quotes = {g.persona.quote for g in made}
    names = {g.persona.full_name for g in made}
    stories = {g.persona.background_story for g in made}
    assert len(quotes) == len(names) == len(stories) == 200
    working = Counter(
        TABLE.find(g.persona.occupation).key  # type: ignore[union-attr]
        for g in made
        if TABLE.find(g.persona.occupation) is not None
    )
    # the most common occupation stays a few percent of the sample
    assert max(working.values()) <= 16
    assert len(working) >= 30


def test_needs_pains_and_quotes_are_about_the_research_goal(
    polish: list[Generated],
) -> None:
    about_drinks = re.compile(r"roślin|napoj|napój|mlek|kaw|smak|owsian|cukr|cen", re.I)
    on_topic = [
        g
        for g in polish
        if about_drinks.search(" ".join([*g.persona.needs, *g.persona.pain_points]))
    ]
    assert len(on_topic) == len(polish)
    quoted = [g for g in polish if about_drinks.search(g.persona.quote)]
    assert len(quoted) >= 0.5 * len(polish)

    banking = generate(
        "pl", "pl", 40, seed=3, goal="Jak klienci oceniają nową aplikację bankową?"
    )
    text = " ".join(
        " ".join([*g.persona.needs, *g.persona.pain_points, g.persona.quote])
        for g in banking
    )
    assert not re.search(r"roślin|napoj|napój|owsian", text)
    assert re.search(r"aplikacj", text)
    assert re.search(r"opłat|bank", text)


def test_the_defects_reported_in_issue_14_are_gone() -> None:
    made = generate("pl", "pl", 20, seed=7)
    text = " ".join(g.persona.background_story + " " + g.persona.quote for g in made)
    for g in made:
        occupation = g.persona.occupation
        if g.facts.gender == "male":
            assert occupation not in {
                "nauczycielka",
                "sprzątaczka",
                "księgowa",
                "pielęgniarka",
            }
        else:
            assert occupation != "emeryt"
    assert not re.search(r"\b(2|3|4|22|23|24|32|33|34|42|43|44)\s+lat\b", text)
    assert not re.search(r"województwie \w+kie\b", text)
    assert "spędza na:" not in text
    assert len({g.persona.quote for g in made}) == 20
    counts = Counter(g.persona.occupation for g in made)
    assert max(n for o, n in counts.items() if o not in RETIRED) <= 2
    for g in made:
        if g.persona.occupation in {"prawnik", "prawniczka", "lekarz", "lekarka"}:
            assert g.facts.income_rank > 0
    assert sum("roślin" in g.persona.quote.lower() for g in made) >= 3


AGE_LABEL = load_census("pl").dimensions["age_group"].category("age_18_24").labels.pl


def test_segment_briefs_name_the_segment_and_the_research_goal() -> None:
    goal = "Czy Polacy kupowaliby napoje roślinne zamiast mleka?"
    facts = {
        "segment": {
            "age_group": "age_18_24",
            "gender": "male",
            "education_tier": "basic",
            "labels": {"age_group": AGE_LABEL, "gender": "Mężczyzna"},
        },
        "country": "pl",
        "language": "pl",
    }
    request = ProviderRequest(
        model="offline-engine-v1",
        system=prompts.SEGMENT_BRIEF_SYSTEM,
        messages=(Message("user", prompts.segment_brief_prompt(facts, goal, [])),),
        temperature=0.4,
        max_tokens=2048,
        timeout=60,
        json_schema=SegmentBriefOutput.model_json_schema(),
        flow="personas.segment_brief",
    )
    response = asyncio.run(OfflineProvider().generate(request))
    brief = SegmentBriefOutput.model_validate_json(response.text)
    assert brief.summary.startswith(f"Mężczyźni, {AGE_LABEL}, wykształcenie podstawowe")
    assert goal in brief.summary
    assert not set(brief.typical_occupations) & FEMININE
    assert not {"Radio Maryja", "TVP1", "lokalna gazeta"} & set(brief.media)


@pytest.mark.parametrize(("country", "language"), [("pl", "en"), ("us", "pl")])
def test_a_country_described_in_the_other_language(country: str, language: str) -> None:
    made = generate(country, language, 100, seed=5)
    assert [g.problems for g in made if g.problems] == []
    for g in made:
        assert check_rules(g.persona, g.facts) == []
        story = g.persona.background_story
        if language == "en":
            assert "Voivodeship" in story
            assert "PLN a month" in story
            assert g.persona.occupation != "janitor"
        else:
            assert "Stanów Zjednoczonych" in story
            assert "USD" in story
