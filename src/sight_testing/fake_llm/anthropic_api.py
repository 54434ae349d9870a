"""Anthropic Messages wire format: ``POST /v1/messages`` (plain and SSE).

Structured output is honoured three ways: ``output_config.format`` (what
``messages.parse(output_format=...)`` sends), the older top-level
``output_format``, and forced tool use (``tool_choice`` ``tool``/``any``)
whose ``input`` is generated from the tool's ``input_schema``.  An assistant
prefill of ``{`` gets the rest of a JSON object.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request, Response

from sight_testing.fake_llm.content import (
    ChatOutcome,
    ChatSpec,
    compose_reply,
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

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    529: "overloaded_error",
}


def anthropic_error(status: int, message: str) -> dict[str, Any]:
    kind = _ERROR_TYPES.get(status, "api_error")
    return {"type": "error", "error": {"type": kind, "message": message}}


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    texts: list[str] = []
    for block in content:
        if not isinstance(block, Mapping):
            continue
        if block.get("type") == "text":
            texts.append(str(block.get("text", "")))
        elif block.get("type") == "tool_result":
            texts.append(_text_of(block.get("content")))
    return "\n".join(texts)


def _output_schema(body: Mapping[str, Any]) -> Mapping[str, Any] | None:
    config = body.get("output_config")
    fmt = config.get("format") if isinstance(config, Mapping) else None
    if fmt is None:
        fmt = body.get("output_format")
    if isinstance(fmt, Mapping) and fmt.get("type") == "json_schema":
        schema = fmt.get("schema")
        return schema if isinstance(schema, Mapping) else {"type": "object"}
    return None


def _forced_tool(body: Mapping[str, Any]) -> Mapping[str, Any] | None:
    tools = [
        t for t in body.get("tools") or [] if isinstance(t, Mapping) and "name" in t
    ]
    choice = body.get("tool_choice")
    if not tools or not isinstance(choice, Mapping):
        return None
    if choice.get("type") == "any":
        return tools[0]
    if choice.get("type") == "tool":
        return next((t for t in tools if t.get("name") == choice.get("name")), None)
    return None


def _spec(body: Mapping[str, Any], salt: int) -> tuple[ChatSpec, str]:
    """Generator spec and the assistant prefill (empty if none)."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequestError("messages: at least one message is required")
    if not isinstance(body.get("max_tokens"), int):
        raise BadRequestError("max_tokens: Field required")
    texts = [_text_of(body.get("system"))]
    last_user = ""
    for message in messages:
        if not isinstance(message, Mapping):
            raise BadRequestError("messages: each message must be an object")
        text = _text_of(message.get("content"))
        texts.append(text)
        if message.get("role") == "user":
            last_user = text
    last = messages[-1]
    prefill = _text_of(last.get("content")) if last.get("role") == "assistant" else ""
    schema = _output_schema(body)
    spec = ChatSpec(
        prompt_text="\n".join(t for t in texts if t),
        last_user_text=last_user,
        schema=schema,
        json_mode=schema is None and prefill.strip() == "{",
        max_tokens=body["max_tokens"],
        seed=request_seed(body, salt),
    )
    return spec, prefill


def _tool_input(
    exchange: Exchange, spec: ChatSpec, tool: Mapping[str, Any]
) -> dict[str, Any]:
    schema = tool.get("input_schema")
    tool_spec = replace(spec, schema=schema if isinstance(schema, Mapping) else {})
    value = structured_value(tool_spec, exchange.config)
    data = value if isinstance(value, dict) else {"value": value}
    if exchange.content_fault is not None:
        keys = list(data)
        data = {k: data[k] for k in keys[: len(keys) // 2]}
    return data


def _message(exchange: Exchange, body: dict[str, Any]) -> Response:
    spec, prefill = _spec(body, exchange.config.seed)
    model = str(body.get("model") or "claude-fake")
    tool = _forced_tool(body)
    content: list[dict[str, Any]]
    if tool is not None:
        data = _tool_input(exchange, spec, tool)
        block_id = f"toolu_{uuid.uuid4().hex[:24]}"
        content = [
            {"type": "tool_use", "id": block_id, "name": tool["name"], "input": data}
        ]
        encoded = json.dumps(data)
        prompt_tokens = estimate_tokens(spec.prompt_text)
        outcome = ChatOutcome(encoded, False, prompt_tokens, estimate_tokens(encoded))
        stop_reason = "tool_use"
    else:
        outcome = compose_reply(spec, exchange.config, exchange.content_fault)
        text = outcome.text
        if spec.json_mode and prefill.strip() == "{" and text.startswith("{"):
            text = text[1:]
        content = [{"type": "text", "text": text}]
        stop_reason = "max_tokens" if outcome.hit_max_tokens else "end_turn"
    message: dict[str, Any] = {
        "id": f"msg_{uuid.uuid4().hex[:24]}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {
            "input_tokens": outcome.prompt_tokens,
            "output_tokens": outcome.completion_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        },
    }
    if body.get("stream"):
        return exchange.sse(_events(message))
    return exchange.json(message)


def _events(message: dict[str, Any]) -> Iterator[SSEvent]:
    start = {
        **message,
        "content": [],
        "stop_reason": None,
        "usage": {**message["usage"], "output_tokens": 1},
    }
    yield ("message_start", {"type": "message_start", "message": start})
    for index, block in enumerate(message["content"]):
        if block["type"] == "tool_use":
            empty = {**block, "input": {}}
            text, delta_type, field = (
                json.dumps(block["input"]),
                "input_json_delta",
                "partial_json",
            )
        else:
            empty = {"type": "text", "text": ""}
            text, delta_type, field = block["text"], "text_delta", "text"
        yield (
            "content_block_start",
            {"type": "content_block_start", "index": index, "content_block": empty},
        )
        for piece in split_for_stream(text):
            delta = {"type": delta_type, field: piece}
            yield (
                "content_block_delta",
                {"type": "content_block_delta", "index": index, "delta": delta},
            )
        yield ("content_block_stop", {"type": "content_block_stop", "index": index})
    yield (
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
            "usage": {"output_tokens": message["usage"]["output_tokens"]},
        },
    )
    yield ("message_stop", {"type": "message_stop"})


def build_anthropic_router(state: FakeLLMState) -> APIRouter:
    router = APIRouter(tags=["anthropic"])

    @router.post("/v1/messages")
    async def messages(request: Request) -> Response:
        return await serve_model_request(
            request, state, "anthropic.messages", anthropic_error, _message
        )

    return router
