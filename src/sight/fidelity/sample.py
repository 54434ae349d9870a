"""A persona sample matching each benchmark group, drawn from the census.

Each group's sample is a quota sample (`sight.demographics.quota_sample`) of
the country's census with the group's dimension restricted (education:
high school -> the census high_school and some_college categories), every
other dimension following the census. Age groups restrict the census age
brackets they overlap (weighted by the overlap) and exact ages are then drawn
inside the group's range. Attributes outside the census (race in the US
benchmark) are fixed for their groups and drawn from the benchmark's shares
for the others.

Personas here are demographic profiles, not LLM-written life stories: the
measure is how well answers conditioned on demographics match the humans (as
in OpinionQA), and a second model-written layer would add its own variance.
Deterministic for a seed: a repeated run asks the same people.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from typing import Any

from sight.demographics import build_joint, load_census, quota_sample, validate_target
from sight.demographics.census import Census
from sight.fidelity.benchmark import OVERALL, Benchmark, GroupSpec
from sight.personas.offline.names import offline_name


@dataclass(frozen=True)
class Respondent:
    key: str  # "<group>#<index>": unique in a run, the answering seed
    group: str
    persona: dict[str, Any]


def _seed(seed: int, *parts: str) -> int:
    digest = hashlib.sha256(":".join([str(seed), *parts]).encode()).digest()
    return int.from_bytes(digest[:4], "big")


def overall_mixture(bench: Benchmark) -> dict[str, float] | None:
    """Weights of the groups whose mixture is the overall synthetic distribution
    (a census partition, e.g. men and women), or None if overall needs its own
    sample."""
    if bench.overall_from is None or OVERALL not in {g.id for g in bench.groups}:
        return None
    family = [g for g in bench.groups if g.family == bench.overall_from]
    if not family or any(g.kind != "dimension" for g in family):
        return None
    census = load_census(bench.country)
    dimension = census.dimensions[str(family[0].dimension)]
    covered = [c for g in family for c in g.categories]
    if sorted(covered) != sorted(dimension.category_keys):
        return None  # not every category selected: no partition
    shares = dimension.shares
    return {g.id: sum(shares[c] for c in g.categories) for g in family}


def sampled_groups(bench: Benchmark) -> list[GroupSpec]:
    """Groups that need their own respondents."""
    mixture = overall_mixture(bench)
    return [g for g in bench.groups if not (g.id == OVERALL and mixture is not None)]


def _target(census: Census, group: GroupSpec) -> dict[str, dict[str, float]]:
    raw = _weights(census, group)
    return {
        dimension: {key: w / sum(weights.values()) for key, w in weights.items()}
        for dimension, weights in raw.items()
    }


def _weights(census: Census, group: GroupSpec) -> dict[str, dict[str, float]]:
    if group.kind == "dimension" and group.dimension:
        shares = census.dimensions[group.dimension].shares
        return {
            group.dimension: {
                key: (share if key in group.categories else 0.0)
                for key, share in shares.items()
            }
        }
    if group.kind == "age":
        low, high = int(group.age_min or 18), int(group.age_max or 100)
        weights: dict[str, float] = {}
        for category in census.dimensions["age_group"].categories:
            rng = category.range
            if rng is None:
                continue
            c_low, c_high = int(rng.min or 0), int(rng.max or 120)
            overlap = min(high, c_high) - max(low, c_low) + 1
            span = c_high - c_low + 1
            weights[category.key] = (
                category.share * overlap / span if overlap > 0 else 0.0
            )
        return {"age_group": weights}
    return {}


def _label(census: Census, dimension: str, key: str, language: str) -> str:
    for category in census.dimensions[dimension].categories:
        if category.key == key:
            return str(getattr(category.labels, language))
    return key


def _rank(census: Census, dimension: str, key: str) -> float:
    keys = census.dimensions[dimension].category_keys
    return keys.index(key) / max(1, len(keys) - 1) if key in keys else 0.5


def draw_sample(bench: Benchmark, per_group: int, seed: int) -> list[Respondent]:
    census = load_census(bench.country)
    language = bench.language
    out: list[Respondent] = []
    for group in sampled_groups(bench):
        raw = _target(census, group)
        target = validate_target(raw, bench.country)
        cells = quota_sample(
            build_joint(target, census), per_group, _seed(seed, group.id)
        )
        rng = random.Random(_seed(seed, group.id, "people"))  # noqa: S311
        for cell in cells:
            a = cell.attributes
            age = cell.age
            if group.kind == "age":
                bracket = census.dimensions["age_group"].category(a["age_group"]).range
                low = max(
                    int(group.age_min or 18), int(bracket.min or 18) if bracket else 18
                )
                high = min(
                    int(group.age_max or 100),
                    int(bracket.max or 100) if bracket else 100,
                )
                age = rng.randint(low, max(low, high))
            extra: dict[str, str] = {}
            for name, spec in bench.attributes.items():
                if group.kind == "attribute" and group.attribute == name:
                    extra[name] = str(group.value)
                else:
                    values = list(spec["shares"])
                    extra[name] = rng.choices(
                        values, weights=[spec["shares"][v] for v in values]
                    )[0]
            out.append(
                Respondent(
                    key=f"{group.id}#{cell.index}",
                    group=group.id,
                    persona=_persona(
                        bench,
                        census,
                        language,
                        a,
                        age,
                        cell.income,
                        cell.income_currency,
                        extra,
                        rng,
                    ),
                )
            )
    return out


def _persona(
    bench: Benchmark,
    census: Census,
    language: str,
    a: dict[str, str],
    age: int,
    income: int,
    currency: str,
    extra: dict[str, str],
    rng: random.Random,
) -> dict[str, Any]:
    location = _label(census, "location", a["location"], language)
    education = _label(census, "education", a["education"], language)
    country = str(getattr(census.labels, language))
    described = [f"{age}-year-old {a['gender']}"]
    for name, value in extra.items():
        spec = bench.attributes[name]
        described.append(
            f"{spec.get('label', name)}: {spec.get('labels', {}).get(value, value)}"
        )
    described.append(f"lives in {location} ({a['urban_rural']}), {country}")
    described.append(f"education: {education}")
    return {
        "name": offline_name(bench.country, a["gender"], age, rng),
        "age": age,
        "gender": a["gender"],
        "location": f"{location}, {country}",
        "urban_rural": a["urban_rural"],
        "education": education,
        "income": f"{income} {currency}",
        "story": "; ".join(described) + ".",
        "cell": {**a, **extra},
        # What the offline engine reads (as surveys give it), 0..1 each.
        "traits": {
            "age": min(1.0, max(0.0, (age - 18) / 62)),
            "income": _rank(census, "income", a["income"]),
            "education": _rank(census, "education", a["education"]),
            "urban": 1.0 if a["urban_rural"] == "urban" else 0.0,
            "female": 1.0 if a["gender"] == "female" else 0.0,
            "big_five": {},
        },
    }


def sample_digest(respondents: list[Respondent]) -> str:
    """A fingerprint of who was asked: equal digests, equal samples."""
    payload = json.dumps(
        [[r.key, r.persona["cell"], r.persona["age"]] for r in respondents],
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def sample_summary(bench: Benchmark, per_group: int, seed: int) -> dict[str, Any]:
    return {
        "method": "census quota sample per group (sight.demographics), "
        "demographic profiles without LLM-written stories",
        "country": bench.country,
        "per_group": per_group,
        "seed": seed,
        "overall": "census-weighted mixture of the "
        + str(bench.overall_from)
        + " groups"
        if overall_mixture(bench)
        else "its own sample",
    }
