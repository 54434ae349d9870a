"""Checks a generated persona must pass before it is stored.

Rule checks catch profiles that contradict their own demographics (a 30-year-old
pensioner, a physician without a degree, a student in the top income band).
Duplicate checks catch the sample collapsing onto one person: the same name, or
a background story nearly identical to one already accepted (cosine similarity of
story embeddings). Failing personas are regenerated with the problems listed, a
bounded number of times, and otherwise reported as failed, never silently kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from sight.personas.schemas import EnrichedPersona

STORY_SIMILARITY_LIMIT = 0.95

_TERTIARY = {"tertiary", "bachelors", "advanced"}
_RETIRED = re.compile(r"\b(emeryt|emerytka|rencist|retired|retiree|pensioner)", re.I)
_STUDENT = re.compile(r"\b(student|studentka|uczeń|uczennica|pupil)\b", re.I)
_UNEMPLOYED = re.compile(r"\b(bezrobotn|unemployed|jobless)", re.I)
# Occupations that require a university degree in both countries.
_DEGREE_REQUIRED = re.compile(
    r"\b(lekar|physician|doctor|surgeon|chirurg|prawnik|adwokat|lawyer|attorney|"
    r"architekt|architect|farmaceut|pharmacist|dentyst|dentist|weterynarz|"
    r"veterinarian|sędzi|judge|professor|profesor)",
    re.I,
)


@dataclass
class PersonaFacts:
    age: int
    gender: str
    education: str
    income_band: str
    income_rank: float  # 0 = lowest band of the country, 1 = highest


@dataclass
class ValidationResult:
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_rules(persona: EnrichedPersona, facts: PersonaFacts) -> list[str]:
    problems: list[str] = []
    occupation = persona.occupation
    if _RETIRED.search(occupation) and facts.age < 50:
        problems.append(
            f"retired at {facts.age}: choose an occupation fitting that age"
        )
    if _STUDENT.search(occupation) and facts.age > 35:
        problems.append(f"a student at {facts.age} is implausible for this sample")
    if _DEGREE_REQUIRED.search(occupation) and facts.education not in _TERTIARY:
        problems.append(
            f"'{occupation}' needs a university degree "
            f"but education is {facts.education}"
        )
    if (_STUDENT.search(occupation) or _UNEMPLOYED.search(occupation)) and (
        facts.income_rank >= 0.8
    ):
        problems.append(
            f"'{occupation}' does not fit income band {facts.income_band} "
            "(top of the scale)"
        )
    if len(persona.full_name.split()) < 2:
        problems.append("full_name needs a first name and a surname")
    return problems


def normalise_name(name: str) -> str:
    return " ".join(name.lower().split())


def _unit(vector: list[float]) -> NDArray[np.float32]:
    array = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(array))
    return array / norm if norm else array


class DuplicateGuard:
    """Names and story embeddings of the personas accepted so far in a project."""

    def __init__(self) -> None:
        self._names: set[str] = set()
        self._stories: list[NDArray[np.float32]] = []

    def add(self, name: str, story_vector: list[float] | None) -> None:
        self._names.add(normalise_name(name))
        if story_vector is not None:
            self._stories.append(_unit(story_vector))

    def problems(self, name: str, story_vector: list[float] | None) -> list[str]:
        found: list[str] = []
        if normalise_name(name) in self._names:
            found.append(f"the name '{name}' is already used in this sample")
        if story_vector is not None and self._stories:
            closest = float(np.max(np.stack(self._stories) @ _unit(story_vector)))
            if closest >= STORY_SIMILARITY_LIMIT:
                found.append(
                    f"the background story is a near-duplicate of another persona "
                    f"(similarity {closest:.2f})"
                )
        return found
