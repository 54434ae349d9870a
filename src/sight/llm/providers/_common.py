"""Helpers shared by the SDK adapters: error classification, Retry-After, names.

Every adapter turns its SDK's exceptions into `ProviderError`. The rules that do
not depend on the SDK (which HTTP status means what, how to read Retry-After,
how to keep API keys out of messages) live here so the three adapters and the
embedding clients agree on them.
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from collections.abc import Mapping
from typing import Any

import httpx
import httpx2

from sight.llm.providers.base import ErrorKind, ProviderError

# Long enough for a useful diagnosis, short enough for a log line and a job
# event; provider error bodies can carry whole prompts back.
MAX_MESSAGE_CHARS = 500

# Keys shorter than this are placeholders ("test", "ollama"): scrubbing them
# would only mangle ordinary words in the message.
_MIN_SECRET_CHARS = 8

_NAME_RE = re.compile(r"[^A-Za-z0-9_-]")


def safe_name(name: str, default: str = "output") -> str:
    """A schema/tool name every provider accepts (``^[A-Za-z0-9_-]{1,64}$``)."""
    cleaned = _NAME_RE.sub("_", name)[:64]
    return cleaned or default


def redact(text: str, secret: str | None) -> str:
    """``text`` without ``secret``, cut to a loggable length."""
    if secret and len(secret) >= _MIN_SECRET_CHARS:
        text = text.replace(secret, "***")
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[: MAX_MESSAGE_CHARS - 3] + "..."
    return text


_CODE_RE = re.compile(r"[^A-Za-z0-9_.-]")


def summary_code(code: object) -> str:
    """An error code fit to repeat (``model_not_found``), or a placeholder:
    what a summary of an untrusted error body keeps."""
    if not isinstance(code, str) or not code:
        return "no error code"
    return _CODE_RE.sub("", code)[:60] or "no error code"


def _seconds(value: str) -> float | None:
    try:
        seconds = float(value)
    except ValueError:
        return None
    # NaN or negative: unusable, let the gateway use its own backoff.
    return seconds if seconds >= 0 else None


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait, from ``retry-after-ms`` or ``retry-after``.

    ``retry-after-ms`` (OpenAI, Anthropic) is more precise, so it wins;
    ``retry-after`` may be seconds or an HTTP date (RFC 9110).
    """
    if headers is None:
        return None
    millis = headers.get("retry-after-ms")
    if millis is not None:
        seconds = _seconds(millis.strip())
        if seconds is not None:
            return seconds / 1000.0
    value = headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    seconds = _seconds(value)
    if seconds is not None:
        return seconds
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def kind_for_status(status: int) -> ErrorKind:
    """The error kind an HTTP status stands for, the same for every provider."""
    if status == 429:
        return ErrorKind.rate_limited
    if status in (401, 402, 403):
        # 402 is a billing block (Anthropic): like a bad key, only an operator
        # can fix it, so retrying is pointless.
        return ErrorKind.auth
    if status == 408:
        return ErrorKind.timeout
    if status == 409 or status >= 500:
        # 409 is a transient lock conflict at OpenAI; 529 is Anthropic's
        # "overloaded"; every 5xx may succeed on a later attempt.
        return ErrorKind.server
    return ErrorKind.bad_request


def transport_error(
    exc: BaseException, provider: str, secret: str | None
) -> ProviderError | None:
    """Classify an HTTP-library exception that escaped the SDK, or None.

    google-genai raises the transport's own exceptions (httpx2, or httpx when
    selected by ``GOOGLE_GENAI_HTTP_CLIENT``), and aiohttp's when installed,
    whose connection errors are ``OSError`` and timeouts ``TimeoutError``.
    """
    text = redact(f"{provider}: {type(exc).__name__}: {exc}", secret)
    if isinstance(exc, httpx2.TimeoutException | httpx.TimeoutException):
        return ProviderError(ErrorKind.timeout, text)
    if isinstance(exc, TimeoutError):
        return ProviderError(ErrorKind.timeout, text)
    if isinstance(
        exc,
        httpx2.TransportError | httpx.TransportError | httpx2.DecodingError,
    ):
        return ProviderError(ErrorKind.connection, text)
    if isinstance(exc, httpx.DecodingError | ConnectionError | OSError):
        return ProviderError(ErrorKind.connection, text)
    return None


def deadline_error(provider: str, timeout: float) -> ProviderError:
    """The error for a request that outlived ``ProviderRequest.timeout``."""
    return ProviderError(
        ErrorKind.timeout, f"{provider}: no complete answer within {timeout:g} s"
    )


def unreadable_response(
    provider: str, exc: BaseException, secret: str | None
) -> ProviderError:
    """A 2xx answer whose HTTP body is not the JSON the SDK expects.

    The body was cut off or garbled on the way (proxies, overloaded servers),
    not refused; another attempt normally succeeds, hence ``server``.
    """
    text = redact(f"{provider}: unreadable response: {exc}", secret)
    return ProviderError(ErrorKind.server, text)


def error_type_of(body: object) -> str | None:
    """``error.type`` (OpenAI, Anthropic) or ``error.status`` (Google) of a body."""
    if not isinstance(body, Mapping):
        return None
    inner: Any = body.get("error", body)
    if not isinstance(inner, Mapping):
        return None
    for key in ("type", "status", "code"):
        value = inner.get(key)
        if isinstance(value, str):
            return value
    return None


def is_json_decode_error(exc: BaseException) -> bool:
    """True for a JSON parse failure, also when the SDK wrapped it."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, json.JSONDecodeError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False
