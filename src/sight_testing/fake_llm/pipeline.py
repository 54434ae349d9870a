"""Shared request pipeline: stats bookkeeping, latency and fault injection."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from sight_testing.fake_llm.config import EndpointName, FakeLLMConfig
from sight_testing.fake_llm.content import ContentFault
from sight_testing.fake_llm.images import BadImage, image_digests
from sight_testing.fake_llm.state import FakeLLMState, RequestTicket

ErrorFormatter = Callable[[int, str], dict[str, Any]]
"""Builds a provider-specific error body from (HTTP status, message)."""

SSEvent = tuple[str | None, Any]
"""(SSE event name or None, payload); a ``str`` payload is sent verbatim."""

CLIENT_CLOSED = 499


class BadRequestError(Exception):
    """Raised by handlers to answer 400 in the provider's error format."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _format_seconds(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"


async def pause(request: Request, state: FakeLLMState, seconds: float) -> bool:
    """Sleep ``seconds``; False if the client left or the server is stopping."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while (remaining := deadline - loop.time()) > 0:
        await asyncio.sleep(min(remaining, 0.05))
        if state.shutting_down.is_set() or await request.is_disconnected():
            return False
    return True


class Exchange:
    """What a provider handler gets: the config snapshot and response builders."""

    def __init__(
        self,
        ticket: RequestTicket,
        config: FakeLLMConfig,
        content_fault: ContentFault | None,
        break_body: bool,
    ) -> None:
        self.ticket = ticket
        self.config = config
        self.content_fault = content_fault
        self.break_body = break_body
        self.streaming = False

    def json(self, payload: Any, status: int = 200) -> Response:
        text = json.dumps(payload, ensure_ascii=False)
        if self.break_body:
            text = text[: max(1, len(text) // 2)]
        return Response(content=text, status_code=status, media_type="application/json")

    def sse(self, events: Iterable[SSEvent]) -> StreamingResponse:
        """Stream events; the request counts as in flight until the last one."""
        self.streaming = True
        delay = self.config.stream_chunk_delay
        ticket, break_body = self.ticket, self.break_body
        break_at = self.config.stream_break_index

        async def body() -> Any:
            status = CLIENT_CLOSED
            try:
                for index, (name, payload) in enumerate(events):
                    if index and delay:
                        await asyncio.sleep(delay)
                    data = payload if isinstance(payload, str) else json.dumps(payload)
                    if break_body and index == break_at:
                        data = data[: max(1, len(data) // 2)]
                    head = f"event: {name}\n" if name else ""
                    yield f"{head}data: {data}\n\n".encode()
                    if break_body and index == break_at:
                        break
                status = 200
            finally:
                ticket.finish(status)

        return StreamingResponse(
            body(),
            media_type="text/event-stream",
            headers={"cache-control": "no-cache"},
        )


Handler = Callable[[Exchange, dict[str, Any]], Response]


def _presented_key(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:]
    return (
        request.headers.get("x-api-key")
        or request.headers.get("x-goog-api-key")
        or request.query_params.get("key")
    )


async def serve_model_request(
    request: Request,
    state: FakeLLMState,
    endpoint: EndpointName,
    errors: ErrorFormatter,
    handler: Handler,
    *,
    model: str | None = None,
    has_content: bool = True,
) -> Response:
    """Run one model request through stats, faults, latency and ``handler``.

    Endpoints without model text (embeddings, token counts) get a broken HTTP
    body for every malformed mode.
    """
    ticket = state.begin(endpoint, model)
    ticket.set_api_key(_presented_key(request))
    exchange: Exchange | None = None
    status = 500
    try:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            body = None
        if not isinstance(body, dict):
            status = 400
            return JSONResponse(errors(400, "Request body must be a JSON object."), 400)
        if model is None and isinstance(body.get("model"), str):
            ticket.set_model(body["model"])
        try:
            ticket.set_images(image_digests(body, endpoint))
        except BadImage as exc:
            status = 400
            return JSONResponse(errors(400, str(exc)), 400)
        config = state.config
        fault = state.take_fault(ticket)
        limit = config.max_in_flight
        if fault is None and limit is not None and state.in_flight() > limit:
            fault = "rate_limit"  # over the provider's concurrency limit
        if fault == "rate_limit":
            status = 429
            seconds = config.retry_after_seconds
            headers = {
                "retry-after": _format_seconds(seconds),
                "retry-after-ms": str(round(seconds * 1000)),
            }
            message = "Rate limit reached (injected by fake LLM server)."
            return JSONResponse(errors(429, message), 429, headers=headers)
        if not await pause(request, state, state.sample_latency()):
            status = CLIENT_CLOSED
            return Response(status_code=CLIENT_CLOSED)
        if fault == "hang" and not await pause(request, state, config.hang_seconds):
            status = CLIENT_CLOSED
            return Response(status_code=CLIENT_CLOSED)
        if fault == "server_error":
            status = config.server_error_status
            message = "Internal error (injected by fake LLM server)."
            return JSONResponse(errors(status, message), status)
        if fault == "client_error":
            status = config.client_error_status
            return JSONResponse(errors(status, config.client_error_message), status)
        mode = config.malformed_mode
        in_content = fault == "malformed" and mode != "http_body" and has_content
        exchange = Exchange(
            ticket,
            config,
            content_fault=mode if in_content and mode != "http_body" else None,
            break_body=fault == "malformed" and not in_content,
        )
        try:
            response = handler(exchange, body)
        except BadRequestError as exc:
            exchange.streaming = False
            status = exc.status
            return JSONResponse(errors(exc.status, exc.message), exc.status)
        status = response.status_code
        return response
    finally:
        if exchange is None or not exchange.streaming:
            ticket.finish(status)
