from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from sight.kit.schemas import InputSchema, Int, Schema

Score = Annotated[float, Field(ge=0, le=1)]
INCOME = (
    "Poland: disposable income per person in the persona's household, PLN per "
    "month (GUS household budget survey). United States: total money income of "
    "the persona's household, USD per year (CPS ASEC)."
)
INCOME_BAND = f"Census band of `income`. {INCOME}"
ShortText = Annotated[str, StringConstraints(min_length=2, max_length=200)]


class BigFive(BaseModel):
    openness: Score
    conscientiousness: Score
    extraversion: Score
    agreeableness: Score
    neuroticism: Score


class Hofstede(BaseModel):
    power_distance: Score
    individualism: Score
    masculinity: Score
    uncertainty_avoidance: Score
    long_term_orientation: Score
    indulgence: Score


class EnrichedPersona(BaseModel):
    """What the enrichment model writes for one persona (personas.enrich)."""

    full_name: Annotated[str, StringConstraints(min_length=3, max_length=80)]
    occupation: Annotated[str, StringConstraints(min_length=2, max_length=120)]
    background_story: Annotated[str, StringConstraints(min_length=40, max_length=3000)]
    values: list[ShortText] = Field(min_length=3, max_length=6)
    interests: list[ShortText] = Field(min_length=3, max_length=8)
    big_five: BigFive
    hofstede: Hofstede
    needs: list[ShortText] = Field(
        min_length=2, max_length=5, description="jobs-to-be-done, in their words"
    )
    pain_points: list[ShortText] = Field(min_length=2, max_length=5)
    media_habits: list[ShortText] = Field(min_length=2, max_length=6)
    shopping_habits: list[ShortText] = Field(min_length=2, max_length=6)
    quote: Annotated[str, StringConstraints(min_length=5, max_length=300)]


class SegmentBriefOutput(BaseModel):
    """What the strong model writes for one demographic segment."""

    summary: Annotated[str, StringConstraints(min_length=20, max_length=2000)]
    typical_occupations: list[ShortText] = Field(min_length=2, max_length=8)
    concerns: list[ShortText] = Field(min_length=2, max_length=6)
    media: list[ShortText] = Field(min_length=2, max_length=6)


class GenerateRequest(InputSchema):
    num_personas: Annotated[Int, Field(ge=1, le=1000)] | None = Field(
        None, description="Defaults to the project's target sample size."
    )
    seed: Annotated[Int, Field(ge=0, le=2**31 - 1)] | None = Field(
        None, description="Same seed, same demographic plan; default: random."
    )


class GenerateAccepted(Schema):
    job_id: uuid.UUID
    status_url: str
    events_url: str
    num_personas: int
    estimate: dict[str, Any]


class PersonaListItem(Schema):
    """A persona in a list: who they are and who wrote them. The profile, its
    citations and the validation report are on `GET /personas/{id}`."""

    id: uuid.UUID
    project_id: uuid.UUID
    full_name: str
    age: int
    age_group: str
    gender: str
    location: str
    urban_rural: str
    education: str
    income_band: str = Field(description=INCOME_BAND)
    income: int = Field(description=INCOME)
    income_currency: str = Field(description="PLN (Poland) or USD (United States)")
    occupation: str
    language: str
    segment: str
    generated_by: str
    deleted_at: datetime | None
    created_at: datetime


class PersonaRead(PersonaListItem):
    profile: dict[str, Any]
    prompt_version: str
    citations: list[dict[str, Any]]
    validation: dict[str, Any]


class DistributionRow(Schema):
    category: str
    label: str
    count: int
    share: float
    target_share: float
    census_share: float = Field(description="The category's share in the census data")
    census_verified: bool = Field(
        description="Whether that census figure matched a published source; "
        "false means a documented estimate"
    )


class CensusSource(Schema):
    """Where a dimension's census figures come from and how many are verified."""

    status: str = Field(description="published | recalled | derived")
    verified: int = Field(description="How many of the figures are verified")
    figures: int
    universe: str
    publisher: str
    title: str
    year: int
    url: str | None


class DimensionSummary(Schema):
    label: str
    target_origin: str = Field(
        description="target (the researcher's shares) | census | census_conditional"
    )
    census: CensusSource


class PersonaSummary(Schema):
    total: int
    distributions: dict[str, list[DistributionRow]]
    dimensions: dict[str, DimensionSummary] = Field(default_factory=dict)
    population: int | None = Field(None, description="Census population of the country")
    population_verified: bool = False
    fit: dict[str, Any] | None
