"""Words and phrases of the offline engine's personas, in Polish and English.

Interests carry the noun (for the `interests` list) and the verb phrase the
story uses ("książki" / "czyta książki"). Tags bias choices by age: `y` for
people under 35, `o` for 55 and over; `g` (grandchildren) only from 50.
Gendered Polish phrases are (masculine, feminine) pairs.
"""

from __future__ import annotations

# (pl noun, pl verb phrase, en noun, en verb phrase, tag)
INTERESTS: list[tuple[str, str, str, str, str]] = [
    ("gotowanie", "gotuje", "cooking", "cooks", ""),
    ("piłka nożna", "ogląda mecze piłki nożnej", "football", "watches football", ""),
    ("działka", "pracuje na działce", "gardening", "works in the garden", "o"),
    ("seriale", "ogląda seriale", "TV series", "binges TV series", ""),
    ("podróże", "podróżuje", "travel", "travels", ""),
    ("wędkarstwo", "łowi ryby", "fishing", "goes fishing", "o"),
    ("bieganie", "biega", "running", "runs", "y"),
    ("majsterkowanie", "majsterkuje", "DIY", "fixes things around the house", ""),
    ("książki", "czyta książki", "reading", "reads novels", ""),
    (
        "gry komputerowe",
        "gra w gry komputerowe",
        "video games",
        "plays video games",
        "y",
    ),
    ("rower", "jeździ na rowerze", "cycling", "rides a bike", ""),
    ("grzybobranie", "zbiera grzyby", "foraging", "forages for mushrooms", "o"),
    ("fotografia", "fotografuje", "photography", "takes photos", ""),
    ("pieczenie", "piecze ciasta", "baking", "bakes", ""),
    ("góry", "chodzi po górach", "hiking", "goes hiking", ""),
    ("joga", "ćwiczy jogę", "yoga", "does yoga", "y"),
    ("muzyka", "słucha muzyki", "music", "listens to music", ""),
    ("siłownia", "chodzi na siłownię", "the gym", "works out at the gym", "y"),
    ("podcasty", "słucha podcastów", "podcasts", "listens to podcasts", "y"),
    ("taniec", "tańczy", "dancing", "goes dancing", ""),
    ("krzyżówki", "rozwiązuje krzyżówki", "crosswords", "does crosswords", "o"),
    (
        "wnuki",
        "spędza czas z wnukami",
        "grandchildren",
        "looks after the grandchildren",
        "o",
    ),
    ("parafia", "udziela się w parafii", "church", "volunteers at church", "o"),
    ("koncerty", "chodzi na koncerty", "concerts", "goes to concerts", "y"),
]

# (pl, en)
VALUES: list[tuple[str, str]] = [
    ("rodzina", "family"),
    ("bezpieczeństwo", "security"),
    ("uczciwość", "honesty"),
    ("niezależność", "independence"),
    ("zdrowie", "health"),
    ("tradycja", "tradition"),
    ("rozwój", "personal growth"),
    ("oszczędność", "thrift"),
    ("wygoda", "convenience"),
    ("wiara", "faith"),
    ("przyjaźń", "friendship"),
    ("wolność", "freedom"),
    ("spokój", "peace of mind"),
    ("dobrze wykonana praca", "work done well"),
]

# (name, tag) per country
MEDIA: dict[str, list[tuple[str, str]]] = {
    "pl": [
        ("Facebook", ""),
        ("YouTube", ""),
        ("TVN", ""),
        ("Polsat", ""),
        ("TVP1", "o"),
        ("radio RMF FM", ""),
        ("Radio ZET", ""),
        ("portal Onet", ""),
        ("Wirtualna Polska", ""),
        ("Instagram", "y"),
        ("TikTok", "y"),
        ("Netflix", "y"),
        ("lokalna gazeta", "o"),
        ("Radio Maryja", "o"),
        ("Spotify", "y"),
    ],
    "us": [
        ("Facebook", ""),
        ("YouTube", ""),
        ("local TV news", "o"),
        ("podcasts", "y"),
        ("Instagram", "y"),
        ("TikTok", "y"),
        ("Reddit", "y"),
        ("talk radio", "o"),
        ("Fox News", ""),
        ("CNN", ""),
        ("Netflix", ""),
        ("the local newspaper", "o"),
        ("NPR", ""),
        ("Spotify", "y"),
    ],
}

SHOPPING: dict[str, list[tuple[str, str]]] = {
    "pl": [
        ("Biedronka", ""),
        ("Lidl", ""),
        ("Allegro", ""),
        ("Żabka", "y"),
        ("Rossmann", ""),
        ("Auchan", ""),
        ("Kaufland", ""),
        ("targ", "o"),
        ("sklep osiedlowy", "o"),
        ("porównywarka Ceneo", ""),
        ("Vinted", "y"),
        ("Pepco", ""),
        ("Dino", "o"),
    ],
    "us": [
        ("Walmart", ""),
        ("Amazon", ""),
        ("Costco", ""),
        ("coupons", "o"),
        ("the local grocery store", "o"),
        ("Target", ""),
        ("Trader Joe's", "y"),
        ("Aldi", ""),
        ("Kroger", ""),
        ("Etsy", "y"),
        ("Dollar General", ""),
    ],
}

# Households: (pl masculine, pl feminine, en, tag) — "mieszka …" / "lives …"
HOUSEHOLDS: list[tuple[str, str, str, str]] = [
    ("z rodzicami", "z rodzicami", "with {p} parents", "y"),
    ("ze współlokatorami", "ze współlokatorami", "with roommates", "y"),
    ("sam", "sama", "alone", ""),
    ("z partnerką", "z partnerem", "with {p} partner", ""),
    ("z żoną i synem", "z mężem i córką", "with {p} spouse and their child", "m"),
    (
        "z żoną i dwójką dzieci",
        "z mężem i dwójką dzieci",
        "with {p} spouse and two kids",
        "m",
    ),
    (
        "z żoną i trójką dzieci",
        "z mężem i trójką dzieci",
        "with {p} spouse and three kids",
        "m",
    ),
    (
        "z synem",
        "z córką",
        "with {p} child as a single parent",
        "m",
    ),
    ("z żoną", "z mężem", "with {p} spouse", "o"),
    ("z rodziną córki", "z rodziną syna", "with {p} daughter's family", "o"),
]

# Education clause after "i …" / "and …" in the work sentence.
EDUCATION_PL: dict[str, tuple[str, str]] = {
    "primary_or_less": ("ma wykształcenie podstawowe", "ma wykształcenie podstawowe"),
    "basic_vocational": (
        "ma wykształcenie zasadnicze zawodowe",
        "ma wykształcenie zasadnicze zawodowe",
    ),
    "secondary": ("ma wykształcenie średnie", "ma wykształcenie średnie"),
    "post_secondary": ("ma wykształcenie policealne", "ma wykształcenie policealne"),
    "tertiary": ("ma wykształcenie wyższe", "ma wykształcenie wyższe"),
    "less_than_high_school": (
        "nie ukończył szkoły średniej",
        "nie ukończyła szkoły średniej",
    ),
    "high_school": ("ma wykształcenie średnie", "ma wykształcenie średnie"),
    "some_college": (
        "zaczął studia, ale ich nie skończył",
        "zaczęła studia, ale ich nie skończyła",
    ),
    "associate": ("ukończył dwuletni college", "ukończyła dwuletni college"),
    "bachelors": ("ma licencjat", "ma licencjat"),
    "advanced": ("ma tytuł magistra", "ma tytuł magistra"),
}
EDUCATION_EN: dict[str, str] = {
    "primary_or_less": "finished primary school",
    "basic_vocational": "has a basic vocational qualification",
    "secondary": "finished secondary school",
    "post_secondary": "has a post-secondary diploma",
    "tertiary": "has a university degree",
    "less_than_high_school": "did not finish high school",
    "high_school": "has a high school diploma",
    "some_college": "took some college classes",
    "associate": "has an associate degree",
    "bachelors": "has a bachelor's degree",
    "advanced": "has a graduate degree",
}

# What students study: (pl accusative, en)
FIELDS: list[tuple[str, str]] = [
    ("informatykę", "computer science"),
    ("zarządzanie", "business"),
    ("psychologię", "psychology"),
    ("pedagogikę", "education"),
    ("ekonomię", "economics"),
    ("budownictwo", "civil engineering"),
    ("filologię angielską", "English"),
    ("biotechnologię", "biology"),
    ("turystykę", "hospitality"),
    ("grafikę", "graphic design"),
]

# Places within urban / rural: (pl, en)
URBAN_PLACES = [
    ("w dużym mieście", "in a large city"),
    ("w średniej wielkości mieście", "in a mid-sized town"),
    ("w małym mieście", "in a small town"),
]
RURAL_PLACES = [("na wsi", "in a rural area"), ("na wsi", "in the countryside")]

# Non-working statuses: (pl masculine, pl feminine, en)
RETIRED = ("emeryt", "emerytka", "retiree")
STUDENT = ("student", "studentka", "college student")
UNEMPLOYED = ("bezrobotny", "bezrobotna", "unemployed")
HOMEMAKER = ("zajmuje się domem", "gospodyni domowa", "homemaker")
