"""Validation of a researcher's target demographics against a country's census.

Accepts the original product's shape, e.g.
``{"age_group": {"18-24": 0.3, "25-34": 0.7}, "gender": {"Male": 0.5, "Female": 0.5}}``,
normalises labels to canonical keys and fills the dimensions not given from the census.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel

from sight.demographics.census import (
    Census,
    Country,
    Dimension,
    load_census,
    parse_country,
)
from sight.demographics.errors import Problem, TargetDemographicsError

ROOT_PATH = "target_demographics"
SUM_TOLERANCE = 0.01

ShareOrigin = Literal["target", "census", "census_conditional"]


class TargetDimension(BaseModel):
    """Shares over every category of one dimension (in census order), summing to 1."""

    shares: dict[str, float]
    origin: ShareOrigin
    # for census_conditional: the given dimension the census shares were conditioned on
    conditioned_on: str | None = None


class Target(BaseModel):
    country: Country
    dimensions: dict[str, TargetDimension]

    @property
    def specified(self) -> list[str]:
        """Dimensions the researcher gave (the rest come from the census)."""
        return [k for k, d in self.dimensions.items() if d.origin == "target"]

    @property
    def age_groups(self) -> list[str]:
        """Age brackets the sample may contain (a subset restricts the population)."""
        return [k for k, share in self.shares("age_group").items() if share > 0]

    def shares(self, dimension: str) -> dict[str, float]:
        return self.dimensions[dimension].shares


def validate_target(raw: Mapping[str, object] | None, country: Country | str) -> Target:
    """Check and normalise a target; TargetDemographicsError lists every problem."""
    try:
        parsed_country = parse_country(country)
    except ValueError:
        raise TargetDemographicsError(
            [
                Problem(
                    path="country",
                    message=f"unknown country {country!r}",
                    allowed=[c.value for c in Country],
                )
            ]
        ) from None
    census = load_census(parsed_country)
    problems: list[Problem] = []
    given = _parse_dimensions(raw if raw is not None else {}, census, problems)
    if problems:
        raise TargetDemographicsError(problems)

    dimensions: dict[str, TargetDimension] = {}
    for key, dimension in census.dimensions.items():
        if key in given:
            dimensions[key] = TargetDimension(shares=given[key], origin="target")
        else:
            dimensions[key] = _census_fallback(census, dimension, given)
    return Target(country=parsed_country, dimensions=dimensions)


def _parse_dimensions(
    raw: object, census: Census, problems: list[Problem]
) -> dict[str, dict[str, float]]:
    allowed_dimensions = list(census.dimensions)
    if not isinstance(raw, Mapping):
        problems.append(
            Problem(
                path=ROOT_PATH,
                message="must be an object mapping dimension to a distribution",
                allowed=allowed_dimensions,
            )
        )
        return {}
    given: dict[str, dict[str, float]] = {}
    raw_names: dict[str, str] = {}
    for raw_key, raw_distribution in raw.items():
        path = f"{ROOT_PATH}.{raw_key}"
        key = census.resolve_dimension(raw_key) if isinstance(raw_key, str) else None
        if key is None:
            problems.append(
                Problem(
                    path=path,
                    message=f"unknown dimension {raw_key!r}",
                    allowed=allowed_dimensions,
                )
            )
            continue
        if key in raw_names:
            problems.append(
                Problem(
                    path=path,
                    message=f"dimension {key!r} given twice "
                    f"(also as {raw_names[key]!r})",
                    allowed=allowed_dimensions,
                )
            )
            continue
        raw_names[key] = str(raw_key)
        shares = _parse_distribution(
            path, raw_distribution, census.dimensions[key], problems
        )
        if shares is not None:
            given[key] = shares
    return given


def _parse_distribution(
    path: str, raw: object, dimension: Dimension, problems: list[Problem]
) -> dict[str, float] | None:
    allowed = dimension.category_keys
    if not isinstance(raw, Mapping):
        problems.append(
            Problem(
                path=path,
                message="must be an object mapping category to share",
                allowed=allowed,
            )
        )
        return None
    if not raw:
        problems.append(
            Problem(
                path=path,
                message="empty distribution: give at least one category",
                allowed=allowed,
            )
        )
        return None
    shares: dict[str, float] = {}
    raw_names: dict[str, str] = {}
    valid = True
    for raw_category, raw_share in raw.items():
        category_path = f"{path}.{raw_category}"
        key = dimension.resolve(raw_category) if isinstance(raw_category, str) else None
        if key is None:
            labels = ", ".join(c.labels.en for c in dimension.categories)
            problems.append(
                Problem(
                    path=category_path,
                    message=f"unknown category {raw_category!r} for {dimension.key!r} "
                    f"(keys or labels accepted: {labels})",
                    allowed=allowed,
                )
            )
            valid = False
            continue
        if key in raw_names:
            problems.append(
                Problem(
                    path=category_path,
                    message=f"category {key!r} given twice "
                    f"(also as {raw_names[key]!r})",
                    allowed=allowed,
                )
            )
            valid = False
            continue
        raw_names[key] = str(raw_category)
        share, error = _as_share(raw_share)
        if error is not None:
            problems.append(Problem(path=category_path, message=error))
            valid = False
            continue
        shares[key] = share
    if not valid:
        return None
    total = sum(shares.values())
    if abs(total - 1.0) > SUM_TOLERANCE:
        hint = (
            "; they look like percentages, divide by 100" if 99 <= total <= 101 else ""
        )
        problems.append(
            Problem(
                path=path,
                message=f"shares sum to {total:.4g}; they must sum to 1 "
                f"(tolerance {SUM_TOLERANCE}){hint}",
                allowed=allowed,
            )
        )
        return None
    # categories left out get share 0; renormalise the small rounding slack away
    return {key: shares.get(key, 0.0) / total for key in allowed}


def _as_share(value: object) -> tuple[float, str | None]:
    # bool is an int subclass, but True as a share is almost certainly a mistake
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0, f"share must be a number, got {type(value).__name__} {value!r}"
    share = float(value)
    if not math.isfinite(share):
        return 0.0, f"share must be a finite number, got {value!r}"
    if share < 0:
        return 0.0, f"share must not be negative, got {value!r}"
    return share, None


def _census_fallback(
    census: Census, dimension: Dimension, given: dict[str, dict[str, float]]
) -> TargetDimension:
    """Census shares; conditional on a given dimension when a joint table links them.

    E.g. a target of only 65+ with no gender gives the sex ratio of the 65+ population.
    """
    joint = census.joint_with(dimension.key)
    if joint is not None:
        other_key = next(d for d in joint.dimensions if d != dimension.key)
        if other_key in given:
            first, second = (census.dimensions[d] for d in joint.dimensions)
            table = joint.array(first, second)
            if joint.dimensions[0] == dimension.key:
                table = table.T  # rows: the given dimension
            conditional = table / table.sum(axis=1, keepdims=True)
            weights = [
                given[other_key][k] for k in census.dimensions[other_key].category_keys
            ]
            mixed = [float(v) for v in conditional.T @ weights]
            return TargetDimension(
                shares=dict(zip(dimension.category_keys, mixed, strict=True)),
                origin="census_conditional",
                conditioned_on=other_key,
            )
    return TargetDimension(shares=dimension.shares, origin="census")
