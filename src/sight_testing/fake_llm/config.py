"""Configuration of the fake LLM server: latency, faults and canned replies."""

from __future__ import annotations

import random
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

EndpointName = Literal[
    "openai.chat.completions",
    "openai.embeddings",
    "openai.models",
    "gemini.generateContent",
    "gemini.streamGenerateContent",
    "gemini.embedContent",
    "gemini.batchEmbedContents",
    "gemini.countTokens",
    "anthropic.messages",
]
"""Stable names of the served endpoints, used in stats and fault filters."""

FaultKind = Literal["rate_limit", "server_error", "client_error", "hang", "malformed"]
"""Kinds of injected faults, in the priority order they are applied."""

MalformedMode = Literal["truncated", "invalid", "http_body"]
"""How a malformed reply is broken.

``truncated``: the model content is a cut-off JSON document.
``invalid``: the model content is JSON-looking text that does not parse.
``http_body``: the HTTP body (or a stream event) itself is cut-off JSON.
"""


class LatencySpec(BaseModel):
    """Per-request latency: fixed, uniform(min, max) or normal(mean, sd).

    Normal samples are clipped at zero.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["fixed", "uniform", "normal"] = "fixed"
    seconds: float = Field(default=0.0, ge=0.0)
    min_seconds: float = Field(default=0.0, ge=0.0)
    max_seconds: float = Field(default=0.0, ge=0.0)
    mean_seconds: float = Field(default=0.0, ge=0.0)
    sd_seconds: float = Field(default=0.0, ge=0.0)

    @model_validator(mode="after")
    def _check_range(self) -> LatencySpec:
        if self.kind == "uniform" and self.max_seconds < self.min_seconds:
            raise ValueError("uniform latency needs max_seconds >= min_seconds")
        return self

    @classmethod
    def fixed(cls, seconds: float) -> LatencySpec:
        return cls(kind="fixed", seconds=seconds)

    @classmethod
    def uniform(cls, min_seconds: float, max_seconds: float) -> LatencySpec:
        return cls(kind="uniform", min_seconds=min_seconds, max_seconds=max_seconds)

    @classmethod
    def normal(cls, mean_seconds: float, sd_seconds: float) -> LatencySpec:
        return cls(kind="normal", mean_seconds=mean_seconds, sd_seconds=sd_seconds)

    def sample(self, rng: random.Random) -> float:
        if self.kind == "uniform":
            return rng.uniform(self.min_seconds, self.max_seconds)
        if self.kind == "normal":
            return max(0.0, rng.gauss(self.mean_seconds, self.sd_seconds))
        return self.seconds


def _coerce_latency(value: Any) -> Any:
    """Accept a bare number of seconds as a fixed latency."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return {"kind": "fixed", "seconds": float(value)}
    return value


class CannedResponse(BaseModel):
    """Fixed content for requests whose last user message contains ``contains``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    contains: str = Field(min_length=1)
    content: str


class FakeLLMConfig(BaseModel):
    """Everything that shapes the fake server's behaviour (immutable; change a
    running server with ``FakeLLM.configure`` or ``POST /_control``).

    The ``*_next`` counters are how many upcoming model requests get that
    fault; each request consumes at most one fault, checked in the order
    rate_limit, server_error, hang, malformed.  Control/stats endpoints and
    ``GET /v1/models`` never consume faults.

    * rate_limit: answered at once with 429 and ``Retry-After:
      retry_after_seconds`` (plus ``retry-after-ms``), no latency.
    * server_error: ``server_error_status`` after the normal latency.
    * client_error: ``client_error_status`` (a 4xx such as 400 or 401) after
      the normal latency, with ``client_error_message`` in the provider's
      error body.
    * rate_limit_window_seconds (not a counter): from the moment it is set,
      every model request is answered 429 with Retry-After for that many
      seconds (a rate-limit storm).
    * hang: waits ``hang_seconds`` on top of the latency, then answers
      normally; a client that gives up first is logged with status 499.
    * malformed: see ``MalformedMode``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    latency: Annotated[LatencySpec, BeforeValidator(_coerce_latency)] = Field(
        default_factory=LatencySpec
    )
    stream_chunk_delay: float = Field(default=0.0, ge=0.0)

    rate_limit_next: int = Field(default=0, ge=0)
    retry_after_seconds: float = Field(default=1.0, ge=0.0)
    server_error_next: int = Field(default=0, ge=0)
    server_error_status: int = Field(default=500, ge=500, le=599)
    client_error_next: int = Field(default=0, ge=0)
    client_error_status: int = Field(default=400, ge=400, le=499)
    client_error_message: str = "Invalid request (injected by fake LLM server)."
    rate_limit_window_seconds: float = Field(default=0.0, ge=0.0)
    max_in_flight: int | None = Field(default=None, ge=1)
    """A provider's concurrency limit: a model request that finds this many
    already in flight is answered 429 at once, with Retry-After."""
    stream_break_index: int = Field(default=1, ge=1)
    """With ``malformed_mode="http_body"``, a stream breaks at this event."""
    malformed_next: int = Field(default=0, ge=0)
    malformed_mode: MalformedMode = "truncated"
    hang_next: int = Field(default=0, ge=0)
    hang_seconds: float = Field(default=300.0, ge=0.0)
    fault_endpoints: list[EndpointName] | None = None
    """Only these endpoints consume/receive faults; ``None`` means all."""

    canned: list[CannedResponse] = Field(default_factory=list)
    seed: int = 0
    """Mixed into every request hash: change it to get different answers."""
    reply_min_words: int = Field(default=12, ge=1)
    reply_max_words: int = Field(default=48, ge=1)
    embedding_dimensions: int | None = Field(default=None, ge=1)
    """Used when a request names no dimension; ``None``: 1536 OpenAI, 768 Gemini."""
    models: list[str] = Field(
        default_factory=lambda: [
            "gpt-4.1-mini",
            "gpt-4o-mini",
            "text-embedding-3-small",
            "gemini-2.5-flash",
            "gemini-embedding-001",
            "claude-sonnet-4-5",
        ]
    )
    max_request_log: int = Field(default=10_000, ge=0)

    @model_validator(mode="after")
    def _check_words(self) -> FakeLLMConfig:
        if self.reply_max_words < self.reply_min_words:
            raise ValueError("reply_max_words must be >= reply_min_words")
        return self

    def pending_faults(self) -> dict[FaultKind, int]:
        return {
            "rate_limit": self.rate_limit_next,
            "server_error": self.server_error_next,
            "client_error": self.client_error_next,
            "hang": self.hang_next,
            "malformed": self.malformed_next,
        }


FAULT_COUNTER_FIELDS: dict[str, FaultKind] = {
    "rate_limit_next": "rate_limit",
    "server_error_next": "server_error",
    "client_error_next": "client_error",
    "hang_next": "hang",
    "malformed_next": "malformed",
}
