"""Values the gateway hands to its callers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")

OFFLINE_MARK = "offline-engine"


@dataclass(frozen=True)
class CallContext:
    """Who a call is for: usage, budgets and overrides are resolved from it."""

    user_id: uuid.UUID | None
    project_id: uuid.UUID | None = None
    job_id: uuid.UUID | None = None


class Route(BaseModel):
    flow: str
    provider: str
    model: str
    temperature: float
    max_tokens: int
    timeout: float
    # Where the choice came from: default | user | project
    source: str


@dataclass
class LLMResult(Generic[T]):
    output: T
    text: str
    route: Route
    cached: bool
    input_tokens: int
    output_tokens: int
    cost_usd: float
    latency_ms: float
    attempts: int
    prompt_version: str | None = None

    @property
    def generated_by(self) -> str:
        """Recorded on every artifact; the offline engine is marked as such."""
        if self.route.provider == "offline":
            return OFFLINE_MARK
        return f"{self.route.provider}:{self.route.model}"


class Estimate(BaseModel):
    flow: str
    provider: str
    model: str
    calls: int
    input_tokens: int
    output_tokens: int
    usd: float
    priced: bool
    price_date: str


@dataclass(frozen=True)
class TextDelta:
    """A piece of the answer's text as the provider produced it."""

    text: str


@dataclass(frozen=True)
class StreamDone:
    """The last item of `LLMGateway.stream`: the whole, validated result."""

    result: LLMResult[Any]


StreamItem = TextDelta | StreamDone
