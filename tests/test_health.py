"""Probes with each dependency up, not configured, or down."""

from __future__ import annotations

import httpx

from sight import db
from sight.app import create_app
from sight.embedded_postgres import EmbeddedPostgres
from tests.conftest import make_settings
from tests.fixtures.servers import free_port


async def _probe(app: object) -> tuple[httpx.Response, httpx.Response]:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://sight") as http:
        return await http.get("/health"), await http.get("/startup")


async def test_all_configured_dependencies_up(client: httpx.AsyncClient) -> None:
    health = (await client.get("/health")).json()
    assert health["status"] == "healthy"
    assert health["checks"]["postgres"]["status"] == "ok"
    assert health["checks"]["postgres"]["latency_ms"] >= 0
    assert health["checks"]["redis"]["status"] == "ok"
    startup = (await client.get("/startup")).json()
    assert startup["ready"] is True
    assert startup["dependencies"]["neo4j"]["status"] == "not_configured"
    assert startup["rag"] == "postgres"


async def test_optional_dependencies_down_mean_degraded(database_url: str) -> None:
    dead = free_port()
    settings = make_settings(
        redis_url=f"redis://127.0.0.1:{dead}/0",
        neo4j_uri=f"bolt://127.0.0.1:{free_port()}",
        neo4j_password="not-the-default-1",
        jobs={"run_worker_in_process": False},
    )
    app = create_app(settings, database_url=database_url)
    async with app.router.lifespan_context(app):
        health, startup = await _probe(app)
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    body = startup.json()
    assert body["ready"] is True
    assert body["dependencies"]["redis"]["status"] == "failed"
    assert body["dependencies"]["neo4j"]["status"] == "failed"
    assert body["dependencies"]["redis"]["detail"]
    assert set(body["degraded"]) == {"redis", "neo4j"}
    assert body["rag"] == "degraded"
    assert "knowledge search unavailable" in body["notes"][0]


async def test_postgres_down_means_503(tmp_path: object) -> None:
    from pathlib import Path

    server = EmbeddedPostgres(Path(str(tmp_path)) / "pg")
    url = server.start()
    db.upgrade(url)
    app = create_app(
        make_settings(jobs={"run_worker_in_process": False}), database_url=url
    )
    try:
        async with app.router.lifespan_context(app):
            up, _ = await _probe(app)
            server.stop()
            down, startup = await _probe(app)
    finally:
        server.stop()
    assert up.status_code == 200
    assert down.status_code == 503
    assert down.json()["status"] == "unhealthy"
    assert down.json()["checks"]["postgres"]["status"] == "failed"
    assert startup.status_code == 503
    assert startup.json()["ready"] is False
