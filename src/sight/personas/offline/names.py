"""Names common in each country for a person's sex and generation.

Polish adjectival surnames take the feminine ending for women (Kamiński ->
Kamińska); the rest are shared by both sexes.
"""

from __future__ import annotations

import random

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
    "Kaczmarek",
    "Piotrowicz",
    "Zając",
    "Czarnecki",
    "Sadowski",
    "Bąk",
    "Chmielewski",
    "Włodarczyk",
    "Borkowski",
    "Czerwiński",
    "Sokołowski",
    "Szczepański",
    "Kucharski",
    "Kalinowski",
    "Wysocki",
    "Adamski",
    "Sobczak",
    "Czajkowski",
    "Sawicki",
    "Kubiak",
    "Wilk",
    "Lis",
    "Maciejewski",
    "Szulc",
    "Mazurek",
    "Kołodziej",
    "Kubacki",
    "Cieślak",
    "Sowa",
    "Głowacki",
    "Przybylski",
    "Zawadzki",
    "Krajewski",
    "Szymczak",
    "Marciniak",
    "Kowalczyk",
    "Laskowski",
    "Wasilewski",
    "Bielecki",
    "Urbański",
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
    "Perez",
    "Sanchez",
    "Ramirez",
    "Cruz",
    "Morris",
    "Rogers",
    "Reed",
    "Cook",
    "Morgan",
    "Bell",
    "Murphy",
    "Bailey",
    "Cooper",
    "Richardson",
    "Cox",
    "Howard",
    "Ward",
    "Peterson",
    "Gray",
    "James",
    "Watson",
    "Brooks",
    "Kelly",
    "Sanders",
    "Price",
    "Bennett",
    "Wood",
    "Barnes",
    "Ross",
    "Henderson",
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


# Shares of names with a second part, about as common as in real life: married
# Polish women with a double-barrelled surname, Americans giving a middle initial.
DOUBLE_SURNAME = 0.12
MIDDLE_INITIAL = 0.3


def offline_name(
    country: str, gender: str, age: int, rng: random.Random, *, variant: bool = False
) -> str:
    """A first name and surname. `variant` (asked for when a repair says the
    name is taken) always takes the wider forms: a double-barrelled surname for
    a Polish woman, a middle initial in the US, any generation's first name for
    a Polish man."""
    names = _PL_NAMES if country == "pl" else _US_NAMES
    by_generation = names.get(gender, names["female"])
    pool = by_generation[_generation(age)]
    if variant and country == "pl" and gender != "female":
        pool = [n for generation in by_generation.values() for n in generation]
    first = rng.choice(pool)
    if country != "pl":
        middle = ""
        if variant or rng.random() < MIDDLE_INITIAL:
            middle = f" {rng.choice('ABCDEFGHJKLMNPRSTW')}."
        return f"{first}{middle} {rng.choice(_US_SURNAMES)}"
    surname = rng.choice(_PL_SURNAMES)
    if gender == "female":
        surname = _feminine(surname)
        if variant or rng.random() < DOUBLE_SURNAME:
            surname = f"{surname}-{_feminine(rng.choice(_PL_SURNAMES))}"
    return f"{first} {surname}"
