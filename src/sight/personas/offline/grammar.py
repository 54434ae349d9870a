"""Agreement helpers for the offline engine's Polish and English prose.

Polish numerals govern the case of the noun that follows ("22 lata", "25 lat"),
voivodeships are neuter adjectives that take the locative after "w
województwie", and lists read as prose ("czyta książki i łowi ryby"). English
needs articles and serial commas.
"""

from __future__ import annotations

from collections.abc import Sequence

# US census regions in Polish, after a preposition (locative).
_US_REGIONS_PL = {
    "northeast": "na północnym wschodzie Stanów Zjednoczonych",
    "midwest": "na Środkowym Zachodzie Stanów Zjednoczonych",
    "south": "na południu Stanów Zjednoczonych",
    "west": "na zachodzie Stanów Zjednoczonych",
}
_US_REGIONS_EN = {
    "northeast": "in the Northeast",
    "midwest": "in the Midwest",
    "south": "in the South",
    "west": "in the West",
}
NBSP = "\u00a0"


def plural_pl(n: int, one: str, few: str, many: str) -> str:
    """The noun form a Polish numeral takes: 1 rok, 2-4 lata (not 12-14), 5+ lat."""
    if n == 1:
        return one
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return few
    return many


def years_pl(n: int) -> str:
    return f"{n} {plural_pl(n, 'rok', 'lata', 'lat')}"


def voivodeship_locative(label: str) -> str:
    """'wielkopolskie' -> 'w województwie wielkopolskim' (neuter, -ie -> -im)."""
    name = label.strip().lower()
    if name.endswith("ie"):
        name = name[:-2] + "im"
    return f"w województwie {name}"


def region_phrase(country: str, language: str, key: str, label: str) -> str:
    """Where the persona lives, ready to follow a verb ("mieszka …", "lives …")."""
    if country == "pl":
        if language == "pl":
            return voivodeship_locative(label)
        return f"in the {label} Voivodeship"
    if language == "pl":
        return _US_REGIONS_PL.get(key, f"w regionie {label}")
    return _US_REGIONS_EN.get(key, f"in the {label}")


def join(items: Sequence[str], language: str) -> str:
    """'a, b i c' in Polish; 'a, b, and c' in English."""
    words = list(items)
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    if language == "pl":
        return ", ".join(words[:-1]) + " i " + words[-1]
    if len(words) == 2:
        return f"{words[0]} and {words[1]}"
    return ", ".join(words[:-1]) + ", and " + words[-1]


def article(noun: str) -> str:
    """'an accountant', 'a teacher' (by sound of the first letter; IT/HVAC spelled)."""
    first = noun.split()[0]
    vowel_sound = first[0].lower() in "aeio" or (
        first.isupper() and first[0] in "AEFHILMNORSX"
    )
    return f"{'an' if vowel_sound else 'a'} {noun}"


def money(amount: int, language: str, currency: str) -> str:
    if language == "pl":
        digits = f"{amount:,}".replace(",", NBSP)
        return f"{digits}{NBSP}zł" if currency == "PLN" else f"{digits}{NBSP}USD"
    return f"{amount:,} PLN" if currency == "PLN" else f"${amount:,}"


def sentence(text: str) -> str:
    """Capitalise the first letter only (never lower-case proper nouns later on)."""
    return text[:1].upper() + text[1:] if text else text
