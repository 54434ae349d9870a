"""Redis stopped and started while Sight works: the service keeps answering
(limits and caches fall back to this process) and uses Redis again by itself."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sight import db
from sight.embedded_postgres import EmbeddedPostgres
from tests.conftest import create_database, make_settings, register_user
from tests.fixtures.servers import LiveServer, free_port, unavailable, wait_for_port


class RedisProcess:
    """A redis-server that a test can stop and start again on the same port."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable("redis-server is not installed")
        self.binary = binary or ""
        self.workdir = workdir
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                self.binary,
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.workdir)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None


@pytest.fixture
def redis_process(tmp_path: Path) -> Iterator[RedisProcess]:
    process = RedisProcess(tmp_path)
    process.start()
    yield process
    process.stop()


@pytest.fixture
def server(pg_cluster: EmbeddedPostgres, redis_process: RedisProcess) -> Iterator[str]:
    from sight.app import create_app

    url = create_database(pg_cluster, f"sight_redis_{uuid.uuid4().hex[:8]}")
    db.upgrade(url)
    app = create_app(make_settings(redis_url=redis_process.url), database_url=url)
    live = LiveServer(app)
    live.start()
    yield live.url
    live.stop()


async def _generate(
    client: httpx.AsyncClient, auth: dict[str, str], project: str
) -> str:
    started = await client.post(
        f"/api/v1/projects/{project}/personas/generate",
        json={"num_personas": 4, "seed": 11},
        headers=auth,
    )
    assert started.status_code == 202, started.text
    job_id = str(started.json()["job_id"])
    for _ in range(300):
        job = (await client.get(f"/api/v1/jobs/{job_id}", headers=auth)).json()
        if job["status"] in {"succeeded", "failed", "cancelled"}:
            return str(job["status"])
        await asyncio.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish")


async def test_service_keeps_answering_while_redis_is_down_and_recovers(
    server: str, redis_process: RedisProcess
) -> None:
    async with httpx.AsyncClient(base_url=server, timeout=30) as client:
        user = await register_user(client)
        auth = {"Authorization": user["authorization"]}
        created = await client.post(
            "/api/v1/projects",
            json={"name": "Outage", "target_demographics": {}},
            headers=auth,
        )
        assert created.status_code == 201, created.text
        project = created.json()["id"]

        redis_process.stop()
        read = await client.get(f"/api/v1/projects/{project}", headers=auth)
        assert read.status_code == 200, read.text
        login = await client.post(
            "/api/v1/auth/login",
            json={"email": user["email"], "password": user["password"]},
        )
        assert login.status_code == 200, login.text
        assert await _generate(client, auth, project) == "succeeded"
        startup = (await client.get("/startup")).json()
        assert startup["dependencies"]["redis"]["status"] != "ok", startup

        redis_process.start()
        for _ in range(50):
            startup = (await client.get("/startup")).json()
            if startup["dependencies"]["redis"]["status"] == "ok":
                break
            await asyncio.sleep(0.2)
        assert startup["dependencies"]["redis"]["status"] == "ok", startup
        again = await client.post(
            "/api/v1/auth/login",
            json={"email": user["email"], "password": user["password"]},
        )
        assert again.status_code == 200, again.text
        assert await _generate(client, auth, project) == "succeeded"
