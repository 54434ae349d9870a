"""Personas from the offline engine, made the way the generation job makes them:
a quota sample of demographic cells, the same prompt and facts, the same
provider, and the same validation and repair loop (without the database)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from sight.demographics import Cell, build_joint, load_census, quota_sample
from sight.demographics.target import validate_target
from sight.llm.providers.base import Message, ProviderRequest
from sight.llm.providers.offline import OfflineProvider
from sight.personas import offline as _offline  # noqa: F401 (registers composers)
from sight.personas.schemas import EnrichedPersona
from sight.personas.validation import DuplicateGuard, PersonaFacts, check_rules
from sight.prompts import personas as prompts

MAX_REPAIRS = 2
GOALS = {
    "pl": "Czy Polacy w wieku 18-64 lat kupowaliby roślinne napoje zamiast mleka "
    "i ile byliby gotowi za nie zapłacić?",
    "en": "Would Americans switch from dairy milk to plant-based drinks, and at "
    "what price?",
}


@dataclass
class Generated:
    cell: Cell
    facts: PersonaFacts
    persona: EnrichedPersona
    repairs: list[list[str]]
    problems: list[str]


def _label(country: str, dimension: str, key: str, language: str) -> str:
    category = load_census(country).dimensions[dimension].category(key)
    return str(getattr(category.labels, language))


def person_facts(cell: Cell, country: str, language: str) -> dict[str, Any]:
    a = cell.attributes
    return {
        "country": country,
        "language": language,
        "person": {
            "age": cell.age,
            "gender": a["gender"],
            "location": a["location"],
            "location_label": _label(country, "location", a["location"], language),
            "urban_rural": a["urban_rural"],
            "education": a["education"],
            "education_label": _label(country, "education", a["education"], language),
            "income": cell.income,
            "income_currency": cell.income_currency,
            "income_period": cell.income_period,
        },
    }


def _rank(country: str, band: str) -> float:
    keys = load_census(country).dimensions["income"].category_keys
    return keys.index(band) / (len(keys) - 1)


async def _generate(
    country: str, language: str, n: int, seed: int, goal: str
) -> list[Generated]:
    provider = OfflineProvider()
    cells = quota_sample(build_joint(validate_target({}, country)), n, seed)
    guard = DuplicateGuard(sample_size=n)
    made: list[Generated] = []
    for cell in cells:
        facts = PersonaFacts(
            age=cell.age,
            gender=cell.attributes["gender"],
            education=cell.attributes["education"],
            income_band=cell.attributes["income"],
            income_rank=_rank(country, cell.attributes["income"]),
            language=language,
            country=country,
        )
        base = prompts.enrich_prompt(
            person_facts(cell, country, language), {"summary": ""}, goal
        )
        problems: list[str] = []
        repairs: list[list[str]] = []
        for attempt in range(MAX_REPAIRS + 1):
            prompt = (
                base
                if not problems
                else prompts.repair_prompt(base, problems, attempt=attempt)
            )
            response = await provider.generate(
                ProviderRequest(
                    model="offline-engine-v1",
                    system=prompts.enrich_system(language),
                    messages=(Message(role="user", content=prompt),),
                    temperature=0.9,
                    max_tokens=3000,
                    timeout=60,
                    json_schema=EnrichedPersona.model_json_schema(),
                    flow="personas.enrich" if attempt == 0 else "personas.repair",
                    seed=seed,
                )
            )
            persona = EnrichedPersona.model_validate_json(response.text)
            problems = check_rules(persona, facts) + guard.problems(persona)
            if not problems:
                guard.add(persona)
                break
            repairs.append(problems)
        made.append(Generated(cell, facts, persona, repairs, problems))
    return made


def generate(
    country: str, language: str, n: int, seed: int = 7, goal: str | None = None
) -> list[Generated]:
    return asyncio.run(
        _generate(country, language, n, seed, GOALS[language] if goal is None else goal)
    )
