"""Google Gemini (Developer API) over the official ``google-genai`` SDK."""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import AsyncIterator, Mapping
from typing import Any

from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from sight.llm.providers._common import (
    deadline_error,
    is_json_decode_error,
    kind_for_status,
    parse_retry_after,
    redact,
    transport_error,
    unreadable_response,
)
from sight.llm.providers.base import (
    ErrorKind,
    ProviderDelta,
    ProviderError,
    ProviderRequest,
    ProviderResponse,
    ProviderStreamItem,
)

# Finish reasons that mean the answer was withheld by a filter: the caller
# gets `ErrorKind.content`, not a silently empty or partial text. RECITATION
# (output cut for quoting protected text) is a refusal too.
_BLOCKED_FINISH = frozenset(
    {
        types.FinishReason.SAFETY,
        types.FinishReason.RECITATION,
        types.FinishReason.BLOCKLIST,
        types.FinishReason.PROHIBITED_CONTENT,
        types.FinishReason.SPII,
        types.FinishReason.IMAGE_SAFETY,
        types.FinishReason.IMAGE_PROHIBITED_CONTENT,
        types.FinishReason.MODEL_ARMOR,
    }
)

_RETRY_DELAY_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")


def _details(body: object) -> list[Mapping[str, Any]]:
    """The ``error.details`` entries of a Google error body."""
    if not isinstance(body, Mapping):
        return []
    inner = body.get("error", body)
    details = inner.get("details") if isinstance(inner, Mapping) else None
    if not isinstance(details, list):
        return []
    return [d for d in details if isinstance(d, Mapping)]


def _retry_delay(body: object) -> float | None:
    """``google.rpc.RetryInfo.retryDelay`` ("17s"): Gemini's way of saying
    when to come back, since it sends no Retry-After header."""
    for detail in _details(body):
        if str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
            match = _RETRY_DELAY_RE.match(str(detail.get("retryDelay", "")))
            if match:
                return float(match.group(1))
    return None


def _is_bad_key(body: object) -> bool:
    """Gemini answers an invalid key with 400 INVALID_ARGUMENT, not 401; only
    ``ErrorInfo.reason`` tells the two apart."""
    return any(
        str(detail.get("reason", "")) in {"API_KEY_INVALID", "API_KEY_EXPIRED"}
        for detail in _details(body)
    )


def map_gemini_error(exc: Exception, provider: str, secret: str | None) -> Exception:
    """Translate an exception from ``google-genai`` into a `ProviderError`.

    Returns ``exc`` unchanged when it is not a provider failure.
    """
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, genai_errors.APIError):
        status = exc.code
        kind = kind_for_status(status)
        if kind is ErrorKind.bad_request and _is_bad_key(exc.details):
            kind = ErrorKind.auth
        retry_after = None
        if kind is ErrorKind.rate_limited:
            headers = getattr(exc.response, "headers", None)
            if isinstance(headers, Mapping):
                retry_after = parse_retry_after(headers)
            if retry_after is None:
                retry_after = _retry_delay(exc.details)
        message = exc.message or exc.status or "request failed"
        return ProviderError(
            kind,
            redact(f"{provider} answered HTTP {status}: {message}", secret),
            retry_after=retry_after,
            status_code=status,
        )
    if isinstance(exc, genai_errors.UnknownApiResponseError) or is_json_decode_error(
        exc
    ):
        return unreadable_response(provider, exc, secret)
    mapped = transport_error(exc, provider, secret)
    return mapped if mapped is not None else exc


def http_options(base_url: str | None) -> types.HttpOptions:
    """Client-wide HTTP options shared by chat and embeddings."""
    return types.HttpOptions(
        base_url=base_url,
        # One attempt: the gateway retries. Setting retry_options explicitly
        # (rather than leaving it unset) also disables the implicit
        # connection-error retry the SDK does on its aiohttp transport.
        retry_options=types.HttpRetryOptions(attempts=1),
    )


def timeout_ms(seconds: float) -> int:
    """``HttpOptions.timeout`` is whole milliseconds; never round to zero,
    which the SDK reads as "no timeout"."""
    return max(1, math.ceil(seconds * 1000))


class GeminiProvider:
    """``generateContent`` through ``client.aio.models``."""

    name = "gemini"

    def __init__(self, api_key: str, base_url: str | None = None) -> None:
        self.base_url = base_url
        self._secret = api_key
        # The SDK refuses to build a client without a key (and would otherwise
        # fall back to GOOGLE_API_KEY from the environment). Construction stays
        # total; a call without a key fails as `auth`, like a wrong key does.
        self._client: genai.Client | None = (
            genai.Client(api_key=api_key, http_options=http_options(base_url))
            if api_key
            else None
        )

    def _config(self, request: ProviderRequest) -> types.GenerateContentConfig:
        config = types.GenerateContentConfig(
            system_instruction=request.system or None,
            temperature=request.temperature,
            max_output_tokens=request.max_tokens,
            http_options=types.HttpOptions(timeout=timeout_ms(request.timeout)),
        )
        if request.json_schema is not None:
            config.response_mime_type = "application/json"
            # response_json_schema takes standard JSON Schema ($defs, $ref,
            # anyOf) as Pydantic emits it; response_schema would need Google's
            # OpenAPI subset.
            config.response_json_schema = request.json_schema
        return config

    def _contents(self, request: ProviderRequest) -> list[types.Content]:
        return [
            types.Content(
                role="model" if message.role == "assistant" else "user",
                parts=[
                    *(
                        types.Part.from_bytes(
                            data=image.data, mime_type=image.mime_type
                        )
                        for image in message.images
                    ),
                    types.Part(text=message.content),
                ],
            )
            for message in request.messages
        ]

    def _mapped(self, exc: Exception) -> Exception:
        return map_gemini_error(exc, self.name, self._secret)

    async def generate(self, request: ProviderRequest) -> ProviderResponse:
        if self._client is None:
            raise ProviderError(ErrorKind.auth, "gemini: no API key configured")
        try:
            # The SDK timeout bounds each network phase; asyncio.timeout bounds
            # the whole call, so a server trickling bytes cannot hold a slot.
            async with asyncio.timeout(request.timeout):
                response = await self._client.aio.models.generate_content(
                    model=request.model,
                    contents=self._contents(request),
                    config=self._config(request),
                )
        except TimeoutError as exc:
            raise deadline_error(self.name, request.timeout) from exc
        except Exception as exc:
            mapped = self._mapped(exc)
            if mapped is exc:
                raise
            raise mapped from exc
        return self._response(response)

    async def stream(
        self, request: ProviderRequest
    ) -> AsyncIterator[ProviderStreamItem]:
        """``streamGenerateContent?alt=sse``: each chunk is a partial
        `GenerateContentResponse`; the last one carries the finish reason and
        the usage."""
        if self._client is None:
            raise ProviderError(ErrorKind.auth, "gemini: no API key configured")
        parts: list[str] = []
        last: types.GenerateContentResponse | None = None
        finish: types.FinishReason | None = None
        try:
            chunks = await self._client.aio.models.generate_content_stream(
                model=request.model,
                contents=self._contents(request),
                config=self._config(request),
            )
            async for chunk in chunks:
                last = chunk
                self._check_blocked(chunk)
                if not chunk.candidates:
                    continue
                candidate = chunk.candidates[0]
                if candidate.finish_reason is not None:
                    finish = candidate.finish_reason
                content = candidate.content
                text = "".join(
                    p.text
                    for p in (content.parts if content else None) or []
                    if p.text and not p.thought
                )
                if text:
                    parts.append(text)
                    yield ProviderDelta(text)
        except Exception as exc:
            mapped = self._mapped(exc)
            if mapped is exc:
                raise
            raise mapped from exc
        if finish in _BLOCKED_FINISH:
            name = finish.name if finish is not None else "blocked"
            raise ProviderError(ErrorKind.content, f"gemini: answer blocked ({name})")
        if last is None or finish is None:
            raise ProviderError(ErrorKind.server, "gemini: the stream broke off")
        input_tokens, output_tokens = _tokens(last.usage_metadata)
        yield ProviderResponse(
            text="".join(parts),
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            finish_reason=_finish_reason(finish),
            raw={"id": last.response_id, "model": last.model_version},
        )

    def _check_blocked(self, response: types.GenerateContentResponse) -> None:
        feedback = response.prompt_feedback
        if feedback is not None and feedback.block_reason is not None:
            reason = feedback.block_reason_message or feedback.block_reason.name
            raise ProviderError(ErrorKind.content, f"gemini: prompt blocked ({reason})")

    def _response(self, response: types.GenerateContentResponse) -> ProviderResponse:
        self._check_blocked(response)
        if not response.candidates:
            # Neither an answer nor a block reason: a glitch worth retrying.
            raise ProviderError(ErrorKind.server, "gemini: answer has no candidates")
        candidate = response.candidates[0]
        finish = candidate.finish_reason
        if finish in _BLOCKED_FINISH:
            name = finish.name if finish is not None else "blocked"
            raise ProviderError(ErrorKind.content, f"gemini: answer blocked ({name})")
        parts = candidate.content.parts if candidate.content else None
        # Thought summaries are not the answer; they appear only when asked
        # for, but a model's default could change.
        text = "".join(p.text for p in parts or [] if p.text and not p.thought)
        input_tokens, output_tokens = _tokens(response.usage_metadata)
        return ProviderResponse(
            text=text,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            finish_reason=_finish_reason(finish),
            raw={
                "id": response.response_id,
                "model": response.model_version,
            },
        )

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aio.aclose()
            self._client.close()


def _tokens(
    usage: types.GenerateContentResponseUsageMetadata | None,
) -> tuple[int, int]:
    if usage is None:
        return 0, 0
    # Thinking tokens are billed at the output rate, so cost accounting must
    # see them.
    output = (usage.candidates_token_count or 0) + (usage.thoughts_token_count or 0)
    return usage.prompt_token_count or 0, output


def _finish_reason(finish: types.FinishReason | None) -> str:
    if finish is None or finish == types.FinishReason.STOP:
        return "stop"
    if finish == types.FinishReason.MAX_TOKENS:
        return "length"
    return finish.name.lower()
