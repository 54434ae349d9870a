"""What the offline engine writes for persona flows.

Derived from the persona's demographic cell: a name common for the country, sex
and generation; an occupation consistent with age and education; habits and a
story built from those facts, in the project's language. Deterministic for a
seed. It is demo and test material and is marked `offline-engine` everywhere.
"""

from __future__ import annotations

from typing import Any

from sight.llm.providers.offline import OfflineInput, offline_composer

_PL_NAMES = {
    "male": {
        "young": ["Jakub", "Kacper", "Szymon", "Filip", "Mateusz", "Bartosz", "Igor"],
        "middle": [
            "Tomasz",
            "Paweł",
            "Michał",
            "Krzysztof",
            "Marcin",
            "Łukasz",
            "Piotr",
        ],
        "old": [
            "Andrzej",
            "Jan",
            "Stanisław",
            "Zbigniew",
            "Jerzy",
            "Tadeusz",
            "Henryk",
        ],
    },
    "female": {
        "young": ["Julia", "Zuzanna", "Maja", "Natalia", "Wiktoria", "Oliwia", "Lena"],
        "middle": ["Anna", "Katarzyna", "Agnieszka", "Monika", "Joanna", "Magdalena"],
        "old": [
            "Maria",
            "Krystyna",
            "Barbara",
            "Elżbieta",
            "Halina",
            "Teresa",
            "Danuta",
        ],
    },
}
# Adjectival surnames take a feminine ending; the rest are shared.
_PL_SURNAMES = [
    "Nowak",
    "Wójcik",
    "Kamiński",
    "Lewandowski",
    "Zieliński",
    "Szymański",
    "Woźniak",
    "Dąbrowski",
    "Kozłowski",
    "Mazur",
    "Jankowski",
    "Kwiatkowski",
    "Krawczyk",
    "Piotrowski",
    "Grabowski",
    "Pawłowski",
    "Michalski",
    "Król",
]
_US_NAMES = {
    "male": {
        "young": ["Liam", "Noah", "Ethan", "Mason", "Logan", "Elijah", "Carlos"],
        "middle": [
            "Michael",
            "David",
            "James",
            "Christopher",
            "Daniel",
            "Jose",
            "Kevin",
        ],
        "old": ["Robert", "William", "Richard", "Thomas", "Charles", "Gary", "Larry"],
    },
    "female": {
        "young": ["Emma", "Olivia", "Sophia", "Ava", "Mia", "Isabella", "Aaliyah"],
        "middle": [
            "Jennifer",
            "Jessica",
            "Sarah",
            "Ashley",
            "Maria",
            "Amanda",
            "Nicole",
        ],
        "old": ["Mary", "Patricia", "Linda", "Barbara", "Susan", "Carol", "Sandra"],
    },
}
_US_SURNAMES = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Jackson",
    "Lee",
    "Nguyen",
    "Walker",
    "Hall",
]

# Education tier -> occupations; age decides between student, working, retired.
_OCCUPATIONS = {
    "pl": {
        "low": [
            "magazynier",
            "kierowca",
            "sprzedawca",
            "operator maszyn",
            "pracownik budowlany",
            "sprzątaczka",
            "kucharz",
        ],
        "mid": [
            "technik",
            "księgowa",
            "mechanik samochodowy",
            "pielęgniarka",
            "przedstawiciel handlowy",
            "administrator biura",
            "elektryk",
        ],
        "high": [
            "inżynier oprogramowania",
            "lekarz",
            "nauczycielka",
            "prawnik",
            "analityk finansowy",
            "architekt",
            "farmaceutka",
            "kierownik projektu",
        ],
        "student": "student",
        "retired": "emeryt",
    },
    "en": {
        "low": [
            "warehouse associate",
            "truck driver",
            "retail cashier",
            "machine operator",
            "construction worker",
            "cleaner",
            "line cook",
        ],
        "mid": [
            "technician",
            "bookkeeper",
            "auto mechanic",
            "licensed practical nurse",
            "sales representative",
            "office administrator",
            "electrician",
        ],
        "high": [
            "software engineer",
            "physician",
            "teacher",
            "lawyer",
            "financial analyst",
            "architect",
            "pharmacist",
            "project manager",
        ],
        "student": "student",
        "retired": "retiree",
    },
}

TERTIARY = frozenset({"tertiary", "bachelors", "advanced"})
LOW_EDUCATION = frozenset(
    {"primary_or_less", "basic_vocational", "less_than_high_school"}
)

_TEXT: dict[str, dict[str, Any]] = {
    "pl": {
        "values": [
            "rodzina",
            "bezpieczeństwo",
            "uczciwość",
            "niezależność",
            "zdrowie",
            "tradycja",
            "rozwój osobisty",
            "oszczędność",
            "wygoda",
        ],
        "interests": [
            "gotowanie",
            "piłka nożna",
            "działka",
            "seriale",
            "podróże",
            "wędkarstwo",
            "bieganie",
            "majsterkowanie",
            "książki",
            "gry",
        ],
        "needs": [
            "zrobić zakupy szybko po pracy",
            "kontrolować domowy budżet",
            "mieć więcej czasu dla rodziny",
            "dbać o zdrowie bez wysiłku",
            "porównać ceny przed zakupem",
        ],
        "pains": [
            "rosnące ceny",
            "brak czasu",
            "skomplikowane aplikacje",
            "długie kolejki",
            "ukryte opłaty",
            "słaba obsługa klienta",
        ],
        "media": [
            "Facebook",
            "YouTube",
            "TVN",
            "Polsat",
            "radio RMF FM",
            "portal Onet",
            "Instagram",
            "TikTok",
        ],
        "shopping": [
            "Biedronka",
            "Lidl",
            "Allegro",
            "zakupy w promocjach",
            "sklep osiedlowy",
            "porównywarka Ceneo",
        ],
        "story": (
            "{name} ma {age} lat i mieszka {place} w województwie {region}. "
            "Pracuje jako {occupation}; wykształcenie: {education}. "
            "Miesięczny dochód to około {income} zł. Najważniejsze są dla "
            "{pronoun} {value_a} i {value_b}, a wolny czas spędza na: {interest}."
        ),
        "urban": "w mieście",
        "rural": "na wsi",
        "pronoun": {"male": "niego", "female": "niej"},
        "quote": (
            "Liczy się dla mnie {value_a}, więc nie przepłacam za coś, "
            "czego nie potrzebuję."
        ),
    },
    "en": {
        "values": [
            "family",
            "security",
            "honesty",
            "independence",
            "health",
            "tradition",
            "personal growth",
            "thrift",
            "convenience",
        ],
        "interests": [
            "cooking",
            "football",
            "gardening",
            "streaming shows",
            "travel",
            "fishing",
            "running",
            "home improvement",
            "reading",
            "gaming",
        ],
        "needs": [
            "get groceries done quickly after work",
            "keep the household budget in check",
            "have more time for family",
            "stay healthy without much effort",
            "compare prices before buying",
        ],
        "pains": [
            "rising prices",
            "lack of time",
            "complicated apps",
            "long lines",
            "hidden fees",
            "poor customer service",
        ],
        "media": [
            "Facebook",
            "YouTube",
            "local TV news",
            "podcasts",
            "Instagram",
            "TikTok",
            "Reddit",
            "talk radio",
        ],
        "shopping": [
            "Walmart",
            "Amazon",
            "Costco",
            "coupons and sales",
            "local grocery store",
            "Target",
        ],
        "story": (
            "{name} is {age} and lives {place} in the {region}. They work as "
            "{occupation} with {education} education and earn about ${income} "
            "a year. {value_a} and {value_b} matter most to them, and they "
            "spend free time on {interest}."
        ),
        "urban": "in a city",
        "rural": "in a rural area",
        "pronoun": {"male": "him", "female": "her"},
        "quote": (
            "{value_a} comes first for me, so I won't pay extra for things "
            "I don't need."
        ),
    },
}


def _generation(age: int) -> str:
    return "young" if age < 30 else "middle" if age < 55 else "old"


def offline_name(country: str, gender: str, age: int, pick: Any) -> str:
    names = _PL_NAMES if country == "pl" else _US_NAMES
    first = pick(names.get(gender, names["female"])[_generation(age)])
    surname = pick(_PL_SURNAMES if country == "pl" else _US_SURNAMES)
    if country == "pl" and gender == "female" and surname.endswith("ki"):
        surname = surname[:-1] + "a"  # Kamiński -> Kamińska
    return f"{first} {surname}"


def offline_occupation(
    language: str, age: int, education: str, gender: str, pick: Any
) -> str:
    table = _OCCUPATIONS[language]
    retirement_age = 60 if language == "pl" and gender == "female" else 65
    if age >= retirement_age:
        return str(table["retired"])
    if age <= 23 and education not in LOW_EDUCATION:
        return str(table["student"])
    tier = (
        "high"
        if education in TERTIARY
        else "low"
        if education in LOW_EDUCATION
        else "mid"
    )
    return str(pick(table[tier]))


@offline_composer("personas.enrich")
@offline_composer("personas.repair")
def compose_persona(request: OfflineInput) -> dict[str, Any]:
    person = request.facts.get("person", {})
    language = request.facts.get("language", "en")
    country = request.facts.get("country", "us")
    text = _TEXT[language]
    rng = request.rng

    def pick(options: list[str]) -> str:
        return options[rng.randrange(len(options))]

    def sample(options: list[str], k: int) -> list[str]:
        return rng.sample(options, k)

    age = int(person.get("age", 40))
    gender = str(person.get("gender", "female"))
    name = offline_name(country, gender, age, pick)
    occupation = offline_occupation(
        language, age, str(person.get("education", "")), gender, pick
    )
    values = sample(text["values"], 4)
    interests = sample(text["interests"], 4)
    story = text["story"].format(
        name=name,
        age=age,
        occupation=occupation,
        place=text["urban" if person.get("urban_rural") == "urban" else "rural"],
        region=person.get("location_label", person.get("location", "")),
        education=person.get("education_label", person.get("education", "")),
        income=person.get("income", ""),
        pronoun=text["pronoun"].get(gender, ""),
        value_a=values[0],
        value_b=values[1],
        interest=", ".join(interests[:2]),
    )

    def score() -> float:
        return round(rng.uniform(0.1, 0.9), 2)

    return {
        "full_name": name,
        "occupation": occupation,
        "background_story": story,
        "values": values,
        "interests": interests,
        "big_five": {
            k: score()
            for k in (
                "openness",
                "conscientiousness",
                "extraversion",
                "agreeableness",
                "neuroticism",
            )
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
        "needs": sample(text["needs"], 3),
        "pain_points": sample(text["pains"], 3),
        "media_habits": sample(text["media"], 3),
        "shopping_habits": sample(text["shopping"], 3),
        "quote": text["quote"].format(value_a=values[0].capitalize()),
    }


@offline_composer("personas.segment_brief")
def compose_brief(request: OfflineInput) -> dict[str, Any]:
    segment = request.facts.get("segment", {})
    language = request.facts.get("language", "en")
    text = _TEXT[language]
    labels = ", ".join(str(v) for v in segment.get("labels", {}).values())
    return {
        "summary": f"Segment: {labels}. "
        + (
            "Opis przygotowany przez silnik offline "
            "na podstawie danych demograficznych."
            if language == "pl"
            else "Description written by the offline engine from the demographic cell."
        ),
        "typical_occupations": request.rng.sample(_OCCUPATIONS[language]["mid"], 3),
        "concerns": request.rng.sample(text["pains"], 3),
        "media": request.rng.sample(text["media"], 3),
    }
