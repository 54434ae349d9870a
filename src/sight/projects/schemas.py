from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from sight.kit.schemas import Float, InputSchema, Int, Line, Schema, Text
from sight.llm.schemas import FlowOverride

Name = Annotated[
    Line, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]
LongText = Annotated[Text, StringConstraints(max_length=20_000)]
Language = Literal["pl", "en"]
CountryCode = Literal["pl", "us"]
SampleSize = Annotated[Int, Field(ge=1, le=5000)]
Budget = Annotated[Float, Field(ge=0, le=1_000_000)]


class ProjectCreate(InputSchema):
    name: Name
    description: LongText = ""
    research_goal: LongText = ""
    language: Language = "pl"
    country: CountryCode = "pl"
    target_sample_size: SampleSize = 20
    target_demographics: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            'Shares per dimension, e.g. {"age_group": {"18-24": 0.3, "25-34": 0.7},'
            ' "gender": {"Male": 0.5, "Female": 0.5}}. Dimensions: age_group, gender,'
            " location, urban_rural, education, income. Missing dimensions follow the"
            " country's census."
        ),
    )
    budget_usd: Budget | None = None
    team_id: uuid.UUID | None = Field(
        None,
        description="Share the project with this team (you must be its owner or "
        "member); null: only you (and admins)",
    )


class ProjectLLMOverrides(InputSchema):
    """Model routing for this project only: a provider for every flow and/or
    per-flow settings (see GET /api/v1/settings/llm for the flows)."""

    provider: Literal["gemini", "openai", "anthropic", "ollama", "offline"] | None = (
        None
    )
    flows: dict[str, FlowOverride] = Field(default_factory=dict)


class ProjectUpdate(InputSchema):
    name: Name | None = None
    description: LongText | None = None
    research_goal: LongText | None = None
    language: Language | None = None
    country: CountryCode | None = None
    target_sample_size: SampleSize | None = None
    target_demographics: dict[str, Any] | None = None
    budget_usd: Budget | None = None
    llm_overrides: ProjectLLMOverrides | None = None
    # Moving a project between teams (or out of one: null) needs the admin
    # right on it and a place in the new team.
    team_id: uuid.UUID | None = None


class ProjectRead(Schema):
    id: uuid.UUID
    owner_id: uuid.UUID
    team_id: uuid.UUID | None
    name: str
    description: str
    research_goal: str
    language: str
    country: str
    target_sample_size: int
    target_demographics: dict[str, Any]
    target_distribution: dict[str, Any]
    fit_report: dict[str, Any] | None
    budget_usd: float | None
    llm_overrides: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    access: Literal["read", "write", "admin"] | None = Field(
        None,
        description="The caller's right: read (look only), write (work in it), "
        "admin (also delete it or move it to another team)",
    )
