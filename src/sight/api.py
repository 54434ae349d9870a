"""The `/api/v1` router: every registered domain's endpoints (`sight.domains`)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, HTTPException, Request

from sight.domains import DOMAINS, Domain
from sight.kit.routing import API_PREFIX


def build_api_router(domains: Sequence[Domain] = DOMAINS) -> APIRouter:
    api = APIRouter()
    for domain in domains:
        router = domain.load_router()
        if router is not None:
            api.include_router(router)

    @api.api_route(
        API_PREFIX + "/{path:path}",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    async def unknown_api_route(path: str, request: Request) -> None:
        raise HTTPException(
            status_code=404, detail=f"no API route {request.method} {request.url.path}"
        )

    return api
