"""Ingestion survives what production throws at it: a job cancelled before it
starts, and a worker or a whole server killed with SIGKILL in the middle of a
real document.

Each test has its own database and a server without an in-process worker, so
only the workers a test starts (and kills) run its jobs.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest

from sight import db
from sight.embedded_postgres import EmbeddedPostgres
from tests.conftest import TEST_SECRET, create_database, register_user, repo_root
from tests.fixtures.servers import LiveServer, free_port
from tests.knowledge.conftest import (
    create_project,
    knowledge_settings,
    start_server,
    upload,
    wait_document,
)
from tests.knowledge.documents import gpl_bytes

GPL_TEXT = gpl_bytes()


@pytest.fixture
def quiet_server(pg_cluster: EmbeddedPostgres) -> Iterator[tuple[LiveServer, str]]:
    url = create_database(pg_cluster, f"sight_reliab_{uuid.uuid4().hex[:8]}")
    db.upgrade(url)
    server = start_server(
        url,
        knowledge_settings(max_upload_mb=5),
        jobs={
            "run_worker_in_process": False,
            "stalled_after_seconds": 3.0,
            "heartbeat_seconds": 0.5,
        },
        llm={"detect_ollama": False},
    )
    yield server, url
    server.stop()


def spawn_worker(database_url: str, **env: str) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "SIGHT_JOBS__STALLED_AFTER_SECONDS": "3",
        "SIGHT_JOBS__HEARTBEAT_SECONDS": "0.5",
        "SIGHT_LLM__DETECT_OLLAMA": "false",
        "PYTHONPATH": str(repo_root()),
        **env,
    }
    return subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "sight"), "worker"],
        env=environment,
        cwd=repo_root(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def job_state(database_url: str, job_id: str) -> dict[str, Any]:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT status, attempts, checkpoint FROM jobs WHERE id = %s", (job_id,)
        ).fetchone()
    assert row is not None
    return {"status": row[0], "attempts": row[1], "checkpoint": row[2]}


def job_events(database_url: str, job_id: str) -> list[tuple[str, dict[str, Any]]]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT type, data FROM stream_events WHERE stream_kind = 'job'"
            " AND stream_id = %s ORDER BY id",
            (job_id,),
        ).fetchall()
    return [(str(kind), data) for kind, data in rows]


async def test_job_cancelled_before_it_starts_leaves_a_failed_document(
    quiet_server: tuple[LiveServer, str],
) -> None:
    server, _ = quiet_server
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        user = await register_user(client)
        auth = user["authorization"]
        project = await create_project(client, auth)
        response = await upload(client, auth, project, "GPL-3", GPL_TEXT)
        assert response.status_code == 202, response.text
        body = response.json()
        assert body["document"]["status"] == "queued"  # no worker runs it
        cancelled = await client.post(
            f"/api/v1/jobs/{body['job_id']}/cancel", headers={"Authorization": auth}
        )
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["status"] == "cancelled"
        document = (
            await client.get(
                f"/api/v1/projects/{project}/documents/{body['document']['id']}",
                headers={"Authorization": auth},
            )
        ).json()
        assert document["status"] == "failed"
        assert "cancelled" in document["error"]
        # The same file can be uploaded again and is processed afresh.
        again = await upload(client, auth, project, "GPL-3", GPL_TEXT)
        assert again.status_code == 202, again.text
        assert again.json()["duplicate"] is False


async def test_worker_killed_mid_ingestion_resumes_every_chunk_once(
    quiet_server: tuple[LiveServer, str],
) -> None:
    server, url = quiet_server
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        user = await register_user(client)
        auth = user["authorization"]
        project = await create_project(client, auth)
        response = await upload(client, auth, project, "GPL-3", GPL_TEXT)
        assert response.status_code == 202, response.text
        document_id = response.json()["document"]["id"]
        job_id = response.json()["job_id"]
        # Small batches: the kill lands between checkpoints, mid-document.
        slow = {"SIGHT_KNOWLEDGE__EMBED_BATCH": "2"}
        first = spawn_worker(url, **slow)
        try:
            deadline = time.monotonic() + 90
            while int(job_state(url, job_id)["checkpoint"].get("embedded", 0)) < 6:
                assert time.monotonic() < deadline, job_state(url, job_id)
                await asyncio.sleep(0.1)
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
        embedded_before = int(job_state(url, job_id)["checkpoint"]["embedded"])
        second = spawn_worker(url, **slow)
        try:
            ready = await wait_document(
                client, auth, project, document_id, {"ready", "failed"}, timeout=180
            )
        finally:
            second.terminate()
            second.wait(15)
        assert ready["status"] == "ready", (ready["error"], job_state(url, job_id))
        state = job_state(url, job_id)
        assert state["status"] == "succeeded"
        assert state["attempts"] == 2
        assert embedded_before < ready["chunk_count"]
        with psycopg.connect(url) as conn:
            stored = conn.execute(
                "SELECT count(*), count(DISTINCT ordinal), min(ordinal), max(ordinal)"
                " FROM knowledge_chunks WHERE document_id = %s",
                (document_id,),
            ).fetchone()
        assert stored is not None
        count, distinct, low, high = stored
        assert count == distinct == ready["chunk_count"], stored
        assert (low, high) == (0, count - 1)  # no chunk lost
        events = job_events(url, job_id)
        items = [data for kind, data in events if kind == "item"]
        assert len(items) == 1, items  # ready exactly once
        assert items[0]["status"] == "ready"
        assert items[0]["chunks"] == count
        assert [kind for kind, _ in events].count("completed") == 1
        found = await client.post(
            f"/api/v1/projects/{project}/search",
            json={"query": "charge a fee for copies", "mode": "keyword"},
            headers={"Authorization": auth},
        )
        assert found.status_code == 200
        ids = [r["chunk_id"] for r in found.json()["results"]]
        assert ids
        assert len(ids) == len(set(ids))


def spawn_server(database_url: str, port: int) -> subprocess.Popen[bytes]:
    """`sight serve`: the API and its in-process worker, as a laptop runs it."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "SIGHT_JOBS__STALLED_AFTER_SECONDS": "3",
        "SIGHT_JOBS__HEARTBEAT_SECONDS": "0.5",
        "SIGHT_LLM__DETECT_OLLAMA": "false",
        "SIGHT_KNOWLEDGE__EMBED_BATCH": "2",
        "PYTHONPATH": str(repo_root()),
    }
    return subprocess.Popen(
        [
            os.path.join(os.path.dirname(sys.executable), "sight"),
            "serve",
            "--port",
            str(port),
        ],
        env=environment,
        cwd=repo_root(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _wait_up(client: httpx.AsyncClient) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if (await client.get("/health")).status_code in (200, 503):
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the server did not start"
        await asyncio.sleep(0.2)


async def test_server_killed_mid_ingestion_resumes_after_restart(
    pg_cluster: EmbeddedPostgres,
) -> None:
    """SIGKILL of `sight serve` (API and worker in one process) while it
    embeds the GPL text; a new `sight serve` on the same database finishes
    the document: ready once, every chunk once."""
    url = create_database(pg_cluster, f"sight_serve_{uuid.uuid4().hex[:8]}")
    db.upgrade(url)
    port = free_port()
    first = spawn_server(url, port)
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", timeout=60
        ) as client:
            await _wait_up(client)
            user = await register_user(client)
            auth = user["authorization"]
            project = await create_project(client, auth)
            response = await upload(client, auth, project, "GPL-3", GPL_TEXT)
            assert response.status_code == 202, response.text
            document_id = response.json()["document"]["id"]
            job_id = response.json()["job_id"]
            deadline = time.monotonic() + 90
            while int(job_state(url, job_id)["checkpoint"].get("embedded", 0)) < 6:
                assert time.monotonic() < deadline, job_state(url, job_id)
                await asyncio.sleep(0.1)
            first.send_signal(signal.SIGKILL)
            first.wait(10)
            second = spawn_server(url, port)
            try:
                await _wait_up(client)
                ready = await wait_document(
                    client, auth, project, document_id, {"ready", "failed"}, 180
                )
            finally:
                second.terminate()
                second.wait(15)
    finally:
        if first.poll() is None:
            first.kill()
    assert ready["status"] == "ready", (ready["error"], job_state(url, job_id))
    assert job_state(url, job_id)["attempts"] == 2  # resumed, not restarted
    with psycopg.connect(url) as conn:
        stored = conn.execute(
            "SELECT count(*), count(DISTINCT ordinal) FROM knowledge_chunks"
            " WHERE document_id = %s",
            (document_id,),
        ).fetchone()
    assert stored == (ready["chunk_count"], ready["chunk_count"])
    items = [d for kind, d in job_events(url, job_id) if kind == "item"]
    assert len(items) == 1
    assert items[0]["chunks"] == ready["chunk_count"]
