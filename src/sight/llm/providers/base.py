"""What every chat provider adapter implements, and the errors it raises.

Adapters translate one `ProviderRequest` into one SDK call (plain or streamed)
and the SDK's answer (or exception) into a `ProviderResponse` (or
`ProviderError`). They do NOT retry, cache, rate-limit or account: the gateway
does that once for all providers, so SDK-level retries are switched off
(`max_retries=0`).
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class ErrorKind(StrEnum):
    rate_limited = "rate_limited"  # 429: retry after a pause
    server = "server"  # 5xx / overloaded: retry
    timeout = "timeout"  # no answer in time: retry
    connection = "connection"  # could not reach the provider: retry
    bad_request = "bad_request"  # 400/404/422: our request is wrong; do not retry
    auth = "auth"  # 401/403: key missing or wrong; do not retry
    content = "content"  # refused or blocked by the provider's safety filter


RETRYABLE = frozenset(
    {ErrorKind.rate_limited, ErrorKind.server, ErrorKind.timeout, ErrorKind.connection}
)


class ProviderError(Exception):
    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        retry_after: float | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retry_after = retry_after
        self.status_code = status_code

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE


@dataclass(frozen=True)
class ImagePart:
    """An image shown with a user message (a focus group's stimulus).

    `mime_type` is what the bytes were checked to be (image/png, image/jpeg,
    image/webp or image/gif), never what the uploader claimed."""

    mime_type: str
    data: bytes

    @property
    def base64(self) -> str:
        return base64.b64encode(self.data).decode("ascii")


@dataclass(frozen=True)
class Message:
    role: str  # "user" | "assistant"
    content: str
    # Shown before the text; only on user messages, only to models that see.
    images: tuple[ImagePart, ...] = ()


@dataclass(frozen=True)
class ProviderRequest:
    model: str
    system: str
    messages: tuple[Message, ...]
    temperature: float
    max_tokens: int
    timeout: float
    # JSON schema the answer must follow (structured output), or None for text.
    json_schema: dict[str, Any] | None = None
    schema_name: str = "output"
    # Deterministic offline engine only: the flow name and a seed.
    flow: str = ""
    seed: int = 0


@dataclass
class ProviderResponse:
    text: str
    input_tokens: int
    output_tokens: int
    finish_reason: str = "stop"  # "stop" | "length" | provider-specific
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ProviderDelta:
    """A piece of answer text as it arrives from a streaming call."""

    text: str


ProviderStreamItem = ProviderDelta | ProviderResponse


class ChatProvider(Protocol):
    name: str

    async def generate(self, request: ProviderRequest) -> ProviderResponse: ...

    def stream(self, request: ProviderRequest) -> AsyncIterator[ProviderStreamItem]:
        """`ProviderDelta`s as the text arrives, then exactly one
        `ProviderResponse` with the whole text, usage and finish reason.

        Raises `ProviderError` like `generate`, also after some deltas. The
        whole-call deadline is the caller's (a deadline inside an async
        generator would fire in whatever code consumes it).
        """
        ...

    async def aclose(self) -> None: ...


class EmbeddingProvider(Protocol):
    name: str
    model: str
    dimensions: int

    async def embed(self, texts: list[str]) -> list[list[float]]: ...

    async def aclose(self) -> None: ...
