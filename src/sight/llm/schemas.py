from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field, HttpUrl, StringConstraints

from sight.kit.schemas import Float, InputSchema, Int, Line, Schema
from sight.llm.types import Route

ProviderChoice = Literal["gemini", "openai", "anthropic", "ollama", "offline"]
KeyedProvider = Literal["gemini", "openai", "anthropic"]
ApiKey = Annotated[
    Line, StringConstraints(strip_whitespace=True, min_length=8, max_length=500)
]


class FlowOverride(InputSchema):
    provider: ProviderChoice | None = None
    model: Annotated[Line, StringConstraints(min_length=1, max_length=120)] | None = (
        None
    )
    temperature: Annotated[Float, Field(ge=0, le=2)] | None = None
    max_tokens: Annotated[Int, Field(ge=1, le=65536)] | None = None
    timeout: Annotated[Float, Field(gt=0, le=900)] | None = None


class LLMSettingsUpdate(InputSchema):
    provider: ProviderChoice | None = None
    # A key set to null is deleted; keys not mentioned are kept.
    api_keys: dict[KeyedProvider, ApiKey | None] = Field(default_factory=dict)
    openai_base_url: HttpUrl | None = None
    overrides: dict[str, FlowOverride] | None = None
    monthly_budget_usd: Annotated[Float, Field(ge=0, le=1_000_000)] | None = None


class StoredKey(Schema):
    provider: str
    # Keys are never returned; `set` says one is stored, `readable` whether the
    # current SECRET_KEY can still decrypt it.
    set: bool
    readable: bool


class LLMSettingsRead(Schema):
    provider: str | None
    effective_default_provider: str
    keys: list[StoredKey]
    openai_base_url: str | None
    overrides: dict[str, dict[str, Any]]
    monthly_budget_usd: float
    # The most that may be spent per month on the deployment's keys; a user's
    # own keys are not limited by it.
    deployment_ceiling_usd: float
    routes: list[Route]


class EstimateRequest(InputSchema):
    flow: Annotated[Line, StringConstraints(min_length=1, max_length=100)]
    calls: Annotated[Int, Field(ge=1, le=1_000_000)]
    project_id: uuid.UUID | None = None
    input_tokens_per_call: Annotated[Int, Field(ge=0, le=10_000_000)] | None = None
    output_tokens_per_call: Annotated[Int, Field(ge=0, le=10_000_000)] | None = None


class UsageRow(Schema):
    key: str
    calls: int
    cache_hits: int
    failures: int
    input_tokens: int
    output_tokens: int
    cost_usd: float


class UsageReport(Schema):
    group_by: str
    start: date
    end: date
    rows: list[UsageRow]
    total: UsageRow
    month_spent_usd: float
    monthly_budget_usd: float
    price_date: str
