"""The FastAPI application that impersonates OpenAI, Gemini and Anthropic."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from sight_testing.fake_llm.anthropic_api import build_anthropic_router
from sight_testing.fake_llm.config import FakeLLMConfig
from sight_testing.fake_llm.gemini_api import build_gemini_router
from sight_testing.fake_llm.openai_api import build_openai_router
from sight_testing.fake_llm.state import FakeLLMState


def create_fake_llm_app(
    config: FakeLLMConfig | None = None, *, state: FakeLLMState | None = None
) -> FastAPI:
    """Build the fake server app; pass ``state`` to share it with a runner."""
    if state is None:
        state = FakeLLMState(config or FakeLLMConfig())
    elif config is not None:
        state.update(config.model_dump())
    app = FastAPI(
        title="Sight fake LLM server",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.fake_llm = state

    @app.get("/_health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/_stats")
    async def stats(requests: bool = True) -> Response:
        snapshot = state.snapshot(include_requests=requests)
        return JSONResponse(snapshot.model_dump(mode="json"))

    @app.get("/_control")
    async def read_control() -> Response:
        return JSONResponse(state.config.model_dump(mode="json"))

    @app.post("/_control")
    async def write_control(request: Request) -> Response:
        """Apply a partial config; ``{"reset_stats": true}`` clears counters."""
        try:
            body: Any = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return JSONResponse({"detail": "body must be a JSON object"}, 400)
        reset = bool(body.pop("reset_stats", False))
        try:
            new_config = state.update(body)
        except ValidationError as exc:
            errors = exc.errors(include_url=False, include_context=False)
            return JSONResponse({"detail": errors}, 422)
        if reset:
            state.reset_stats()
        return JSONResponse(
            {
                "config": new_config.model_dump(mode="json"),
                "stats": state.snapshot(include_requests=False).model_dump(mode="json"),
            }
        )

    app.include_router(build_openai_router(state))
    app.include_router(build_anthropic_router(state))
    app.include_router(build_gemini_router(state))
    return app
