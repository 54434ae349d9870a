"""The HTTP surface every domain shares: errors, SPA, metrics, logs, request ids."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import httpx
from fastapi import APIRouter

from sight.app import create_app
from sight.observability import JsonFormatter
from tests.conftest import make_settings


async def test_unknown_api_route_is_json_404_not_the_spa(
    client: httpx.AsyncClient,
) -> None:
    for path in (
        "/api/v1/does-not-exist",
        "/api/v2/anything",
        "/api/v1/jobs/not-a-uuid/x",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("application/json")
        assert response.json()["error"] == "NotFound"


async def test_validation_error_names_the_field(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    response = await client.get(
        "/api/v1/jobs/not-a-uuid", headers={"Authorization": user["authorization"]}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["path", "job_id"]


async def test_openapi_and_docs_are_served(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert "/api/v1/auth/login" in spec["paths"]
    assert "/api/v1/jobs/{job_id}/events" in spec["paths"]
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()


async def test_request_id_is_returned_and_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    generated = await client.get("/health")
    assert len(generated.headers["x-request-id"]) == 32


async def test_metrics_count_requests_by_route_and_status(
    client: httpx.AsyncClient,
) -> None:
    await client.get("/api/v1/auth/me")
    text = (await client.get("/metrics")).text
    assert (
        'sight_http_requests_total{method="GET",route="/api/v1/auth/me",status="401"}'
        in text
    )
    assert "sight_http_request_duration_seconds_bucket" in text


async def test_internal_error_does_not_leak_and_logs_are_json(
    database_url: str, tmp_path: Path
) -> None:
    app = create_app(
        make_settings(jobs={"run_worker_in_process": False}), database_url=database_url
    )
    boom = APIRouter()

    @boom.get("/api/v1/_boom")
    async def explode() -> None:
        raise RuntimeError("password=hunter2 in a stack trace")

    app.router.routes.insert(0, boom.routes[0])
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous_level = root.level
    root.setLevel(logging.INFO)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://sight"
            ) as http:
                response = await http.get(
                    "/api/v1/_boom", headers={"X-Request-ID": "req-42"}
                )
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)
    assert response.status_code == 500
    assert response.json() == {
        "error": "InternalError",
        "detail": "Internal server error",
        "request_id": "req-42",
    }
    assert "hunter2" not in response.text
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = [line for line in lines if "httpRequest" in line]
    assert access
    assert access[-1]["httpRequest"]["status"] == 500
    assert access[-1]["request_id"] == "req-42"
    assert access[-1]["severity"] == "INFO"
    errors = [line for line in lines if line["severity"] == "ERROR"]
    assert errors
    assert errors[0]["request_id"] == "req-42"


async def test_spa_fallback_and_asset_caching(
    database_url: str, tmp_path: Path
) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text('<div id="root"></div>')
    (tmp_path / "assets" / "app-3f2a.js").write_text("console.log(1)")
    app = create_app(
        make_settings(jobs={"run_worker_in_process": False}),
        database_url=database_url,
        static_dir=tmp_path,
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://sight"
        ) as http:
            index = await http.get("/")
            deep = await http.get("/projects/123/personas")
            asset = await http.get("/assets/app-3f2a.js")
            missing_asset = await http.get("/assets/gone.js")
            traversal = await http.get("/..%2F..%2Fetc%2Fpasswd")
    assert index.text == deep.text == '<div id="root"></div>'
    assert "no-cache" in index.headers["cache-control"]
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert missing_asset.status_code == 404
    assert "root:" not in traversal.text


async def test_spa_answers_head_requests(client: httpx.AsyncClient) -> None:
    response = await client.head("/projects/1")
    assert response.status_code == 200
