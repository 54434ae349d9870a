"""Probes. `/health`: liveness with per-dependency checks (503 only when
PostgreSQL, the one required dependency, is down). `/startup`: readiness, each
dependency `ok`, `not_configured` or `failed` with the reason."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from sight.deps import AppState, State

router = APIRouter(tags=["probes"])

CHECK_TIMEOUT_SECONDS = 3.0


class DependencyCheck(BaseModel):
    status: Literal["ok", "not_configured", "failed"]
    latency_ms: float | None = None
    detail: str | None = None


async def _timed(probe: Any) -> DependencyCheck:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(probe(), timeout=CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        return DependencyCheck(
            status="failed", detail=f"no answer within {CHECK_TIMEOUT_SECONDS:.0f}s"
        )
    except Exception as exc:
        # The exception class says enough (connection refused, auth failed, ...)
        # without echoing connection strings that may carry credentials.
        return DependencyCheck(status="failed", detail=type(exc).__name__)
    return DependencyCheck(
        status="ok", latency_ms=round((time.perf_counter() - started) * 1000, 2)
    )


async def check_dependencies(state: AppState) -> dict[str, DependencyCheck]:
    async def postgres() -> None:
        async with state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def redis() -> None:
        if state.redis is not None:
            await state.redis.ping()

    async def neo4j() -> None:
        if state.neo4j is not None:
            await state.neo4j.verify_connectivity()

    not_configured = DependencyCheck(status="not_configured")
    checks = await asyncio.gather(
        _timed(postgres),
        _timed(redis) if state.redis is not None else _const(not_configured),
        _timed(neo4j) if state.neo4j is not None else _const(not_configured),
    )
    return dict(zip(("postgres", "redis", "neo4j"), checks, strict=True))


async def _const(value: DependencyCheck) -> DependencyCheck:
    return value


@router.get("/health")
async def health(state: State) -> JSONResponse:
    checks = await check_dependencies(state)
    if checks["postgres"].status != "ok":
        status, code = "unhealthy", 503
    elif any(c.status == "failed" for c in checks.values()):
        status, code = "degraded", 200
    else:
        status, code = "healthy", 200
    return JSONResponse(
        {
            "status": status,
            "version": _version(),
            "checks": {k: v.model_dump() for k, v in checks.items()},
        },
        status_code=code,
    )


@router.get("/startup")
async def startup(state: State) -> JSONResponse:
    checks = await check_dependencies(state)
    ready = checks["postgres"].status == "ok"
    degraded = [name for name, c in checks.items() if c.status == "failed"]
    neo4j = checks["neo4j"].status
    body: dict[str, Any] = {
        "ready": ready,
        "dependencies": {k: v.model_dump() for k, v in checks.items()},
        "degraded": degraded,
        # Where documents are searched: postgres (no NEO4J_URI), neo4j, or
        # degraded (configured but unreachable).
        "rag": {"not_configured": "postgres", "ok": "neo4j"}.get(neo4j, "degraded"),
    }
    if neo4j == "failed":
        body["notes"] = [
            "knowledge search unavailable until Neo4j is back; uploads wait and "
            "resume when it reconnects (checked every 5 minutes)"
        ]
    return JSONResponse(body, status_code=200 if ready else 503)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sight")
    except PackageNotFoundError:
        return "unknown"
