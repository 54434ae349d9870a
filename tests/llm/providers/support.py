"""Shared pieces of the adapter tests: schemas, requests, a dead address."""

from __future__ import annotations

import socket
from typing import Any, Literal

from pydantic import BaseModel, Field

from sight.llm.providers.base import Message, ProviderRequest

# Long enough to be scrubbed from messages (short placeholders are not).
SECRET_KEY = "sk-test-SECRET-0123456789abcdef"


class Trait(BaseModel):
    name: str
    strength: int = Field(ge=1, le=5)


class Persona(BaseModel):
    """Nested model: its schema has $defs/$ref like real flow schemas."""

    name: str
    age: int = Field(ge=18, le=90)
    segment: Literal["value", "premium", "eco"]
    traits: list[Trait] = Field(min_length=1, max_length=3)


def make_request(
    model: str,
    *,
    json_schema: dict[str, Any] | None = None,
    timeout: float = 10.0,
    max_tokens: int = 400,
    prompt: str = "Describe a typical shopper in one sentence.",
) -> ProviderRequest:
    return ProviderRequest(
        model=model,
        system="You are a market research assistant.",
        messages=(Message("user", prompt),),
        temperature=0.4,
        max_tokens=max_tokens,
        timeout=timeout,
        json_schema=json_schema,
        schema_name="persona",
    )


def persona_schema() -> dict[str, Any]:
    return Persona.model_json_schema()


def dead_base_url() -> str:
    """An address where nothing listens: connection refused, at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
