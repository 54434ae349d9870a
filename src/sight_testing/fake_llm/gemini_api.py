"""Gemini Developer API wire format (what ``google-genai`` sends).

Served under ``/v1``, ``/v1beta`` and ``/v1alpha`` (google-genai 3.x defaults
to ``v1``): ``models/{model}:generateContent``, ``:streamGenerateContent``
(SSE with ``alt=sse``, otherwise a JSON array), ``:embedContent``,
``:batchEmbedContents`` and ``:countTokens``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from sight_testing.fake_llm.config import EndpointName
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
    Handler,
    SSEvent,
    serve_model_request,
)
from sight_testing.fake_llm.state import FakeLLMState

DEFAULT_EMBEDDING_DIMENSIONS = 768
API_VERSIONS = frozenset({"v1", "v1beta", "v1alpha"})

_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def gemini_error(status: int, message: str) -> dict[str, Any]:
    name = _STATUS_NAMES.get(status, "INTERNAL" if status >= 500 else "UNKNOWN")
    return {"error": {"code": status, "message": message, "status": name}}


def _parts_text(content: Any) -> str:
    if not isinstance(content, Mapping):
        return ""
    parts = content.get("parts")
    if not isinstance(parts, list):
        return ""
    return "\n".join(
        str(p["text"]) for p in parts if isinstance(p, Mapping) and "text" in p
    )


def _chat_spec(body: Mapping[str, Any], model: str, salt: int) -> tuple[ChatSpec, str]:
    """The generator spec plus the requested response MIME type."""
    contents = body.get("contents")
    if not isinstance(contents, list) or not contents:
        raise BadRequestError(
            "* GenerateContentRequest.contents: contents is not specified"
        )
    texts = [_parts_text(body.get("systemInstruction"))]
    last_user = ""
    for content in contents:
        text = _parts_text(content)
        texts.append(text)
        if not isinstance(content, Mapping) or content.get("role", "user") == "user":
            last_user = text
    config = body.get("generationConfig")
    config = config if isinstance(config, Mapping) else {}
    schema = config.get("responseJsonSchema") or config.get("responseSchema")
    mime = str(config.get("responseMimeType") or "text/plain")
    limit = config.get("maxOutputTokens")
    spec = ChatSpec(
        prompt_text="\n".join(t for t in texts if t),
        last_user_text=last_user,
        schema=schema if isinstance(schema, Mapping) else None,
        json_mode=mime == "application/json",
        max_tokens=limit if isinstance(limit, int) else None,
        seed=request_seed(body, salt, model),
    )
    return spec, mime


def _outcomes(
    exchange: Exchange, body: Mapping[str, Any], model: str
) -> list[ChatOutcome]:
    spec, mime = _chat_spec(body, model, exchange.config.seed)
    config = body.get("generationConfig")
    count = config.get("candidateCount") if isinstance(config, Mapping) else None
    count = count if isinstance(count, int) and count > 0 else 1
    if (
        mime == "text/x.enum"
        and spec.schema is not None
        and exchange.content_fault is None
    ):
        values = [structured_value(spec, exchange.config, i) for i in range(count)]
        return [
            ChatOutcome(
                str(v),
                False,
                estimate_tokens(spec.prompt_text),
                estimate_tokens(str(v)),
            )
            for v in values
        ]
    return [
        compose_reply(spec, exchange.config, exchange.content_fault, index=i)
        for i in range(count)
    ]


def _usage(outcomes: list[ChatOutcome], *, final: bool = True) -> dict[str, Any]:
    prompt = outcomes[0].prompt_tokens
    completion = sum(o.completion_tokens for o in outcomes) if final else 0
    usage: dict[str, Any] = {
        "promptTokenCount": prompt,
        "totalTokenCount": prompt + completion,
    }
    if final:
        usage["candidatesTokenCount"] = completion
    return usage


def _candidate(index: int, text: str, finish: str | None) -> dict[str, Any]:
    candidate: dict[str, Any] = {
        "content": {"role": "model", "parts": [{"text": text}]},
        "index": index,
    }
    if finish is not None:
        candidate["finishReason"] = finish
    return candidate


def _finish(outcome: ChatOutcome) -> str:
    return "MAX_TOKENS" if outcome.hit_max_tokens else "STOP"


def _generate(model: str) -> Handler:
    def handle(exchange: Exchange, body: dict[str, Any]) -> Response:
        outcomes = _outcomes(exchange, body, model)
        return exchange.json(
            {
                "candidates": [
                    _candidate(i, o.text, _finish(o)) for i, o in enumerate(outcomes)
                ],
                "usageMetadata": _usage(outcomes),
                "modelVersion": model,
                "responseId": uuid.uuid4().hex[:22],
            }
        )

    return handle


def _stream_chunks(model: str, outcomes: list[ChatOutcome]) -> Iterator[dict[str, Any]]:
    response_id = uuid.uuid4().hex[:22]
    for index, outcome in enumerate(outcomes):
        pieces = split_for_stream(outcome.text)
        for number, piece in enumerate(pieces):
            last = number == len(pieces) - 1
            yield {
                "candidates": [
                    _candidate(index, piece, _finish(outcome) if last else None)
                ],
                "usageMetadata": _usage(
                    outcomes, final=last and index == len(outcomes) - 1
                ),
                "modelVersion": model,
                "responseId": response_id,
            }


def _stream(model: str, sse: bool) -> Handler:
    def handle(exchange: Exchange, body: dict[str, Any]) -> Response:
        outcomes = _outcomes(exchange, body, model)
        chunks = _stream_chunks(model, outcomes)
        if not sse:
            return exchange.json(list(chunks))
        events: Iterator[SSEvent] = ((None, chunk) for chunk in chunks)
        return exchange.sse(events)

    return handle


def _embed_one(exchange: Exchange, request: Mapping[str, Any]) -> dict[str, Any]:
    text = _parts_text(request.get("content"))
    dims = request.get("outputDimensionality")
    if dims is None:
        dims = exchange.config.embedding_dimensions or DEFAULT_EMBEDDING_DIMENSIONS
    if not isinstance(dims, int) or dims < 1:
        raise BadRequestError("outputDimensionality must be a positive integer.")
    return {"values": embedding_vector(text, dims, exchange.config.seed)}


def _embed(exchange: Exchange, body: dict[str, Any]) -> Response:
    return exchange.json({"embedding": _embed_one(exchange, body)})


def _batch_embed(exchange: Exchange, body: dict[str, Any]) -> Response:
    requests = body.get("requests")
    if not isinstance(requests, list) or not requests:
        raise BadRequestError("* BatchEmbedContentsRequest.requests: is empty")
    embeddings = [
        _embed_one(exchange, r if isinstance(r, Mapping) else {}) for r in requests
    ]
    return exchange.json({"embeddings": embeddings})


def _count_tokens(exchange: Exchange, body: dict[str, Any]) -> Response:
    inner = body.get("generateContentRequest")
    source = inner if isinstance(inner, Mapping) else body
    contents = source.get("contents")
    if not isinstance(contents, list):
        contents = []
    text = "\n".join(_parts_text(c) for c in contents)
    return exchange.json({"totalTokens": estimate_tokens(text) if text else 0})


def build_gemini_router(state: FakeLLMState) -> APIRouter:
    router = APIRouter(tags=["gemini"])

    @router.post("/{version}/models/{model_action}")
    async def model_action(
        version: str, model_action: str, request: Request
    ) -> Response:
        model, _, action = model_action.rpartition(":")
        if version not in API_VERSIONS or not model:
            return JSONResponse(gemini_error(404, "Not found."), 404)
        sse = request.query_params.get("alt") == "sse"
        routes: dict[str, tuple[EndpointName, Handler, bool]] = {
            "generateContent": ("gemini.generateContent", _generate(model), True),
            "streamGenerateContent": (
                "gemini.streamGenerateContent",
                _stream(model, sse),
                True,
            ),
            "embedContent": ("gemini.embedContent", _embed, False),
            "batchEmbedContents": ("gemini.batchEmbedContents", _batch_embed, False),
            "countTokens": ("gemini.countTokens", _count_tokens, False),
        }
        if action not in routes:
            message = f"Method {action!r} is not supported by the fake server."
            return JSONResponse(gemini_error(404, message), 404)
        endpoint, handler, has_content = routes[action]
        return await serve_model_request(
            request,
            state,
            endpoint,
            gemini_error,
            handler,
            model=model,
            has_content=has_content,
        )

    return router
