"""Checks a generated persona must pass before it is stored.

They catch what a reader catches, on LLM and offline output alike:
- agreement: a Polish occupation in the persona's grammatical gender (no man
  as "nauczycielka", no woman as "emeryt"), numerals with the right noun form
  ("32 lata", not "32 lat"), voivodeships in the locative, English pronouns
  matching the persona's sex;
- prose: no "na: książki, wędkarstwo" lists, no capitalised common words
  mid-sentence;
- coherence: no pensioner at 32, no student at 50, no lawyer without a degree
  or under 25, income consistent with the occupation;
- diversity: the same name, the same quote, an occupation far more common than
  in the population, or a background story nearly identical to one already
  accepted (cosine similarity of story embeddings).
Failing personas are regenerated with the problems listed, a bounded number of
times, and otherwise reported as failed, never silently kept.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from sight.demographics.occupations import DEGREE, load_occupations
from sight.personas.schemas import EnrichedPersona

# numpy (0.1 s of CPU) is imported where used, not by `sight serve`'s start (issue 16).
if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

STORY_SIMILARITY_LIMIT = 0.95
# An occupation may be held by at most this share of a sample (and at least 2
# personas): the most common real occupations are a few percent of adults.
OCCUPATION_SHARE_LIMIT = 0.08

_RETIRED = re.compile(r"\b(emeryt|emerytka|rencist|retired|retiree|pensioner)", re.I)
_STUDENT = re.compile(r"\b(student|studentka|uczeń|uczennica|pupil)\b", re.I)
_UNEMPLOYED = re.compile(r"\b(bezrobotn|unemployed|jobless)", re.I)
_NOT_WORKING = re.compile(
    rf"{_RETIRED.pattern}|{_STUDENT.pattern}|{_UNEMPLOYED.pattern}|"
    r"\b(gospodyni domowa|homemaker|zajmuje się domem)",
    re.I,
)
# Occupations that require a university degree in both countries.
_DEGREE_REQUIRED = re.compile(
    r"\b(lekar|physician|doctor|surgeon|chirurg|prawnik|prawniczk|adwokat|lawyer|"
    r"attorney|architekt|architect|farmaceut|pharmacist|dentyst|dentist|weterynarz|"
    r"veterinarian|sędzi|judge|professor|profesor|nauczyciel|teacher|psycholog)",
    re.I,
)
_HIGH_PAY = re.compile(
    r"\b(lekar|physician|surgeon|prawnik|prawniczk|adwokat|lawyer|attorney|"
    r"dyrektor|director|executive|prezes|programist|software|developer|architekt|"
    r"architect|analityk finansow|analityczka finansow|financial analyst)",
    re.I,
)
_LOW_PAY = re.compile(
    r"\b(sprzątacz|cleaner|janitor|kasjer|cashier|kelner|waiter|waitress|server|"
    r"pomocnik|pomocniczka|helper|ochron|security guard|magazynier|warehouse|"
    r"sprzedaw|retail|dishwasher|zmywak)",
    re.I,
)
# Polish feminine forms: a man cannot hold them (with the occupation table's,
# `_feminine_pl`).
_FEMININE_WORDS_PL = {
    "emerytka",
    "rencistka",
    "studentka",
    "bezrobotna",
    "gospodyni",
    "uczennica",
    "nauczycielka",
    "sprzątaczka",
    "księgowa",
    "pielęgniarka",
    "sprzedawczyni",
    "kasjerka",
    "fryzjerka",
    "kucharka",
    "kelnerka",
    "ekspedientka",
    "opiekunka",
    "urzędniczka",
    "kierowniczka",
    "sekretarka",
    "krawcowa",
}
# Masculine forms whose feminine is the standard Polish word for a woman.
_MASCULINE_PL = {
    "emeryt",
    "rencista",
    "student",
    "bezrobotny",
    "uczeń",
    "nauczyciel",
    "sprzątacz",
    "księgowy",
    "pielęgniarz",
    "sprzedawca",
    "kasjer",
    "fryzjer",
    "kucharz",
    "kelner",
    "ekspedient",
    "opiekun",
    "urzędnik",
    "kierownik",
    "sekretarz",
    "krawiec",
    "pracownik",
    "recepcjonista",
    "policjant",
    "właściciel",
    "przedstawiciel",
    "specjalista",
    "konsultant",
    "asystent",
}


@cache
def _feminine_pl() -> frozenset[str]:
    """Read on the first check, not at import: the occupation table is a YAML
    file (PyYAML and the table, ~0.03 s of a start's CPU; issue 16)."""
    occupations = load_occupations().occupations
    feminine = _FEMININE_WORDS_PL | {o.pl[1].split()[0] for o in occupations}
    return frozenset(feminine - {o.pl[0].split()[0] for o in occupations})


_POLISH = re.compile(r"[ąćęłńóśźż]", re.I)
# "ma 32 lata": the age construction only ("od 2 lat", genitive, is correct)
_AGE_PL = re.compile(r"\bma\s+(\d{1,3})\s+(lat|lata|rok)\b")
_VOIVODESHIP = re.compile(r"\bw województwie\s+([\w-]+)", re.I)
# "spędza na: książki, wędkarstwo" (a word after the colon, not "6:30, …")
_COLON_LIST = re.compile(r":\s+[^\W\d_][^\s.,:;]*(\s[^\s.,:;]+)?,\s*\S")
_HE = re.compile(r"\b(he|him|his|himself)\b", re.I)
_SHE = re.compile(r"\b(she|her|hers|herself)\b", re.I)


@dataclass
class PersonaFacts:
    age: int
    gender: str
    education: str
    income_band: str
    income_rank: float  # 0 = lowest band of the country, 1 = highest
    language: str | None = None  # None: told apart from the text
    country: str | None = None


@dataclass
class ValidationResult:
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _years_form(n: int) -> str:
    if n == 1:
        return "rok"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return "lata"
    return "lat"


def _language(persona: EnrichedPersona, facts: PersonaFacts) -> str:
    if facts.language is not None:
        return facts.language
    text = f"{persona.occupation} {persona.background_story} {persona.quote}"
    return "pl" if _POLISH.search(text) else "en"


def agreement_problems(persona: EnrichedPersona, facts: PersonaFacts) -> list[str]:
    problems: list[str] = []
    language = _language(persona, facts)
    texts = (persona.background_story, persona.quote)
    if language == "pl":
        head = (
            persona.occupation.strip().split()[0].casefold()
            if persona.occupation.strip()
            else ""
        )
        if facts.gender == "male" and head in _feminine_pl():
            problems.append(
                f"'{persona.occupation}' is a feminine form for a man: "
                "use the masculine form of the occupation"
            )
        if facts.gender == "female" and head in _MASCULINE_PL:
            problems.append(
                f"'{persona.occupation}' is a masculine form for a woman: "
                "use the feminine form of the occupation"
            )
        for text in texts:
            for number, noun in _AGE_PL.findall(text):
                expected = _years_form(int(number))
                if noun != expected:
                    problems.append(
                        f"'{number} {noun}' should read '{number} {expected}'"
                    )
            for name in _VOIVODESHIP.findall(text):
                if not name.casefold().endswith("im"):
                    problems.append(
                        f"'w województwie {name}' needs the locative "
                        f"(e.g. 'w województwie mazowieckim')"
                    )
    else:
        # wrong pronouns and no right ones: "he" may be her husband
        story = persona.background_story
        right, wrong = (_HE, _SHE) if facts.gender == "male" else (_SHE, _HE)
        found = wrong.search(story)
        if facts.gender in ("male", "female") and found and not right.search(story):
            problems.append(
                f"the story refers to a {facts.gender} persona as '{found.group(0)}'"
            )
    if _COLON_LIST.search(persona.background_story):
        problems.append("write lists in prose, not as 'word: a, b' fragments")
    problems.extend(_capital_problems(persona))
    return problems


def _capital_problems(persona: EnrichedPersona) -> list[str]:
    """Common words (values, interests) capitalised in the middle of a sentence."""
    words = {
        w
        for item in [*persona.values, *persona.interests]
        for w in item.split()
        if w.islower() and len(w) > 3
    }
    found: list[str] = []
    for text in (persona.background_story, persona.quote):
        for word in words:
            capital = word[0].upper() + word[1:]
            if re.search(rf"[\w,;] {re.escape(capital)}\b", text):
                found.append(f"'{capital}' is capitalised mid-sentence")
    return sorted(set(found))


def coherence_problems(persona: EnrichedPersona, facts: PersonaFacts) -> list[str]:
    problems: list[str] = []
    occupation = persona.occupation
    if _RETIRED.search(occupation) and facts.age < 50:
        problems.append(
            f"retired at {facts.age}: choose an occupation fitting that age"
        )
    if facts.age >= 85 and not _NOT_WORKING.search(occupation):
        problems.append(
            f"still working as '{occupation}' at {facts.age} is implausible: "
            "a retiree, perhaps with a former occupation in the story"
        )
    if _STUDENT.search(occupation) and facts.age > 35:
        problems.append(f"a student at {facts.age} is implausible for this sample")
    if _DEGREE_REQUIRED.search(occupation) and facts.education not in DEGREE:
        problems.append(
            f"'{occupation}' needs a university degree "
            f"but education is {facts.education}"
        )
    if _DEGREE_REQUIRED.search(occupation) and facts.age < 23:
        problems.append(f"'{occupation}' at {facts.age} is too young to be qualified")
    if (_STUDENT.search(occupation) or _UNEMPLOYED.search(occupation)) and (
        facts.income_rank >= 0.8
    ):
        problems.append(
            f"'{occupation}' does not fit income band {facts.income_band} "
            "(top of the scale)"
        )
    if _HIGH_PAY.search(occupation) and facts.income_rank <= 0.0:
        problems.append(
            f"'{occupation}' does not fit income band {facts.income_band} "
            "(the lowest): choose an occupation that fits the income"
        )
    if _LOW_PAY.search(occupation) and facts.income_rank >= 1.0:
        problems.append(
            f"'{occupation}' does not fit income band {facts.income_band} "
            "(the highest): choose an occupation that fits the income"
        )
    if len(persona.full_name.split()) < 2:
        problems.append("full_name needs a first name and a surname")
    return problems


def check_rules(persona: EnrichedPersona, facts: PersonaFacts) -> list[str]:
    return coherence_problems(persona, facts) + agreement_problems(persona, facts)


def normalise_name(name: str) -> str:
    return " ".join(name.lower().split())


def _unit(vector: list[float]) -> NDArray[np.float32]:
    import numpy as np

    array = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(array))
    return array / norm if norm else array


def _occupation_key(occupation: str) -> str | None:
    """Occupations counted together whatever the grammatical gender."""
    if _NOT_WORKING.search(occupation):
        return None
    found = load_occupations().find(occupation)
    return found.key if found is not None else normalise_name(occupation)


class DuplicateGuard:
    """Names, quotes, occupations and story embeddings of the personas accepted
    so far in a project."""

    def __init__(self, sample_size: int | None = None) -> None:
        self._names: set[str] = set()
        self._quotes: set[str] = set()
        self._occupations: Counter[str] = Counter()
        self._stories: list[NDArray[np.float32]] = []
        self.sample_size = sample_size

    @property
    def size(self) -> int:
        """Personas added so far."""
        return len(self._names)

    def occupation_limit(self) -> int:
        size = self.sample_size or 20
        return max(2, math.ceil(OCCUPATION_SHARE_LIMIT * size))

    def add(
        self, persona: EnrichedPersona | str, story_vector: list[float] | None = None
    ) -> None:
        if isinstance(persona, str):
            self._names.add(normalise_name(persona))
        else:
            self._names.add(normalise_name(persona.full_name))
            self._quotes.add(normalise_name(persona.quote))
            key = _occupation_key(persona.occupation)
            if key is not None:
                self._occupations[key] += 1
        if story_vector is not None:
            self._stories.append(_unit(story_vector))

    def problems(
        self, persona: EnrichedPersona | str, story_vector: list[float] | None = None
    ) -> list[str]:
        import numpy as np

        name = persona if isinstance(persona, str) else persona.full_name
        found: list[str] = []
        if normalise_name(name) in self._names:
            found.append(f"the name '{name}' is already used in this sample")
        if not isinstance(persona, str):
            if normalise_name(persona.quote) in self._quotes:
                found.append("the quote repeats another persona's quote word for word")
            key = _occupation_key(persona.occupation)
            if key is not None and self._occupations[key] >= self.occupation_limit():
                found.append(
                    f"the occupation '{persona.occupation}' is already held by "
                    f"{self._occupations[key]} personas: far more than in the "
                    "population; choose another"
                )
        if story_vector is not None and self._stories:
            closest = float(np.max(np.stack(self._stories) @ _unit(story_vector)))
            if closest >= STORY_SIMILARITY_LIMIT:
                found.append(
                    f"the background story is a near-duplicate of another persona "
                    f"(similarity {closest:.2f})"
                )
        return found
