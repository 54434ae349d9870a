"""The `/api/v1` router: every domain's endpoints, mounted in one place."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from sight.auth.endpoints import router as auth_router
from sight.jobs.endpoints import router as jobs_router
from sight.kit.routing import API_PREFIX
from sight.knowledge.endpoints import router as knowledge_router
from sight.llm.endpoints import router as llm_router
from sight.personas.endpoints import router as personas_router
from sight.projects.endpoints import router as projects_router


def build_api_router() -> APIRouter:
    api = APIRouter()
    api.include_router(auth_router)
    api.include_router(jobs_router)
    api.include_router(projects_router)
    api.include_router(llm_router)
    api.include_router(knowledge_router)
    api.include_router(personas_router)

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
