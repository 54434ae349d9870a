"""Themes and concepts of answers without a language model.

Two kinds, both real measures of the text:

- **Themes** from a catalogue of what consumer research keeps hearing about
  (price, quality, convenience, trust, ...), each recognised by word stems in
  Polish and English, so "za drogie", "ceny" and "overpriced" all count as
  *price*. Labels are in the group's language.
- **Emergent concepts**: content words several answers share that no theme
  covers (a brand, "refill", "dostawa"), grouped by a short stem so Polish
  inflections count together, labelled with their most common form.

Synchronous CPU work: run it in a worker thread.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass(frozen=True)
class ThemeDef:
    key: str
    pl: str
    en: str
    stems: tuple[str, ...]

    def label(self, language: str) -> str:
        return self.pl if language == "pl" else self.en


CATALOGUE: tuple[ThemeDef, ...] = (
    ThemeDef(
        "price", "Cena", "Price",
        ("cen", "koszt", "za drog", "drogie", "drogo", "droższ", "drożej",
         "tani", "tań", "płac", "zapłac", "złot", "zł",
         "pieniąd", "budżet", "promocj", "rabat", "przepłac", "price", "pric",
         "cost", "expensive", "cheap", "afford", "pay", "money", "budget",
         "discount", "overpric", "dollar", "subscription", "subskrypc"),
    ),
    ThemeDef(
        "quality", "Jakość", "Quality",
        ("jakoś", "solidn", "trwał", "tandet", "zepsu", "wykonan", "quality",
         "durab", "solid", "well made", "flims", "break", "broke"),
    ),
    ThemeDef(
        "convenience", "Wygoda", "Convenience",
        ("wygod", "łatw", "prost", "ułatwi", "szybk", "praktyczn", "skomplik",
         "convenien", "easy", "easier", "simple", "quick", "practical", "hassle",
         "complicat", "effort"),
    ),
    ThemeDef(
        "time", "Czas", "Time",
        ("czas", "oszczędz", "minut", "godzin", "rano", "wieczor", "time",
         "minute", "hour", "morning", "evening", "busy", "zapracowan", "schedule"),
    ),
    ThemeDef(
        "trust", "Zaufanie", "Trust",
        ("zaufan", "ufam", "ufał", "wiarygod", "oszust", "naciąg", "obiecyw",
         "uczciw", "trust", "reliab", "scam", "promise", "honest", "credib",
         "suspicious", "podejrzan"),
    ),
    ThemeDef(
        "health", "Zdrowie", "Health",
        ("zdrow", "skład", "cukier", "dieta", "kalor", "naturaln", "chemi",
         "health", "ingredient", "sugar", "diet", "calori", "natural", "organic"),
    ),
    ThemeDef(
        "environment", "Ekologia", "Environment",
        ("ekolog", "środowisk", "plastik", "recykl", "odpad", "klimat", "eko",
         "environment", "eco", "plastic", "recycl", "waste", "green",
         "sustainab", "climate", "refill"),
    ),
    ThemeDef(
        "design", "Wygląd i opakowanie", "Design and packaging",
        ("wygląd", "wygląda", "opakowa", "design", "kolor", "estetycz",
         "nowoczesn", "look", "packag", "colour", "color", "style", "label",
         "etykiet"),
    ),
    ThemeDef(
        "availability", "Dostępność i dostawa", "Availability and delivery",
        ("dostęp", "dostaw", "sklep", "market", "kurier", "zamów", "internet",
         "available", "availab", "deliver", "shop", "store", "order", "online",
         "courier"),
    ),
    ThemeDef(
        "family", "Rodzina", "Family",
        ("rodzin", "dziec", "dzieci", "mąż", "męż", "żon", "mama", "mamie", "mamą",
         "mamę", "matk", "tata", "syn",
         "córk", "family", "kid", "child", "children", "husband", "wife",
         "mother", "father", "parent", "son", "daughter"),
    ),
    ThemeDef(
        "technology", "Technologia i aplikacje", "Technology and apps",
        ("aplikac", "telefon", "smartfon", "internet", "technolog", "cyfrow",
         "app", "phone", "smartphone", "technolog", "digital", "online"),
    ),
    ThemeDef(
        "privacy", "Prywatność i dane", "Privacy and data",
        ("prywat", "dane", "danych", "lokalizac", "śledz", "privacy", "data",
         "location", "track"),
    ),
    ThemeDef(
        "service", "Obsługa", "Customer service",
        ("obsług", "infolinia", "reklamac", "konsultant", "service",
         "support", "complain"),
    ),
    ThemeDef(
        "taste", "Smak", "Taste",
        ("smak", "smacz", "pyszn", "taste", "tasty", "flavour", "flavor",
         "delicious"),
    ),
    ThemeDef(
        "habit", "Przyzwyczajenia", "Habits",
        ("zwykle", "zazwyczaj", "przyzwycz", "nawyk", "codzien",
         "usually", "habit", "routine", "every day", "used to"),
    ),
    ThemeDef(
        "brand", "Marka", "Brand",
        ("marka", "marki", "markę", "marek", "markow", "firma", "firmy",
         "producent", "reklam", "brand", "company", "advert", "manufacturer"),
    ),
)  # fmt: skip
THEMES = {theme.key: theme for theme in CATALOGUE}

# Function words and fillers that are never concepts (lower case).
STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because
    been before being below between both but by can could did do does doing down
    during each even ever every few for from further get got had has have having he
    her here hers him his how i if in into is it its itself just know like make
    maybe me more most much my myself no nor not now of off often on once only or
    other our ours out over own probably quite rather really same say she should
    so some something such than that the their theirs them then there these they
    thing things think this those though through to too under until up us very
    want was way we well were what when where which while who whom why will with
    would yes yet you your yours i'd i'm i've it's don't doesn't wouldn't can't
    sure lot lots kind actually honestly definitely feel guess mean one two also
    a aby ale albo ani bardzo bez bo by być był była było były będzie ci cię co
    coś czy często dla do dlatego dość gdy gdyby gdzie go ich i im inne inny ja
    jak jakby jaki jakie jako je jeden jego jej jest jestem jeszcze jeśli już
    kiedy kto która które który ku lub ma mam mają mi mnie mną mogę może można
    moja moje moim moja mój mu my na nad nam nas nasz nasza nasze naszej nawet nic
    nie niech nigdy nim niż no o od on ona one oni ono oraz po pod ponieważ przez
    przy raczej raz sam sama się są ta tak taka taki takie także tam te tego tej
    ten też to tobą tobie tu tutaj twój ty tych tylko tym u w we więc wszystko
    wtedy wy z za ze że żeby chyba myślę sobie mój moja coś trochę właśnie wiem
    wiesz będę byłoby byłaby byłby pewnie naprawdę szczerze powiedzieć mówiąc
    pan pani państwo ludzie ludzi czymś czegoś tego temu takich takiej tylko
    rzeczy rzecz sprawa sprawy zdaniem
    said says saying comes come coming start started first second last going
    goes make makes made take takes look looks seems seem sounds right good
    well still much many every anything everything nothing someone people
    thing honestly point points part around away back always never again
    widzę wolę głównie podobnie podobnie mówię sądzę uważam jestem jesteś
    jesteśmy byłem byłam będę będzie mogłabym mogłbym chciałbym chciałabym
    powiem wydaje zawsze nigdy jeszcze tylko także również zresztą dlatego
    przede wszystkim bardziej mniej najbardziej trochę dużo mało wszyscy
    każdy każda każde wszystkie moim twoim swoim swoje swoją swój
    biggest without enough helps helped close proven judge often usually
    maybe perhaps rather quite pretty those these there their about above
    below under since while where which whose other another either neither
    mostly least most best worst better worse really simply plain simple
    raczej naprawdę zwykle często czasem bardzo całkiem dosyć trochę sporo
    największy największa największe najlepiej lepiej gorzej chodzi jedno
    jedna jeden dzień dnia dniu sposób sposobu
    """.split()
)
# English adverbs ("mostly", "honestly") are fillers, not concepts.
_NOT_CONCEPT_ENDINGS = ("ly",)

MIN_WORD = 5  # shorter words are rarely concepts in either language
STEM = 6  # characters that group inflected forms ("dostawa", "dostawy")


def themes_of(text: str) -> list[str]:
    """Catalogue themes the text mentions (keys, catalogue order)."""
    lowered = text.lower()
    words = _WORD.findall(lowered)
    found: list[str] = []
    for theme in CATALOGUE:
        for stem in theme.stems:
            if " " in stem:
                hit = stem in lowered
            elif len(stem) <= 3:
                # Short stems ("zł", "app", "eco") must be the whole word or
                # its start with a short ending, or they match everything.
                hit = any(w == stem or (w.startswith(stem) and len(w) <= len(stem) + 2)
                          for w in words)  # fmt: skip
            else:
                hit = any(w.startswith(stem) for w in words)
            if hit:
                found.append(theme.key)
                break
    return found


def _theme_word(word: str) -> bool:
    return any(
        word.startswith(stem) for theme in CATALOGUE for stem in theme.stems
        if len(stem) > 3 and " " not in stem
    )  # fmt: skip


def content_words(text: str) -> list[str]:
    return [
        w
        for w in _WORD.findall(text.lower())
        if len(w) >= MIN_WORD
        and w not in STOPWORDS
        and not (w.isascii() and w.endswith(_NOT_CONCEPT_ENDINGS))
    ]


def emergent_concepts(
    texts: Sequence[str], *, min_answers: int = 2, limit: int = 10
) -> dict[str, str]:
    """Stems shared by several answers that no theme covers, most widespread
    first: {stem: label (the most common surface form)}. A word in more than
    half of the answers is the group's vocabulary, not a concept."""
    answers_with: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for text in texts:
        seen: set[str] = set()
        for word in content_words(text):
            if _theme_word(word):
                continue
            stem = word[:STEM]
            forms[stem][word] += 1
            seen.add(stem)
        answers_with.update(seen)
    ranked = [
        stem for stem, count in answers_with.most_common() if count >= min_answers
    ]
    return {stem: forms[stem].most_common(1)[0][0] for stem in ranked[:limit]}


def concepts_of(text: str, emergent: dict[str, str]) -> list[str]:
    """The emergent concepts (their labels) one answer mentions."""
    stems = {w[:STEM] for w in content_words(text)}
    return [label for stem, label in emergent.items() if stem in stems]
