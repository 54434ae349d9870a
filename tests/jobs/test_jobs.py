from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from typing import Any

import httpx
import psycopg
import pytest

from tests.conftest import register_user, repo_root
from tests.fixtures.jobs import start_job
from tests.fixtures.sample_jobs import TABLE_DDL


async def wait_status(
    client: httpx.AsyncClient,
    job_id: object,
    auth: str,
    statuses: set[str],
    timeout: float = 30,  # noqa: ASYNC109 (a polling deadline, not a cancel)
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = await client.get(
            f"/api/v1/jobs/{job_id}", headers={"Authorization": auth}
        )
        body: dict[str, Any] = response.json()
        if body["status"] in statuses:
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"job {job_id} not in {statuses} after {timeout}s: {body}")


async def test_job_runs_to_completion_with_progress(
    client: httpx.AsyncClient, user: dict[str, str], database_url: str
) -> None:
    job_id = await start_job(database_url, user["id"], units=3, delay=0.05)
    job = await wait_status(
        client, job_id, user["authorization"], {"succeeded", "failed"}
    )
    assert job["status"] == "succeeded"
    assert job["progress"] == 1.0
    assert job["result"] == {"units": 3}
    assert job["started_at"]
    assert job["finished_at"]


async def test_other_users_job_is_not_found(
    client: httpx.AsyncClient, user: dict[str, str], database_url: str
) -> None:
    job_id = await start_job(database_url, user["id"], units=1, delay=0.01)
    stranger = await register_user(client)
    for method, path in (
        ("GET", f"/api/v1/jobs/{job_id}"),
        ("POST", f"/api/v1/jobs/{job_id}/cancel"),
        ("GET", f"/api/v1/jobs/{job_id}/events"),
    ):
        response = await client.request(
            method, path, headers={"Authorization": stranger["authorization"]}
        )
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["error"] == "NotFound"


async def test_failed_attempt_is_retried_and_error_hides_internals(
    client: httpx.AsyncClient, user: dict[str, str], database_url: str
) -> None:
    # Fails on attempts 1..3 = every attempt: the job ends failed after 3 tries.
    job_id = await start_job(
        database_url, user["id"], units=2, delay=0.01, fail_attempts=9
    )
    job = await wait_status(
        client, job_id, user["authorization"], {"succeeded", "failed"}, timeout=40
    )
    assert job["status"] == "failed"
    assert job["attempts"] == 3
    assert "secret detail" not in (job["error"] or "")
    assert "RuntimeError" in job["error"]


async def test_transient_failure_then_success_keeps_finished_units(
    client: httpx.AsyncClient, user: dict[str, str], database_url: str
) -> None:
    job_id = await start_job(
        database_url, user["id"], units=4, delay=0.01, fail_attempts=1
    )
    job = await wait_status(
        client, job_id, user["authorization"], {"succeeded", "failed"}, timeout=30
    )
    assert job["status"] == "succeeded"
    assert job["attempts"] == 2
    units = _units(database_url, job_id)
    assert sorted(u for u, _ in units) == [0, 1, 2, 3]  # nothing done twice


async def test_cancel_running_job_keeps_what_it_produced(
    client: httpx.AsyncClient, user: dict[str, str], database_url: str
) -> None:
    job_id = await start_job(database_url, user["id"], units=50, delay=0.1)
    await wait_status(client, job_id, user["authorization"], {"running"})
    await asyncio.sleep(0.5)
    response = await client.post(
        f"/api/v1/jobs/{job_id}/cancel",
        headers={"Authorization": user["authorization"]},
    )
    assert response.status_code == 200
    job = await wait_status(
        client, job_id, user["authorization"], {"cancelled", "succeeded"}
    )
    assert job["status"] == "cancelled"
    produced = len(_units(database_url, job_id))
    assert 0 < produced < 50
    again = await client.post(
        f"/api/v1/jobs/{job_id}/cancel",
        headers={"Authorization": user["authorization"]},
    )
    assert again.status_code == 409


def _units(database_url: str, job_id: object) -> list[tuple[int, int]]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT unit, attempt FROM test_work_units"
            " WHERE job_id = %s ORDER BY done_at",
            (job_id,),
        ).fetchall()
    return [(int(u), int(a)) for u, a in rows]


async def read_sse(
    client: httpx.AsyncClient,
    job_id: object,
    auth: str,
    *,
    last_event_id: str | None = None,
    stop_after: int | None = None,
) -> list[dict[str, Any]]:
    """Read SSE events until the stream ends or `stop_after` stored events."""
    headers = {"Authorization": auth}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    received: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    async with client.stream(
        "GET", f"/api/v1/jobs/{job_id}/events", headers=headers
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        async for line in response.aiter_lines():
            if line.startswith(":"):
                continue
            if not line:
                if current:
                    received.append(current)
                    current = {}
                    stored = [e for e in received if "id" in e]
                    if stop_after is not None and len(stored) >= stop_after:
                        break
                continue
            field, _, value = line.partition(": ")
            current[field] = json.loads(value) if field == "data" else value
    return received


async def test_sse_replays_missed_events_after_reconnect(
    client: httpx.AsyncClient, user: dict[str, str], database_url: str
) -> None:
    job_id = await start_job(database_url, user["id"], units=6, delay=0.15)
    first = await read_sse(client, job_id, user["authorization"], stop_after=4)
    last_id = [e for e in first if "id" in e][-1]["id"]
    await asyncio.sleep(0.6)  # events keep coming while the client is away
    rest = await read_sse(client, job_id, user["authorization"], last_event_id=last_id)
    stored = [e for e in first + rest if "id" in e]
    ids = [int(e["id"]) for e in stored]
    assert ids == sorted(set(ids)), "events duplicated or out of order"
    assert stored[-1]["event"] == "completed"
    units = [e["data"]["unit"] for e in stored if e["event"] == "item"]
    assert units == [0, 1, 2, 3, 4, 5], "an event was missed across the reconnect"
    full = await read_sse(client, job_id, user["authorization"])
    assert [int(e["id"]) for e in full if "id" in e] == ids


async def test_sse_sends_heartbeats_while_idle(
    client: httpx.AsyncClient, user: dict[str, str], database_url: str
) -> None:
    job_id = await start_job(database_url, user["id"], units=2, delay=1.6)
    events = await read_sse(client, job_id, user["authorization"])
    assert any(e["event"] == "heartbeat" for e in events)
    assert events[-1]["event"] == "completed"


def _spawn_worker(database_url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SIGHT_JOB_MODULES": "tests.fixtures.sample_jobs",
        "SIGHT_JOBS__STALLED_AFTER_SECONDS": "3",
        "SIGHT_JOBS__HEARTBEAT_SECONDS": "0.5",
        "PYTHONPATH": str(repo_root()),
        "SECRET_KEY": "x" * 40,
    }
    return subprocess.Popen(
        [
            str(os.path.join(os.path.dirname(sys.executable), "sight")),
            "worker",
            "--concurrency",
            "2",
        ],
        env=env,
        cwd=repo_root(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def worker_only_database(pg_cluster: Any) -> str:
    """A database no in-process worker watches, so only the spawned workers run jobs."""
    import uuid

    from sight import db
    from tests.conftest import create_database

    url = create_database(pg_cluster, f"sight_workers_{uuid.uuid4().hex[:8]}")
    db.upgrade(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(TABLE_DDL)
    return url


async def test_killed_worker_job_resumes_without_duplicating_work(
    worker_only_database: str,
) -> None:
    url = worker_only_database
    with psycopg.connect(url, autocommit=True) as conn:
        user_id = conn.execute(
            "INSERT INTO users (id, email, full_name, password_hash, is_active) "
            "VALUES (gen_random_uuid(), 'w@example.com', 'W', 'x', true) RETURNING id"
        ).fetchone()[0]  # type: ignore[index]
    job_id = await start_job(url, str(user_id), units=12, delay=0.25)
    first = _spawn_worker(url)
    try:
        deadline = time.monotonic() + 30
        while len(_units(url, job_id)) < 4:
            assert time.monotonic() < deadline, "the first worker made no progress"
            await asyncio.sleep(0.05)
        first.send_signal(signal.SIGKILL)  # a crash: no chance to clean up
        first.wait(10)
        done_before = len(_units(url, job_id))
        second = _spawn_worker(url)
        try:
            deadline = time.monotonic() + 60
            while True:
                with psycopg.connect(url) as conn:
                    status, attempts = conn.execute(
                        "SELECT status, attempts FROM jobs WHERE id = %s", (job_id,)
                    ).fetchone()  # type: ignore[misc]
                if status in {"succeeded", "failed"}:
                    break
                assert time.monotonic() < deadline, f"job stuck in {status}"
                await asyncio.sleep(0.2)
        finally:
            second.terminate()
            second.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert status == "succeeded"
    assert attempts == 2
    units = _units(url, job_id)
    assert sorted(u for u, _ in units) == list(range(12)), (
        "a unit was done twice or lost"
    )
    assert {a for u, a in units if u >= done_before} == {2}, (
        "the resumed attempt redid early units"
    )


def _job_row(url: str, job_id: object) -> tuple[str, int, str | None]:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT status, attempts, error FROM jobs WHERE id = %s", (job_id,)
        ).fetchone()
    assert row is not None
    return str(row[0]), int(row[1]), row[2]


async def test_job_that_keeps_stalling_stops_at_max_attempts(
    worker_only_database: str,
) -> None:
    """A worker killed mid-job on every attempt (as a poison input would do):
    the stalled-job watchdog re-queues it, and once it has used its attempts it
    is failed with the reason instead of being run a fourth time."""
    url = worker_only_database
    with psycopg.connect(url, autocommit=True) as conn:
        user_id = conn.execute(
            "INSERT INTO users (id, email, full_name, password_hash, is_active) "
            "VALUES (gen_random_uuid(), 's@example.com', 'S', 'x', true) RETURNING id"
        ).fetchone()[0]  # type: ignore[index]
    job_id = await start_job(url, str(user_id), units=1000, delay=0.5)
    for attempt in (1, 2, 3):
        worker = _spawn_worker(url)
        try:
            deadline = time.monotonic() + 45
            while _job_row(url, job_id)[:2] != ("running", attempt):
                assert time.monotonic() < deadline, _job_row(url, job_id)
                await asyncio.sleep(0.1)
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
    survivor = _spawn_worker(url)
    try:
        deadline = time.monotonic() + 45
        while _job_row(url, job_id)[0] == "running":
            assert time.monotonic() < deadline, "the stalled job was never handled"
            await asyncio.sleep(0.2)
        await asyncio.sleep(2)  # time for a wrong fourth attempt to show
        status, attempts, error = _job_row(url, job_id)
    finally:
        survivor.terminate()
        survivor.wait(10)
    assert (status, attempts) == ("failed", 3)
    assert error is not None
    assert "stopped after 3 attempts" in error
    with psycopg.connect(url) as conn:
        events = [
            (str(kind), data)
            for kind, data in conn.execute(
                "SELECT type, data FROM stream_events WHERE stream_kind = 'job'"
                " AND stream_id = %s"
                " ORDER BY id",
                (job_id,),
            ).fetchall()
        ]
    assert events[-1][0] == "failed"
    assert "stopped after 3 attempts" in events[-1][1]["error"]


async def test_list_jobs_shows_only_mine_newest_first(
    client: httpx.AsyncClient, user: dict[str, str], database_url: str
) -> None:
    first = await start_job(database_url, user["id"], units=1, delay=0.01)
    second = await start_job(database_url, user["id"], units=1, delay=0.01)
    stranger = await register_user(client)
    await start_job(database_url, stranger["id"], units=1, delay=0.01)
    listed = (
        await client.get(
            "/api/v1/jobs", headers={"Authorization": user["authorization"]}
        )
    ).json()
    assert [j["id"] for j in listed["items"]] == [str(second), str(first)]
    assert listed["total"] == 2
    bad = await client.get(
        "/api/v1/jobs?status=exploded", headers={"Authorization": user["authorization"]}
    )
    assert bad.status_code == 422


async def test_reconnecting_after_the_end_gets_a_closed_stream(
    client: httpx.AsyncClient, user: dict[str, str], database_url: str
) -> None:
    job_id = await start_job(database_url, user["id"], units=1, delay=0.01)
    full = await read_sse(client, job_id, user["authorization"])
    last = [e for e in full if "id" in e][-1]
    assert last["event"] == "completed"
    after = await asyncio.wait_for(
        read_sse(client, job_id, user["authorization"], last_event_id=last["id"]),
        timeout=5,
    )
    assert [e for e in after if "id" in e] == []


async def test_a_busy_worker_is_not_declared_stalled(
    worker_only_database: str,
) -> None:
    """A worker whose event loop is held far past `stalled_after_seconds`
    (3 s here: 4.5 s per unit), as a CPU-starved one is, keeps its job: the
    other worker's watchdog does not re-queue it, so nothing is done twice."""
    url = worker_only_database
    with psycopg.connect(url, autocommit=True) as conn:
        user_id = conn.execute(
            "INSERT INTO users (id, email, full_name, password_hash, is_active) "
            "VALUES (gen_random_uuid(), 'b@example.com', 'B', 'x', true) RETURNING id"
        ).fetchone()[0]  # type: ignore[index]
    busy = _spawn_worker(url)
    watcher: subprocess.Popen[bytes] | None = None
    try:
        job_id = await start_job(url, str(user_id), units=3, delay=0.1, block=4.5)
        deadline = time.monotonic() + 60  # a loaded machine starts slowly
        while _job_row(url, job_id)[0] != "running":
            assert time.monotonic() < deadline, _job_row(url, job_id)
            await asyncio.sleep(0.1)
        watcher = _spawn_worker(url)  # its watchdog looks every 1.5 s
        deadline = time.monotonic() + 60
        while _job_row(url, job_id)[0] not in {"succeeded", "failed"}:
            assert time.monotonic() < deadline, _job_row(url, job_id)
            await asyncio.sleep(0.2)
        status, attempts, _ = _job_row(url, job_id)
    finally:
        for proc in (busy, watcher):
            if proc is not None:
                proc.terminate()
                proc.wait(10)
    assert (status, attempts) == ("succeeded", 1)
    assert sorted(_units(url, job_id)) == [(0, 1), (1, 1), (2, 1)]
