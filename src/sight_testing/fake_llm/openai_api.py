"""OpenAI wire format: chat completions (incl. SSE), embeddings, models."""

from __future__ import annotations

import base64
import json
import struct
import time
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from sight_testing.fake_llm.content import (
    ChatOutcome,
    ChatSpec,
    compose_reply,
    embedding_vector,
    estimate_tokens,
    request_seed,
    split_for_stream,
    structured_value,
)
from sight_testing.fake_llm.pipeline import (
    BadRequestError,
    Exchange,
    SSEvent,
    serve_model_request,
)
from sight_testing.fake_llm.state import FakeLLMState

DEFAULT_EMBEDDING_DIMENSIONS = 1536


def openai_error(status: int, message: str) -> dict[str, Any]:
    kinds: dict[int, tuple[str, str | None]] = {
        400: ("invalid_request_error", None),
        401: ("invalid_request_error", "invalid_api_key"),
        404: ("invalid_request_error", "model_not_found"),
        429: ("requests", "rate_limit_exceeded"),
    }
    kind, code = kinds.get(status, ("server_error", None))
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, Mapping) and part.get("type") in ("text", "input_text")
        )
    return ""


def _chat_spec(body: Mapping[str, Any], salt: int) -> ChatSpec:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequestError("'messages' must be a non-empty array.")
    texts: list[str] = []
    last_user = ""
    for message in messages:
        if not isinstance(message, Mapping):
            raise BadRequestError("Each message must be an object.")
        text = _text_of(message.get("content"))
        texts.append(text)
        if message.get("role") == "user":
            last_user = text
    schema: Mapping[str, Any] | None = None
    json_mode = False
    fmt = body.get("response_format")
    if isinstance(fmt, Mapping):
        if fmt.get("type") == "json_schema":
            spec = fmt.get("json_schema")
            inner = spec.get("schema") if isinstance(spec, Mapping) else None
            schema = inner if isinstance(inner, Mapping) else None
            json_mode = schema is None
        elif fmt.get("type") == "json_object":
            json_mode = True
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    return ChatSpec(
        prompt_text="\n".join(texts),
        last_user_text=last_user,
        schema=schema,
        json_mode=json_mode,
        max_tokens=limit if isinstance(limit, int) else None,
        seed=request_seed(body, salt),
    )


def _forced_tool(body: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The function definition the request forces, if any."""
    tools: list[Mapping[str, Any]] = [
        t["function"]
        for t in body.get("tools") or []
        if isinstance(t, Mapping) and isinstance(t.get("function"), Mapping)
    ]
    choice = body.get("tool_choice")
    if choice == "required" and tools:
        return tools[0]
    if isinstance(choice, Mapping) and isinstance(choice.get("function"), Mapping):
        name = choice["function"].get("name")
        return next((t for t in tools if t.get("name") == name), None)
    return None


def _usage(prompt: int, completion: int) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
    }


def _finish(outcome: ChatOutcome) -> str:
    return "length" if outcome.hit_max_tokens else "stop"


def _chat(exchange: Exchange, body: dict[str, Any]) -> Response:
    spec = _chat_spec(body, exchange.config.seed)
    n = body.get("n")
    count = n if isinstance(n, int) and n > 0 else 1
    model = str(body.get("model") or "fake-model")
    ident = f"chatcmpl-{uuid.uuid4().hex[:24]}"
    created = int(time.time())
    outcomes = [
        compose_reply(spec, exchange.config, exchange.content_fault, index=i)
        for i in range(count)
    ]
    tool = _forced_tool(body)
    if body.get("stream"):
        options = body.get("stream_options")
        with_usage = isinstance(options, Mapping) and bool(options.get("include_usage"))
        return exchange.sse(_chat_events(ident, created, model, outcomes, with_usage))
    choices: list[dict[str, Any]] = []
    for index, outcome in enumerate(outcomes):
        message: dict[str, Any] = {
            "role": "assistant",
            "content": outcome.text,
            "refusal": None,
            "annotations": [],
        }
        finish = _finish(outcome)
        if tool is not None:
            schema = tool.get("parameters")
            tool_spec = ChatSpec(
                spec.prompt_text,
                spec.last_user_text,
                schema if isinstance(schema, Mapping) else {"type": "object"},
                False,
                None,
                spec.seed,
            )
            arguments = json.dumps(structured_value(tool_spec, exchange.config, index))
            message["content"] = None
            message["tool_calls"] = [
                {
                    "id": f"call_{uuid.uuid4().hex[:24]}",
                    "type": "function",
                    "function": {"name": tool.get("name"), "arguments": arguments},
                }
            ]
            finish = "tool_calls"
        choices.append(
            {
                "index": index,
                "message": message,
                "logprobs": None,
                "finish_reason": finish,
            }
        )
    completion = sum(o.completion_tokens for o in outcomes)
    return exchange.json(
        {
            "id": ident,
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": choices,
            "usage": _usage(outcomes[0].prompt_tokens, completion),
            "system_fingerprint": "fp_fake",
            "service_tier": "default",
        }
    )


def _chat_events(
    ident: str,
    created: int,
    model: str,
    outcomes: list[ChatOutcome],
    with_usage: bool,
) -> Iterator[SSEvent]:
    def chunk(choices: list[dict[str, Any]], usage: Any = None) -> SSEvent:
        payload = {
            "id": ident,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "system_fingerprint": "fp_fake",
            "choices": choices,
        }
        if with_usage:
            payload["usage"] = usage
        return (None, payload)

    for index, outcome in enumerate(outcomes):
        role = {"role": "assistant", "content": "", "refusal": None}
        yield chunk(
            [{"index": index, "delta": role, "logprobs": None, "finish_reason": None}]
        )
        for piece in split_for_stream(outcome.text):
            delta = {"content": piece}
            yield chunk(
                [
                    {
                        "index": index,
                        "delta": delta,
                        "logprobs": None,
                        "finish_reason": None,
                    }
                ]
            )
        end = {
            "index": index,
            "delta": {},
            "logprobs": None,
            "finish_reason": _finish(outcome),
        }
        yield chunk([end])
    if with_usage:
        completion = sum(o.completion_tokens for o in outcomes)
        yield chunk([], _usage(outcomes[0].prompt_tokens, completion))
    yield (None, "[DONE]")


def _embedding_inputs(raw: Any) -> list[str]:
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, list) and raw and all(isinstance(x, int) for x in raw):
        return [" ".join(str(x) for x in raw)]
    if isinstance(raw, list) and raw:
        return [x if isinstance(x, str) else " ".join(map(str, x)) for x in raw]
    raise BadRequestError("'input' must be a non-empty string or array.")


def _embeddings(exchange: Exchange, body: dict[str, Any]) -> Response:
    texts = _embedding_inputs(body.get("input"))
    dims = body.get("dimensions")
    if dims is None:
        dims = exchange.config.embedding_dimensions or DEFAULT_EMBEDDING_DIMENSIONS
    if not isinstance(dims, int) or dims < 1:
        raise BadRequestError("'dimensions' must be a positive integer.")
    as_base64 = body.get("encoding_format") == "base64"
    data: list[dict[str, Any]] = []
    for index, text in enumerate(texts):
        vector = embedding_vector(text, dims, exchange.config.seed)
        encoded: Any = vector
        if as_base64:
            packed = struct.pack(f"<{len(vector)}f", *vector)
            encoded = base64.b64encode(packed).decode("ascii")
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    tokens = sum(estimate_tokens(t) for t in texts)
    return exchange.json(
        {
            "object": "list",
            "data": data,
            "model": str(body.get("model") or "fake-embedding"),
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
    )


def build_openai_router(state: FakeLLMState) -> APIRouter:
    router = APIRouter(tags=["openai"])

    @router.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> Response:
        return await serve_model_request(
            request, state, "openai.chat.completions", openai_error, _chat
        )

    @router.post("/v1/embeddings")
    async def embeddings(request: Request) -> Response:
        return await serve_model_request(
            request,
            state,
            "openai.embeddings",
            openai_error,
            _embeddings,
            has_content=False,
        )

    @router.get("/v1/models")
    async def list_models() -> Response:
        ticket = state.begin("openai.models")
        try:
            created = 1_700_000_000
            data = [
                {"id": name, "object": "model", "created": created, "owned_by": "fake"}
                for name in state.config.models
            ]
            return JSONResponse({"object": "list", "data": data})
        finally:
            ticket.finish(200)

    return router
