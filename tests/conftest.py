"""Test suite setup: real PostgreSQL (embedded, one database per session), real
Redis and Neo4j where the machine can run them, and a live Sight server."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from sight import db
from sight.config import Settings
from sight.embedded_postgres import EmbeddedPostgres
from tests.fixtures.servers import LiveServer, redis_server

os.environ.setdefault("SIGHT_JOB_MODULES", "tests.fixtures.sample_jobs")
# The suite starts dozens of embedded servers (and `sight serve` processes)
# on small data: PostgreSQL's default, not "auto" (up to 2 GB, of which a
# server touches ~1/40 at start: 66 MB at 2 GB vs 13 MB at 128 MB).
os.environ.setdefault("SIGHT_PG_SHARED_BUFFERS", "128MB")
TEST_SECRET = "test-secret-key-0123456789abcdef0123456789"


@pytest.fixture(scope="session")
def pg_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(
        tmp_path_factory.mktemp("pg"),
        shared_buffers=os.environ["SIGHT_PG_SHARED_BUFFERS"],
    )
    server.start()
    # The suite runs hundreds of apps, workers and gateways against this one
    # server, each with its pool, provider-slot and heartbeat connections;
    # PostgreSQL's default of 100 ran out near the end of a full run.
    with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
        conn.execute("ALTER SYSTEM SET max_connections = 400")
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    pg_ctl = str(POSTGRES_BIN_PATH / "pg_ctl")
    # No pipes: the restarted server would hold them open and run() would wait.
    subprocess.run(
        [pg_ctl, "-D", str(server.pgdata), "-w", "-t", "30", "-m", "fast", "restart"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        user=getattr(server._server, "system_user", None),
        timeout=60,
    )
    yield server
    server.stop()


def create_database(cluster: EmbeddedPostgres, name: str) -> str:
    with psycopg.connect(cluster.url("postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return cluster.url(name)


@pytest.fixture(scope="session")
def database_url(pg_cluster: EmbeddedPostgres) -> str:
    url = create_database(pg_cluster, f"sight_test_{uuid.uuid4().hex[:8]}")
    db.upgrade(url)
    return url


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


def make_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "secret_key": TEST_SECRET,
        "env": "test",
        "sse_heartbeat_seconds": 1.0,
        "auth": {
            "login_rate_limit": "10000/minute",
            # Every test logs in from the same address, and the live server's
            # limits are counted in Redis for the whole session: at the
            # default 60/minute a fast run of the suite was refused logins.
            "login_address_rate_limit": "10000/minute",
            "login_global_rate_limit": "10000/minute",
            "register_rate_limit": "10000/minute",
            # Tests share one database: no registration may become an admin
            # by coming first (tests that need one set the role themselves).
            "first_user_admin": False,
        },
        "jobs": {
            "worker_concurrency": 4,
            "stalled_after_seconds": 3.0,
            "heartbeat_seconds": 0.5,
        },
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def live_server(database_url: str, redis_url: str) -> Iterator[LiveServer]:
    from sight.app import create_app

    # Users point the OpenAI provider at fake servers on 127.0.0.1 in tests.
    settings = make_settings(redis_url=redis_url, llm={"allow_private_endpoints": True})
    app = create_app(settings, database_url=database_url)
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def client(live_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as http:
        yield http


async def register_user(
    client: httpx.AsyncClient,
    password: str = "correct horse 1",  # noqa: S107
) -> dict[str, str]:
    """A fresh user; returns its email, password and Authorization header value."""
    email = f"user-{uuid.uuid4().hex[:10]}@example.com"
    created = await client.post(
        "/api/v1/auth/register",
        json={"email": email, "password": password, "full_name": "Test User"},
    )
    assert created.status_code == 201, created.text
    login = await client.post(
        "/api/v1/auth/login", json={"email": email, "password": password}
    )
    assert login.status_code == 200, login.text
    tokens = login.json()
    return {
        "email": email,
        "password": password,
        "id": created.json()["id"],
        "authorization": f"Bearer {tokens['access_token']}",
        "refresh_token": tokens["refresh_token"],
    }


@pytest.fixture
async def user(client: httpx.AsyncClient) -> dict[str, str]:
    return await register_user(client)


def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
