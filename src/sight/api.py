"""The `/api/v1` routes: every registered domain's endpoints (`sight.domains`)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, HTTPException, Request

from sight.domains import DOMAINS, Domain
from sight.kit.routing import API_PREFIX


def build_api_routers(domains: Sequence[Domain] = DOMAINS) -> list[APIRouter]:
    """Each domain's router, then the catch-all 404 for unknown API paths.

    The app includes them one by one: included into an intermediate router
    first, FastAPI would build every route's dependency analysis a second
    time at start-up (about 0.2 s of a start, issue 16)."""
    routers = [
        router
        for router in (domain.load_router() for domain in domains)
        if router is not None
    ]
    unknown = APIRouter()

    @unknown.api_route(
        API_PREFIX + "/{path:path}",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    async def unknown_api_route(path: str, request: Request) -> None:
        raise HTTPException(
            status_code=404, detail=f"no API route {request.method} {request.url.path}"
        )

    return [*routers, unknown]
