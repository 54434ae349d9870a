"""The offline engine's persona and segment-brief composers.

A persona is derived from its demographic cell: a life stage that fits the age
(students at 19, retirees past the statutory age), an occupation drawn from the
census-like table in `sight.demographics.occupations` (so it fits sex,
education and income, and repeats as rarely as in the population), and prose
that agrees in gender, number and case. What it needs, dislikes and says comes
from the project's research goal. Deterministic for a prompt and seed.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sight.demographics import load_census
from sight.demographics.occupations import Occupation, education_tier, load_occupations
from sight.llm.providers.offline import OfflineInput, offline_composer
from sight.personas.offline import grammar, texts
from sight.personas.offline.names import offline_name
from sight.personas.offline.quotes import compose_quote
from sight.personas.offline.themes import GENERAL, Theme, detect

T = TypeVar("T")

RETIREMENT_AGE = {("pl", "female"): 60, ("pl", "male"): 65}
US_RETIREMENT_AGE = 62
# Share not working in each stage of life (modelling assumptions, rounded from
# typical LFS employment rates; unverified): age thresholds -> probability.
_RETIRED_BY_AGE = ((80, 1.0), (70, 0.95), (65, 0.85), (0, 0.55))
_STUDENT_BY_AGE = ((23, 0.3), (20, 0.5), (0, 0.7))
UNEMPLOYED = 0.035
# Who still works past 68: owners, farmers, professionals, light service jobs.
LATE_CAREER_AGE = 68
LATE_CAREER = frozenset(
    {
        "business_owner",
        "farmer",
        "gardener",
        "shop_assistant",
        "security_guard",
        "physician",
        "lawyer",
        "pharmacist",
        "psychologist",
        "architect",
        "accountant",
        "real_estate_agent",
        "tailor",
        "care_worker",
        "civil_servant",
    }
)
HOMEMAKER = 0.05


@dataclass(frozen=True)
class Person:
    country: str
    language: str
    age: int
    gender: str
    education: str
    location: str
    location_label: str
    urban: bool
    income: int
    currency: str
    income_rank: float

    @property
    def female(self) -> bool:
        return self.gender == "female"

    def g(self, masculine: str, feminine: str) -> str:
        return feminine if self.female else masculine


def _person(facts: dict[str, Any]) -> Person:
    person = facts.get("person", {})
    country = str(facts.get("country", "us"))
    income = int(person.get("income") or 0)
    return Person(
        country=country,
        language=str(facts.get("language", "en")),
        age=int(person.get("age", 40)),
        gender=str(person.get("gender", "female")),
        education=str(person.get("education", "")),
        location=str(person.get("location", "")),
        location_label=str(person.get("location_label", person.get("location", ""))),
        urban=person.get("urban_rural") == "urban",
        income=income,
        currency=str(
            person.get("income_currency", "PLN" if country == "pl" else "USD")
        ),
        income_rank=income_rank(country, income),
    )


def income_rank(country: str, income: int) -> float:
    """Position of the income's band among the country's bands (0 lowest, 1 top)."""
    categories = load_census(country).dimensions["income"].categories
    for index, category in enumerate(categories):
        band = category.range
        if (
            band is not None
            and income >= band.min
            and (band.max is None or income < band.max)
        ):
            return index / max(1, len(categories) - 1)
    return 0.5


def _weighted(rng: random.Random, items: Sequence[tuple[T, float]]) -> T:
    total = sum(w for _, w in items)
    point = rng.uniform(0, total)
    for item, weight in items:
        point -= weight
        if point <= 0:
            return item
    return items[-1][0]


def by_age(
    rng: random.Random, items: Sequence[tuple[T, str]], age: int, k: int
) -> list[T]:
    """k distinct items, favouring those tagged for the person's age."""

    def weight(tag: str) -> float:
        if tag == "y":
            return 2.0 if age < 35 else 0.4
        if tag in ("o", "g"):
            return 2.0 if age >= 55 else 0.4
        return 1.0

    pool = [(i, weight(t)) for i, t in items if t != "g" or age >= 50]
    chosen: list[T] = []
    while pool and len(chosen) < k:
        pick = _weighted(rng, pool)
        chosen.append(pick)
        pool = [(i, w) for i, w in pool if i is not pick]
    return chosen


def life_stage(person: Person, rng: random.Random) -> str:
    """working | retired | student | unemployed | homemaker."""
    threshold = RETIREMENT_AGE.get((person.country, person.gender), US_RETIREMENT_AGE)
    if person.age >= threshold:
        share = next(p for a, p in _RETIRED_BY_AGE if person.age >= a)
        return "retired" if rng.random() < share else "working"
    can_study = education_tier(person.education) != "low" and person.income_rank < 0.8
    if person.age <= 24 and can_study:
        share = next(p for a, p in _STUDENT_BY_AGE if person.age >= a)
        if rng.random() < share:
            return "student"
    roll = rng.random()
    if person.income_rank < 0.8 and roll < UNEMPLOYED:
        return "unemployed"
    if person.female and 25 <= person.age < 60 and roll < UNEMPLOYED + HOMEMAKER:
        return "homemaker"
    return "working"


def draw_occupation(
    person: Person,
    rng: random.Random,
    *,
    age: int | None = None,
    avoid: set[str] | None = None,
) -> Occupation:
    table = load_occupations()
    age = person.age if age is None else age
    options = table.weights(
        person.country, person.gender, person.education, person.income_rank, age
    )
    if avoid:
        options = [(o, w) for o, w in options if o.key not in avoid] or options
    if age >= LATE_CAREER_AGE:  # still working at 70: rarely hauling or building
        options = [(o, w) for o, w in options if o.key in LATE_CAREER] or options
    if not options:  # nothing fits this income band: the band yields to the table
        options = table.weights(
            person.country, person.gender, person.education, 0.5, max(age, 30)
        )
    return _weighted(rng, options)


@dataclass(frozen=True)
class Role:
    stage: str
    title: str  # the `occupation` field, in the persona's grammatical gender
    previous: str | None = None  # a retiree's former occupation


def _role(person: Person, rng: random.Random, avoid: set[str]) -> Role:
    stage = life_stage(person, rng)
    pl = person.language == "pl"
    statuses = {
        "retired": texts.RETIRED,
        "student": texts.STUDENT,
        "unemployed": texts.UNEMPLOYED,
        "homemaker": texts.HOMEMAKER,
    }
    if stage == "working":
        occupation = draw_occupation(person, rng, avoid=avoid)
        return Role(
            stage, occupation.label(person.language, person.gender, person.country)
        )
    male, female, english = statuses[stage]
    title = (female if person.female else male) if pl else english
    if not pl and stage == "student" and person.country == "pl":
        title = "university student"
    previous = None
    if stage == "retired":
        before = draw_occupation(person, rng, age=55)
        previous = before.label(person.language, person.gender, person.country)
    return Role(stage, title, previous)


def _work_sentence(person: Person, role: Role, rng: random.Random) -> str:
    if person.language == "pl":
        education = texts.EDUCATION_PL.get(person.education, ("", ""))[person.female]
        past = person.g("pracował", "pracowała")
        field = rng.choice(texts.FIELDS)[0]
        if role.stage == "working":
            return f"Pracuje jako {role.title} i {education}."
        if role.stage == "retired":
            return (
                f"Jest na emeryturze, a wcześniej {past} jako {role.previous}. "
                + grammar.sentence(education)
                + "."
            )
        if role.stage == "student":
            return f"Studiuje {field} i {education}."
        if role.stage == "unemployed":
            return f"Od kilku miesięcy szuka pracy i {education}."
        return f"Zajmuje się domem i {education}."
    she = person.g("He", "She")
    education_en = texts.EDUCATION_EN.get(person.education, "")
    field_en = rng.choice(texts.FIELDS)[1]
    if role.stage == "working":
        return f"{she} works as {grammar.article(role.title)} and {education_en}."
    if role.stage == "retired":
        return (
            f"{she} is retired after years as "
            f"{grammar.article(role.previous or '')} and {education_en}."
        )
    if role.stage == "student":
        return f"{she} studies {field_en} and {education_en}."
    if role.stage == "unemployed":
        return f"{she} is looking for work and {education_en}."
    return f"{she} runs the household and {education_en}."


def _household(person: Person, rng: random.Random) -> str:
    def fits(tag: str) -> bool:
        if tag == "y":
            return person.age < 35
        if tag == "m":
            return 25 <= person.age < 60
        if tag == "o":
            return person.age >= 55
        return True

    options = [h for h in texts.HOUSEHOLDS if fits(h[3])]
    male, female, english, _ = rng.choice(options)
    if person.language == "pl":
        return female if person.female else male
    return english.format(p=person.g("his", "her"))


def _income_sentence(person: Person) -> str:
    amount = grammar.money(person.income, person.language, person.currency)
    if person.language == "pl":
        whose = person.g("jego", "jej")
        if person.country == "pl":
            return (
                f"Dochód rozporządzalny na osobę w {whose} gospodarstwie domowym "
                f"wynosi około {amount} miesięcznie."
            )
        return f"Roczny dochód {whose} gospodarstwa domowego to około {amount}."
    whose = person.g("his", "her")
    if person.country == "pl":
        return (
            f"Disposable income per person in {whose} household is about "
            f"{amount} a month."
        )
    return f"{grammar.sentence(whose)} household earns about {amount} a year."


def _pronouns(text: str, person: Person) -> str:
    return text.format(
        S=person.g("He", "She"), s=person.g("he", "she"), p=person.g("his", "her")
    )


def themed(
    themes: list[Theme], language: str, part: str, rng: random.Random, k: int
) -> list[str]:
    index = 0 if language == "pl" else 1
    pool: list[str] = []
    for theme in themes:
        pool.extend(getattr(theme, part)[index])
    picked = rng.sample(pool, min(k - 1, len(pool)))
    general = [p for p in getattr(GENERAL, part)[index] if p not in picked]
    picked += rng.sample(general, k - len(picked))
    return picked


def research_themes(facts: dict[str, Any]) -> list[Theme]:
    research = facts.get("research", {})
    return detect(str(research.get("goal", "")), str(research.get("topic", "")))


def _avoided(facts: dict[str, Any]) -> set[str]:
    """Occupations a repair request asks to avoid (already too common in the sample)."""
    table = load_occupations()
    avoided: set[str] = set()
    for name in facts.get("avoid_occupations", []):
        found = table.find(str(name))
        if found is not None:
            avoided.add(found.key)
    return avoided


@offline_composer("personas.enrich")
@offline_composer("personas.repair")
def compose_persona(request: OfflineInput) -> dict[str, Any]:
    facts = request.facts
    person = _person(facts)
    rng = request.rng
    pl = person.language == "pl"
    themes = research_themes(facts)

    # A repair draws from wider pools so it does not collide with the sample again.
    repair = [str(p) for p in facts.get("repair_problems", [])]
    name = offline_name(
        person.country,
        person.gender,
        person.age,
        rng,
        variant=bool(repair),
    )
    role = _role(person, rng, _avoided(facts))
    values = rng.sample(texts.VALUES, 4)
    interests = by_age(rng, [(i, i[4]) for i in texts.INTERESTS], person.age, 4)
    place = rng.choice(texts.URBAN_PLACES if person.urban else texts.RURAL_PLACES)
    region = grammar.region_phrase(
        person.country, person.language, person.location, person.location_label
    )
    openness = round(rng.uniform(0.1, 0.9), 2)
    stance = "open" if openness > 0.6 else "wary" if openness < 0.35 else "neutral"
    theme = themes[0] if themes else GENERAL
    story_line = theme.story[0 if pl else 1][0 if stance != "wary" else 1]
    value_words = [v[0] if pl else v[1] for v in values]
    household = _household(person, rng)
    if pl:
        cares = person.g("niego", "niej")
        story = [
            f"{name} ma {grammar.years_pl(person.age)} i mieszka "
            f"{household} {place[0]} {region}.",
            _work_sentence(person, role, rng),
            _income_sentence(person),
            f"Najważniejsze są dla {cares} {value_words[0]} i {value_words[1]}.",
            "W wolnym czasie "
            + grammar.join([i[1] for i in interests[:2]], "pl")
            + ".",
            story_line,
        ]
    else:
        she, her = person.g("he", "she"), person.g("his", "her")
        story = [
            f"{name} is {person.age} and lives {household} {place[1]} {region}.",
            _work_sentence(person, role, rng),
            _income_sentence(person),
            f"{grammar.sentence(she)} cares most about "
            f"{value_words[0]} and {value_words[1]}.",
            f"In {her} free time {she} "
            + grammar.join([i[3] for i in interests[:2]], "en")
            + ".",
            _pronouns(story_line, person),
        ]

    def score() -> float:
        return round(rng.uniform(0.1, 0.9), 2)

    media = by_age(rng, texts.MEDIA[person.country], person.age, 3)
    shopping = by_age(rng, texts.SHOPPING[person.country], person.age, 3)
    return {
        "full_name": name,
        "occupation": role.title,
        "background_story": " ".join(story),
        "values": value_words,
        "interests": [i[0] if pl else i[2] for i in interests],
        "big_five": {
            "openness": openness,
            "conscientiousness": score(),
            "extraversion": score(),
            "agreeableness": score(),
            "neuroticism": score(),
        },
        "hofstede": {
            k: score()
            for k in (
                "power_distance",
                "individualism",
                "masculinity",
                "uncertainty_avoidance",
                "long_term_orientation",
                "indulgence",
            )
        },
        "needs": themed(themes, person.language, "needs", rng, 3),
        "pain_points": themed(themes, person.language, "pains", rng, 3),
        "media_habits": media,
        "shopping_habits": shopping,
        "quote": compose_quote(
            person,
            role,
            themes,
            stance,
            rng,
            longer=bool(repair),
        ),
    }
