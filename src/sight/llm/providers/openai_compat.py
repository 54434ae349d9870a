"""OpenAI chat completions, and every server that speaks the same protocol.

One adapter serves OpenAI itself, OpenRouter, and local servers (Ollama, vLLM,
LM Studio): they share the ``/v1/chat/completions`` wire format, so only the
base URL, the key (a placeholder for local servers) and the display name differ.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx2
import openai
from openai.types.chat import (
    ChatCompletion,
    ChatCompletionContentPartParam,
    ChatCompletionMessageParam,
)
from openai.types.chat.completion_create_params import ResponseFormat
from openai.types.completion_usage import CompletionUsage

from sight.llm.providers._common import (
    deadline_error,
    error_type_of,
    is_json_decode_error,
    kind_for_status,
    parse_retry_after,
    redact,
    safe_name,
    summary_code,
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
from sight.llm.providers.probe import detect_ollama as detect_ollama

# Local servers ignore the key, but the SDK refuses to start without one, and
# falling back to OPENAI_API_KEY from the environment would silently send the
# real key to whatever server base_url names.
PLACEHOLDER_KEY = "sight-no-key"

# Azure OpenAI and some proxies answer a filtered prompt with HTTP 400 and one
# of these error codes: that is a refusal, not a malformed request.
_CONTENT_FILTER_CODES = frozenset({"content_filter", "content_policy_violation"})


def map_openai_error(
    exc: Exception, provider: str, secret: str | None, *, echo: bool = True
) -> Exception:
    """Translate an exception from the ``openai`` SDK into a `ProviderError`.

    Returns ``exc`` unchanged when it is not a provider failure (a bug on our
    side should surface as itself, not as a retryable provider error). With
    ``echo=False`` (a user-chosen endpoint, possibly an internal service) the
    answer's body is summarised as its status and error code only.
    """
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, openai.APITimeoutError):
        return ProviderError(
            ErrorKind.timeout, redact(f"{provider}: request timed out", secret)
        )
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__
        detail = f"{type(cause).__name__}: {cause}" if cause else exc.message
        return ProviderError(
            ErrorKind.connection,
            redact(f"{provider}: cannot reach the server ({detail})", secret),
        )
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        kind = kind_for_status(status)
        code = exc.code or error_type_of(exc.body)
        if status == 400 and code in _CONTENT_FILTER_CODES:
            kind = ErrorKind.content
        retry_after = parse_retry_after(exc.response.headers)
        detail = exc.message if echo else summary_code(code)
        return ProviderError(
            kind,
            redact(f"{provider} answered HTTP {status}: {detail}", secret),
            retry_after=retry_after if kind is ErrorKind.rate_limited else None,
            status_code=status,
        )
    if isinstance(exc, openai.APIResponseValidationError) or is_json_decode_error(exc):
        return unreadable_response(provider, exc, secret)
    if isinstance(exc, openai.ContentFilterFinishReasonError):
        return ProviderError(
            ErrorKind.content, f"{provider}: answer blocked by the content filter"
        )
    mapped = transport_error(exc, provider, secret)
    return mapped if mapped is not None else exc


def _uses_max_completion_tokens(base_url: str | None) -> bool:
    """OpenAI's own API deprecated ``max_tokens`` (reasoning models reject it);
    Ollama, vLLM, LM Studio and OpenRouter all understand ``max_tokens`` while
    not all of them know the newer name."""
    if base_url is None:
        return True
    host = urlsplit(base_url).hostname or ""
    return host == "api.openai.com" or host.endswith(".openai.azure.com")


class OpenAICompatProvider:
    """Chat completions over the official ``openai`` SDK."""

    def __init__(
        self,
        api_key: str | None,
        base_url: str | None,
        name: str = "openai",
        *,
        http_client: httpx2.AsyncClient | None = None,
        echo_errors: bool = True,
    ) -> None:
        self.name = name
        self.base_url = base_url
        self._secret = api_key
        self._echo_errors = echo_errors
        self._max_completion_tokens = _uses_max_completion_tokens(base_url)
        self._client = openai.AsyncOpenAI(
            api_key=api_key or PLACEHOLDER_KEY,
            base_url=base_url,
            # The gateway owns retries (one policy, with Retry-After and budget
            # accounting); SDK retries would multiply attempts behind its back.
            max_retries=0,
            http_client=http_client,
        )

    def _messages(self, request: ProviderRequest) -> list[ChatCompletionMessageParam]:
        messages: list[ChatCompletionMessageParam] = []
        if request.system:
            messages.append({"role": "system", "content": request.system})
        for message in request.messages:
            if message.role == "assistant":
                messages.append({"role": "assistant", "content": message.content})
            elif message.images:
                # Chat Completions takes images as data URLs in content parts.
                parts: list[ChatCompletionContentPartParam] = [
                    {
                        "type": "image_url",
                        "image_url": {
                            "url": f"data:{image.mime_type};base64,{image.base64}"
                        },
                    }
                    for image in message.images
                ]
                parts.append({"type": "text", "text": message.content})
                messages.append({"role": "user", "content": parts})
            else:
                messages.append({"role": "user", "content": message.content})
        return messages

    def _format(self, request: ProviderRequest) -> ResponseFormat | openai.Omit:
        if request.json_schema is None:
            return openai.omit
        return {
            "type": "json_schema",
            "json_schema": {
                "name": safe_name(request.schema_name),
                "schema": request.json_schema,
                # Strict mode rejects ordinary Pydantic schemas (optional
                # fields, defaults, open objects); the gateway validates and
                # repairs the answer instead.
                "strict": False,
            },
        }

    def _mapped(self, exc: Exception) -> Exception:
        return map_openai_error(exc, self.name, self._secret, echo=self._echo_errors)

    async def generate(self, request: ProviderRequest) -> ProviderResponse:
        use_new = self._max_completion_tokens
        token_limit = request.max_tokens
        try:
            # The SDK timeout bounds each network phase; asyncio.timeout bounds
            # the whole call, so a server trickling bytes cannot hold a slot.
            async with asyncio.timeout(request.timeout):
                completion = await self._client.chat.completions.create(
                    model=request.model,
                    messages=self._messages(request),
                    temperature=request.temperature,
                    max_completion_tokens=token_limit if use_new else openai.omit,
                    max_tokens=openai.omit if use_new else token_limit,
                    response_format=self._format(request),
                    timeout=request.timeout,
                )
        except TimeoutError as exc:
            raise deadline_error(self.name, request.timeout) from exc
        except Exception as exc:
            mapped = self._mapped(exc)
            if mapped is exc:
                raise
            raise mapped from exc
        return self._response(completion)

    async def stream(
        self, request: ProviderRequest
    ) -> AsyncIterator[ProviderStreamItem]:
        use_new = self._max_completion_tokens
        token_limit = request.max_tokens
        parts: list[str] = []
        finish: str | None = None
        refusal: list[str] = []
        usage: CompletionUsage | None = None
        ident = model = ""
        try:
            chunks = await self._client.chat.completions.create(
                model=request.model,
                messages=self._messages(request),
                temperature=request.temperature,
                max_completion_tokens=token_limit if use_new else openai.omit,
                max_tokens=openai.omit if use_new else token_limit,
                response_format=self._format(request),
                timeout=request.timeout,
                stream=True,
                # Usage arrives in a last chunk with no choices; servers that
                # do not know the option simply omit it.
                stream_options={"include_usage": True},
            )
            async with chunks:
                async for chunk in chunks:
                    ident, model = chunk.id, chunk.model
                    if chunk.usage is not None:
                        usage = chunk.usage
                    for choice in chunk.choices:
                        if choice.index != 0:
                            continue
                        if choice.finish_reason is not None:
                            finish = choice.finish_reason
                        if choice.delta.refusal:
                            refusal.append(choice.delta.refusal)
                        if choice.delta.content:
                            parts.append(choice.delta.content)
                            yield ProviderDelta(choice.delta.content)
        except Exception as exc:
            mapped = self._mapped(exc)
            if mapped is exc:
                raise
            raise mapped from exc
        if finish == "content_filter" or refusal:
            reason = "".join(refusal) or "blocked by the content filter"
            raise ProviderError(
                ErrorKind.content, redact(f"{self.name}: {reason}", self._secret)
            )
        if finish is None:
            raise ProviderError(ErrorKind.server, f"{self.name}: the stream broke off")
        yield ProviderResponse(
            text="".join(parts),
            input_tokens=usage.prompt_tokens if usage else 0,
            output_tokens=usage.completion_tokens if usage else 0,
            finish_reason=str(finish or "stop"),
            raw={"id": ident, "model": model},
        )

    def _response(self, completion: ChatCompletion) -> ProviderResponse:
        if not completion.choices:
            raise ProviderError(ErrorKind.server, f"{self.name}: answer has no choices")
        choice = completion.choices[0]
        message = choice.message
        finish = choice.finish_reason
        if finish == "content_filter" or message.refusal:
            reason = message.refusal or "blocked by the content filter"
            raise ProviderError(
                ErrorKind.content, redact(f"{self.name}: {reason}", self._secret)
            )
        usage = completion.usage
        return ProviderResponse(
            text=message.content or "",
            input_tokens=usage.prompt_tokens if usage else 0,
            output_tokens=usage.completion_tokens if usage else 0,
            # "stop" and "length" already match the contract; others
            # ("tool_calls", server-specific) pass through for diagnosis.
            finish_reason=str(finish or "stop"),
            raw={"id": completion.id, "model": completion.model},
        )

    async def aclose(self) -> None:
        await self._client.close()
