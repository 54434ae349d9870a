"""Fixtures of the knowledge tests: a live server with small upload limits, a
real Neo4j 5.26 (tests/fixtures/neo4j_harness.py) and HTTP helpers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from neo4j import AsyncDriver, AsyncGraphDatabase

from sight.app import create_app
from sight.graph import ensure_graph_indexes
from sight.knowledge.config import KnowledgeSettings
from tests.conftest import make_settings
from tests.fixtures.neo4j_harness import Neo4jServer, Neo4jUnavailable, start_neo4j
from tests.fixtures.servers import LiveServer, unavailable

UPLOAD_LIMIT_MB = 1.0


def knowledge_settings(**overrides: Any) -> KnowledgeSettings:
    values: dict[str, Any] = {
        "max_upload_mb": UPLOAD_LIMIT_MB,
        "embed_batch": 8,
        "reconnect_seconds": 1.0,
    }
    values.update(overrides)
    return KnowledgeSettings(**values)


def start_server(
    database_url: str, knowledge: KnowledgeSettings | None = None, **settings: Any
) -> LiveServer:
    # Like the suite's main server (tests/conftest.py): its in-process worker
    # shares the test database and may run any test's job, so it must treat
    # users' fake endpoints on 127.0.0.1 the same way.
    settings.setdefault("llm", {"allow_private_endpoints": True})
    app = create_app(make_settings(**settings), database_url=database_url)
    app.state.knowledge_settings = knowledge or knowledge_settings()
    server = LiveServer(app)
    server.start()
    return server


@pytest.fixture(scope="session")
def knowledge_server(database_url: str) -> Iterator[LiveServer]:
    server = start_server(database_url)
    yield server
    server.stop()


@pytest.fixture
async def kclient(knowledge_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=knowledge_server.url, timeout=60) as http:
        yield http


# The local embedder's size: the Neo4j indexes serve the contract suite and
# the end-to-end tests alike.
GRAPH_DIMENSIONS = 512


@pytest.fixture(scope="session")
def neo4j_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Neo4jServer]:
    try:
        server = start_neo4j(tmp_path_factory.mktemp("neo4j"))
    except Neo4jUnavailable as exc:
        unavailable(f"the test Neo4j cannot run here: {exc.reason}")
        raise AssertionError("unreachable") from None
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def neo4j_driver(neo4j_server: Neo4jServer) -> AsyncIterator[AsyncDriver]:
    driver = AsyncGraphDatabase.driver(neo4j_server.uri, auth=None)
    await ensure_graph_indexes(driver, GRAPH_DIMENSIONS)
    yield driver
    await driver.close()


async def create_project(client: httpx.AsyncClient, auth: str, **fields: Any) -> str:
    response = await client.post(
        "/api/v1/projects",
        json={"name": "Plant milk", "language": "en", "country": "pl", **fields},
        headers={"Authorization": auth},
    )
    assert response.status_code == 201, response.text
    project_id: str = response.json()["id"]
    return project_id


async def upload(
    client: httpx.AsyncClient,
    auth: str,
    project_id: str,
    filename: str,
    content: bytes,
) -> httpx.Response:
    return await client.post(
        f"/api/v1/projects/{project_id}/documents",
        files={"file": (filename, content, "application/octet-stream")},
        headers={"Authorization": auth},
    )


async def wait_document(
    client: httpx.AsyncClient,
    auth: str,
    project_id: str,
    document_id: str,
    statuses: set[str],
    timeout: float = 90,  # noqa: ASYNC109 (a polling deadline)
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        response = await client.get(
            f"/api/v1/projects/{project_id}/documents/{document_id}",
            headers={"Authorization": auth},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        if body["status"] in statuses:
            return body
        await asyncio.sleep(0.2)
    raise AssertionError(f"document not {statuses} after {timeout}s: {body}")


def repo_path(*parts: str) -> Path:
    return Path(__file__).resolve().parents[2].joinpath(*parts)
