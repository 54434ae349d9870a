"""Anthropic Claude over the official ``anthropic`` SDK (Messages API).

Structured output uses a forced tool call: the tool's ``input_schema`` is the
requested JSON schema and the tool input is the answer. Forced tool use works
on every Claude model and through proxies that do not know newer
structured-output fields.

Sampling temperature is not sent: the API version the 2.x SDK speaks
(2026-10-21) rejects ``temperature``/``top_p``/``top_k`` with HTTP 400 on every
model, and the SDK no longer has the parameters.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import anthropic
from anthropic.types import (
    ImageBlockParam,
    Message,
    MessageParam,
    TextBlockParam,
    ToolChoiceToolParam,
    ToolParam,
)

from sight.llm.providers._common import (
    deadline_error,
    error_type_of,
    is_json_decode_error,
    kind_for_status,
    parse_retry_after,
    redact,
    safe_name,
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

# A tool's input_schema must describe an object; other schemas (a list, a
# string enum) are wrapped in one property and unwrapped from the answer.
_WRAP_KEY = "value"


def map_anthropic_error(exc: Exception, provider: str, secret: str | None) -> Exception:
    """Translate an exception from the ``anthropic`` SDK into a `ProviderError`.

    Returns ``exc`` unchanged when it is not a provider failure.
    """
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, anthropic.APITimeoutError):
        return ProviderError(
            ErrorKind.timeout, redact(f"{provider}: request timed out", secret)
        )
    if isinstance(exc, anthropic.APIConnectionError):
        cause = exc.__cause__
        detail = f"{type(cause).__name__}: {cause}" if cause else exc.message
        return ProviderError(
            ErrorKind.connection,
            redact(f"{provider}: cannot reach the server ({detail})", secret),
        )
    if isinstance(exc, anthropic.APIStatusError):
        status = exc.status_code
        kind = kind_for_status(status)
        if (exc.type or error_type_of(exc.body)) == "overloaded_error":
            # Overload can come with a status other than 529 through proxies.
            kind = ErrorKind.server
        retry_after = parse_retry_after(exc.response.headers)
        detail = exc.api_message or exc.message
        return ProviderError(
            kind,
            redact(f"{provider} answered HTTP {status}: {detail}", secret),
            retry_after=retry_after if kind is ErrorKind.rate_limited else None,
            status_code=status,
        )
    if isinstance(exc, anthropic.APIResponseValidationError) or is_json_decode_error(
        exc
    ):
        return unreadable_response(provider, exc, secret)
    mapped = transport_error(exc, provider, secret)
    return mapped if mapped is not None else exc


def _tool_schema(schema: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """(input_schema, wrapped): the schema as an object schema."""
    if schema.get("type") == "object":
        return schema, False
    wrapped: dict[str, Any] = {
        "type": "object",
        "properties": {_WRAP_KEY: schema},
        "required": [_WRAP_KEY],
    }
    # $ref targets must stay at the root for the references to resolve.
    if "$defs" in schema:
        inner = {k: v for k, v in schema.items() if k != "$defs"}
        wrapped["properties"] = {_WRAP_KEY: inner}
        wrapped["$defs"] = schema["$defs"]
    return wrapped, True


@dataclass(frozen=True)
class _Params:
    messages: list[MessageParam]
    tools: list[ToolParam] | anthropic.Omit
    tool_choice: ToolChoiceToolParam | anthropic.Omit
    # The forced tool whose input is the answer (structured requests only).
    tool_name: str | None
    wrapped: bool


class AnthropicProvider:
    """``messages.create`` through ``AsyncAnthropic``."""

    name = "anthropic"

    def __init__(self, api_key: str, base_url: str | None = None) -> None:
        self.base_url = base_url
        self._secret = api_key
        self._client = anthropic.AsyncAnthropic(
            # An empty key would make the SDK look for ANTHROPIC_API_KEY or
            # other credentials on this machine; generate() refuses instead.
            api_key=api_key or "sight-no-key",
            base_url=base_url,
            # The gateway owns retries (one policy, with Retry-After and budget
            # accounting); SDK retries would multiply attempts behind its back.
            max_retries=0,
        )

    def _params(self, request: ProviderRequest) -> _Params:
        messages: list[MessageParam] = []
        for turn in request.messages:
            if turn.role == "assistant":
                messages.append({"role": "assistant", "content": turn.content})
            elif turn.images:
                # Images first: Anthropic's guidance is image before the text.
                blocks: list[ImageBlockParam | TextBlockParam] = [
                    {
                        "type": "image",
                        "source": {
                            "type": "base64",
                            "media_type": image.mime_type,  # type: ignore[typeddict-item]
                            "data": image.base64,
                        },
                    }
                    for image in turn.images
                ]
                blocks.append({"type": "text", "text": turn.content})
                messages.append({"role": "user", "content": blocks})
            else:
                messages.append({"role": "user", "content": turn.content})
        tools: list[ToolParam] | anthropic.Omit = anthropic.omit
        tool_choice: ToolChoiceToolParam | anthropic.Omit = anthropic.omit
        tool_name = safe_name(request.schema_name)
        wrapped = False
        if request.json_schema is not None:
            input_schema, wrapped = _tool_schema(request.json_schema)
            tools = [
                {
                    "name": tool_name,
                    "description": "Record the answer in the required structure.",
                    "input_schema": input_schema,
                }
            ]
            tool_choice = {
                "type": "tool",
                "name": tool_name,
                # One call with the whole answer, never several partial ones.
                "disable_parallel_tool_use": True,
            }
        return _Params(
            messages,
            tools,
            tool_choice,
            tool_name if request.json_schema is not None else None,
            wrapped,
        )

    def _mapped(self, exc: Exception) -> Exception:
        return map_anthropic_error(exc, self.name, self._secret)

    async def generate(self, request: ProviderRequest) -> ProviderResponse:
        if not self._secret:
            raise ProviderError(ErrorKind.auth, "anthropic: no API key configured")
        params = self._params(request)
        try:
            # The SDK timeout bounds each network phase; asyncio.timeout bounds
            # the whole call, so a server trickling bytes cannot hold a slot.
            async with asyncio.timeout(request.timeout):
                answer = await self._client.messages.create(
                    model=request.model,
                    max_tokens=request.max_tokens,
                    system=request.system or anthropic.omit,
                    messages=params.messages,
                    tools=params.tools,
                    tool_choice=params.tool_choice,
                    timeout=request.timeout,
                )
        except TimeoutError as exc:
            raise deadline_error(self.name, request.timeout) from exc
        except Exception as exc:
            mapped = self._mapped(exc)
            if mapped is exc:
                raise
            raise mapped from exc
        return self._response(answer, params.tool_name, params.wrapped)

    async def stream(
        self, request: ProviderRequest
    ) -> AsyncIterator[ProviderStreamItem]:
        """Server-sent ``message_start`` / ``content_block_delta`` / ...
        ``message_stop`` events. Text deltas are passed on as they come; for a
        structured answer they are the tool input's JSON as it is written."""
        if not self._secret:
            raise ProviderError(ErrorKind.auth, "anthropic: no API key configured")
        params = self._params(request)
        try:
            async with self._client.messages.stream(
                model=request.model,
                max_tokens=request.max_tokens,
                system=request.system or anthropic.omit,
                messages=params.messages,
                tools=params.tools,
                tool_choice=params.tool_choice,
                timeout=request.timeout,
            ) as events:
                async for event in events:
                    if event.type != "content_block_delta":
                        continue
                    delta = event.delta
                    if delta.type == "text_delta" and delta.text:
                        yield ProviderDelta(delta.text)
                    elif delta.type == "input_json_delta" and delta.partial_json:
                        yield ProviderDelta(delta.partial_json)
                message = await events.get_final_message()
                if message.stop_reason is None:
                    raise ProviderError(
                        ErrorKind.server, "anthropic: the stream broke off"
                    )
        except Exception as exc:
            mapped = self._mapped(exc)
            if mapped is exc:
                raise
            raise mapped from exc
        yield self._response(message, params.tool_name, params.wrapped)

    def _response(
        self, message: Message, tool_name: str | None, wrapped: bool
    ) -> ProviderResponse:
        if message.stop_reason == "refusal":
            raise ProviderError(
                ErrorKind.content, "anthropic: the model declined to answer"
            )
        text = ""
        if tool_name is not None:
            tool_input: object = None
            for block in message.content:
                if block.type == "tool_use" and block.name == tool_name:
                    tool_input = block.input
                    break
            if wrapped and isinstance(tool_input, dict) and _WRAP_KEY in tool_input:
                tool_input = tool_input[_WRAP_KEY]
            if tool_input is not None:
                text = json.dumps(tool_input, ensure_ascii=False)
        if not text:
            # Plain text, or a model that wrote prose instead of calling the
            # tool: return what it said and let the gateway's validation judge.
            text = "".join(
                block.text for block in message.content if block.type == "text"
            )
        usage = message.usage
        return ProviderResponse(
            text=text,
            # Sight sets no cache breakpoints, so cached input is normally
            # zero; it is priced differently, hence kept apart in `raw`.
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            finish_reason=_finish_reason(message.stop_reason),
            raw={
                "id": message.id,
                "model": message.model,
                "cache_read_input_tokens": usage.cache_read_input_tokens or 0,
                "cache_creation_input_tokens": usage.cache_creation_input_tokens or 0,
            },
        )

    async def aclose(self) -> None:
        await self._client.close()


def _finish_reason(stop_reason: str | None) -> str:
    # A forced tool call ends with "tool_use": for the caller that is a
    # complete answer, like "end_turn".
    if stop_reason in (None, "end_turn", "stop_sequence", "tool_use"):
        return "stop"
    if stop_reason in ("max_tokens", "model_context_window_exceeded"):
        return "length"
    return stop_reason
