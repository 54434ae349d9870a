"""`GET /api/v1/census/{country}`: the census figures a target is built from.

What the target-audience form needs for its presets and quota preview: every
dimension in census order with its categories' shares, labels in both
languages, value ranges, the source, and whether each figure was checked
against the published table (`verified`) or is still to be checked.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from sight.demographics.census import Labels, Source, ValueRange, load_census
from sight.deps import CurrentUser
from sight.kit.routers import domain_router
from sight.kit.routing import API_PREFIX

router = domain_router(prefix=f"{API_PREFIX}/census", tags=["census"])


class CensusCategoryRead(BaseModel):
    key: str
    labels: Labels
    share: float
    verified: bool
    range: ValueRange | None


class CensusDimensionRead(BaseModel):
    key: str
    labels: Labels
    status: str
    universe: str
    source: Source
    unit: str | None
    period: str | None
    verified_figures: int
    categories: list[CensusCategoryRead]


class CensusRead(BaseModel):
    country: str
    labels: Labels
    population: int
    population_verified: bool
    population_source: Source
    dimensions: list[CensusDimensionRead]


@router.get("/{country}", response_model=CensusRead)
async def get_census(country: Literal["pl", "us"], user: CurrentUser) -> CensusRead:
    """The census distributions of Poland (`pl`) or the United States (`us`)."""
    census = load_census(country)
    return CensusRead(
        country=str(census.country),
        labels=census.labels,
        population=census.population,
        population_verified=census.population_verified,
        population_source=census.population_source,
        dimensions=[
            CensusDimensionRead(
                key=dimension.key,
                labels=dimension.labels,
                status=dimension.status,
                universe=dimension.universe,
                source=dimension.source,
                unit=dimension.values.unit if dimension.values else None,
                period=dimension.values.period if dimension.values else None,
                verified_figures=sum(c.verified for c in dimension.categories),
                categories=[
                    CensusCategoryRead(
                        key=category.key,
                        labels=category.labels,
                        share=category.share,
                        verified=category.verified,
                        range=category.range,
                    )
                    for category in dimension.categories
                ],
            )
            for dimension in census.dimensions.values()
        ],
    )
