"""The stack's own ceiling (issue 16): the smallest FastAPI app that serves what
Sight's two busiest reads serve, on the same uvicorn, SQLAlchemy, psycopg and
PostgreSQL, so `bench.http_ceiling` can show how much of a request's CPU is the
stack and how much is Sight.

- `GET /const`: a constant JSON body of the project's size (no database);
- `GET /api/v1/projects/{id}`: one query (the `projects` row) dumped by orjson;
- `GET /api/v1/projects/{id}/personas?limit=20`: one query (20 rows of the
  persona list's columns and the window count), dumped by orjson.

No authentication, no access check, no audit context, no middleware, no
response model: what is left is the framework, the driver and the socket.
Served by `python -m uvicorn bench.ceiling_app:create --factory` with
`CEILING_DATABASE_URL` set (what `bench.http_ceiling` does).
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import orjson
from fastapi import FastAPI, Header, Response
from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import create_async_engine

from sight.personas.models import Persona
from sight.personas.repository import LIST_COLUMNS
from sight.postgres import sqlalchemy_url
from sight.projects.models import Project

CONST_BYTES = 8544  # Sight's project body in the HTTP bench


def create() -> FastAPI:
    engine = create_async_engine(
        sqlalchemy_url(os.environ["CEILING_DATABASE_URL"]),
        pool_size=20,
        max_overflow=0,
        isolation_level="AUTOCOMMIT",
        json_deserializer=orjson.loads,
    )
    project_query = select(Project.__table__).where(
        Project.id == bindparam("project_id")
    )
    personas_query = (
        select(*LIST_COLUMNS, func.count().over().label("total"))
        .where(
            Persona.project_id == bindparam("project_id"),
            Persona.deleted_at.is_(None),
        )
        .order_by(Persona.created_at, Persona.slot)
        .limit(bindparam("limit"))
    )
    keys = [c.key for c in LIST_COLUMNS]  # each row ends with the total
    pad = CONST_BYTES - len(orjson.dumps({"pad": ""}))
    const = orjson.dumps({"pad": "x" * pad})
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/const")
    async def constant() -> Response:
        return Response(const, media_type="application/json")

    @app.get("/api/v1/projects/{project_id}")
    async def project(project_id: uuid.UUID, authorization: str = Header()) -> Any:
        async with engine.connect() as conn:
            row = (await conn.execute(project_query, {"project_id": project_id})).one()
        return Response(orjson.dumps(dict(row._mapping)), media_type="application/json")

    @app.get("/api/v1/projects/{project_id}/personas")
    async def personas(
        project_id: uuid.UUID, limit: int = 50, authorization: str = Header()
    ) -> Any:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    personas_query, {"project_id": project_id, "limit": limit}
                )
            ).all()
        page = {
            "items": [dict(zip(keys, r, strict=False)) for r in rows],
            "total": rows[0].total if rows else 0,
            "limit": limit,
            "offset": 0,
        }
        return Response(orjson.dumps(page), media_type="application/json")

    return app
