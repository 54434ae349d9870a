"""Names common in each country for a person's sex and generation.

Polish adjectival surnames take the feminine ending for women (Kamiński ->
Kamińska); the rest are shared by both sexes.
"""

from __future__ import annotations

from collections.abc import Callable

Pick = Callable[[list[str]], str]

_PL_NAMES = {
    "male": {
        "young": [
            "Jakub",
            "Kacper",
            "Szymon",
            "Filip",
            "Mateusz",
            "Bartosz",
            "Igor",
            "Dawid",
            "Kamil",
            "Oskar",
            "Hubert",
        ],
        "middle": [
            "Tomasz",
            "Paweł",
            "Michał",
            "Krzysztof",
            "Marcin",
            "Łukasz",
            "Piotr",
            "Grzegorz",
            "Rafał",
            "Adam",
            "Marek",
            "Wojciech",
        ],
        "old": [
            "Andrzej",
            "Jan",
            "Stanisław",
            "Zbigniew",
            "Jerzy",
            "Tadeusz",
            "Henryk",
            "Kazimierz",
            "Ryszard",
            "Józef",
            "Władysław",
            "Marian",
        ],
    },
    "female": {
        "young": [
            "Julia",
            "Zuzanna",
            "Maja",
            "Natalia",
            "Wiktoria",
            "Oliwia",
            "Lena",
            "Hanna",
            "Amelia",
            "Alicja",
            "Karolina",
        ],
        "middle": [
            "Anna",
            "Katarzyna",
            "Agnieszka",
            "Monika",
            "Joanna",
            "Magdalena",
            "Ewa",
            "Małgorzata",
            "Beata",
            "Dorota",
            "Justyna",
        ],
        "old": [
            "Maria",
            "Krystyna",
            "Barbara",
            "Elżbieta",
            "Halina",
            "Teresa",
            "Danuta",
            "Zofia",
            "Irena",
            "Janina",
            "Jadwiga",
            "Grażyna",
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
    "Wieczorek",
    "Jabłoński",
    "Wróbel",
    "Nowakowski",
    "Majewski",
    "Olszewski",
    "Stępień",
    "Malinowski",
    "Jaworski",
    "Adamczyk",
    "Dudek",
    "Nowicki",
    "Pawlak",
    "Górski",
    "Witkowski",
    "Walczak",
    "Sikora",
    "Baran",
    "Rutkowski",
    "Michalak",
    "Szewczyk",
    "Ostrowski",
    "Tomaszewski",
    "Pietrzak",
    "Zalewski",
    "Wróblewski",
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
        "old": [
            "Robert",
            "William",
            "Richard",
            "Thomas",
            "Charles",
            "Gary",
            "Larry",
            "George",
            "Kenneth",
            "Ronald",
            "Donald",
        ],
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
        "old": [
            "Mary",
            "Patricia",
            "Linda",
            "Barbara",
            "Susan",
            "Carol",
            "Sandra",
            "Nancy",
            "Donna",
            "Sharon",
            "Deborah",
        ],
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
    "White",
    "Harris",
    "Martin",
    "Thompson",
    "Lopez",
    "Gonzalez",
    "Clark",
    "Lewis",
    "Robinson",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Kim",
    "Patel",
]


def _generation(age: int) -> str:
    return "young" if age < 30 else "middle" if age < 55 else "old"


def _feminine(surname: str) -> str:
    return surname[:-1] + "a" if surname.endswith("ki") else surname  # -ski -> -ska


def offline_name(
    country: str, gender: str, age: int, pick: Pick, *, variant: bool = False
) -> str:
    """A first name and surname; `variant` (asked for when a repair says the
    name is taken) widens the choice the way real names vary: a double-barrelled
    surname for a Polish woman, a middle initial in the US, any generation's
    first name for a Polish man."""
    names = _PL_NAMES if country == "pl" else _US_NAMES
    by_generation = names.get(gender, names["female"])
    pool = by_generation[_generation(age)]
    if variant and country == "pl" and gender != "female":
        pool = [n for generation in by_generation.values() for n in generation]
    first = pick(pool)
    if country != "pl":
        middle = f" {pick(list('ABCDEFGHJKLMNPRSTW'))}." if variant else ""
        return f"{first}{middle} {pick(_US_SURNAMES)}"
    surname = pick(_PL_SURNAMES)
    if gender == "female":
        surname = _feminine(surname)
        if variant:
            surname = f"{surname}-{_feminine(pick(_PL_SURNAMES))}"
    return f"{first} {surname}"
