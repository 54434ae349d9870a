"""Parsing cannot freeze the service: limits are checked before parsing, the
parsing process has a time and a memory limit, and the server keeps answering
`/health` in milliseconds while the heaviest allowed document is processed."""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
import uuid
from itertools import cycle, islice

import httpx
import pytest

from sight import db
from sight.embedded_postgres import EmbeddedPostgres
from sight.knowledge import sandbox
from sight.knowledge.errors import DocumentOverLimit
from sight.knowledge.parsing import parse_docx
from sight.knowledge.sandbox import prepare_isolated
from tests.conftest import create_database, register_user
from tests.knowledge.conftest import (
    create_project,
    knowledge_settings,
    start_server,
    upload,
    wait_document,
)
from tests.knowledge.documents import docx_from_paragraphs, gpl_paragraphs


def _gpl_docx(count: int, repeat_xml: int = 1) -> bytes:
    return docx_from_paragraphs(islice(cycle(gpl_paragraphs()), count), repeat_xml)


def test_five_thousand_paragraph_docx_parses_fast() -> None:
    data = _gpl_docx(5000)
    # CPU time of this thread, not wall time: a loaded machine (CI, other
    # suites) stretched the wall time of the same work past the bound.
    started = time.thread_time()
    parsed = parse_docx(data)
    took = time.thread_time() - started
    print(f"\n5,000-paragraph .docx parsed in {took:.2f} s of CPU")
    assert len(parsed.blocks) == 5000
    # Was 6.9 s on this machine (18.5 s in the report) with a style look-up
    # per paragraph; now about 0.3 s.
    assert took < 2.0


def test_parsing_process_starts_without_the_web_stack() -> None:
    # Every document waits for a fresh parsing process to import what it
    # needs: with the web framework, the ORM and the settings that took about
    # 2.4 s of CPU, a third of a 100-page ingestion; the parsers alone ~0.4 s.
    code = (
        sandbox._CHILD_START
        + "; import sys; print(' '.join({m.split('.')[0] for m in sys.modules}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        input=b"\n",  # an empty header: the spare's "not needed"
        capture_output=True,
        env=sandbox._child_environment(),
        timeout=120,
        check=True,
    )
    loaded = set(done.stdout.decode().split())
    assert {"pypdf", "docx", "sight"} <= loaded
    heavy = {"fastapi", "starlette", "sqlalchemy", "psycopg", "pydantic", "numpy"}
    assert not loaded & heavy


async def test_zip_bomb_docx_fails_naming_the_unpacked_size_limit(
    kclient: httpx.AsyncClient,
) -> None:
    # 0.7 MB on disk, 173 MB unpacked, a million paragraphs: like the file that
    # froze the server for six minutes.
    sentence = next(p for p in gpl_paragraphs() if p.startswith("You may charge"))
    bomb = docx_from_paragraphs([sentence[:160]] * 100, repeat_xml=10_000)
    assert len(bomb) < 1024 * 1024
    user = await register_user(kclient)
    auth = user["authorization"]
    project = await create_project(kclient, auth)
    response = await upload(kclient, auth, project, "bomb.docx", bomb)
    assert response.status_code == 202, response.text
    document = await wait_document(
        kclient, auth, project, response.json()["document"]["id"], {"failed", "ready"}
    )
    assert document["status"] == "failed"
    assert "unpacks to" in document["error"]
    assert "limit is 100 MB of unpacked content" in document["error"]
    # The document is marked failed inside the job, which ends a moment later.
    job_url = f"/api/v1/jobs/{response.json()['job_id']}"
    deadline = time.monotonic() + 30
    while True:
        job = (await kclient.get(job_url, headers={"Authorization": auth})).json()
        if job["status"] != "running" or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    # A limit is final: not retried.
    assert job["status"] == "failed"
    assert job["attempts"] == 1


async def test_paragraph_limit_is_checked_before_parsing() -> None:
    data = _gpl_docx(3000)
    with pytest.raises(DocumentOverLimit, match="limit is 2,000 paragraphs"):
        await prepare_isolated(
            data,
            "docx",
            default_language="en",
            settings=knowledge_settings(max_paragraphs=2000),
        )


async def test_parsing_time_limit_names_the_limit() -> None:
    data = _gpl_docx(40_000)
    started = time.monotonic()
    with pytest.raises(DocumentOverLimit, match="longer than the limit of 1 second"):
        await prepare_isolated(
            data,
            "docx",
            default_language="en",
            settings=knowledge_settings(parse_timeout_seconds=1),
        )
    assert time.monotonic() - started < 10  # killed, not waited for


async def test_parsing_memory_limit_names_the_limit() -> None:
    data = _gpl_docx(40_000)
    with pytest.raises(DocumentOverLimit, match="more memory than the limit of 64 MB"):
        await prepare_isolated(
            data,
            "docx",
            default_language="en",
            settings=knowledge_settings(parse_memory_mb=64),
        )


async def _health_latencies(client: httpx.AsyncClient, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        health = await client.get("/health")
        samples.append(time.perf_counter() - started)
        assert health.status_code == 200
        await asyncio.sleep(0.02)
    return samples


def _p95(samples: list[float]) -> float:
    return sorted(samples)[int(len(samples) * 0.95) - 1]


async def test_health_answers_fast_while_the_worst_file_is_parsed(
    pg_cluster: EmbeddedPostgres,
) -> None:
    """The zip-bomb .docx from the report, with the size and paragraph limits
    lifted so that the parser really works on it until the time or memory
    limit stops it: the server keeps answering meanwhile."""
    url = create_database(pg_cluster, f"sight_health_{uuid.uuid4().hex[:8]}")
    db.upgrade(url)
    server = start_server(
        url,
        knowledge_settings(
            max_unpacked_mb=10_000,
            max_paragraphs=10_000_000,
            parse_timeout_seconds=15,
        ),
        # A slow heartbeat on a busy machine must not look like a dead worker.
        jobs={"worker_concurrency": 2, "stalled_after_seconds": 60.0},
    )
    sentence = next(p for p in gpl_paragraphs() if p.startswith("You may charge"))
    bomb = docx_from_paragraphs([sentence[:160]] * 100, repeat_xml=10_000)
    samples: list[float] = []
    stages: set[str] = set()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            # What this machine gives an idle server right now: other work on
            # a shared CI machine slows every request, a blocked loop by seconds.
            baseline = await _health_latencies(client, 40)
            user = await register_user(client)
            auth = user["authorization"]
            project = await create_project(client, auth)
            response = await upload(client, auth, project, "bomb.docx", bomb)
            assert response.status_code == 202, response.text
            path = f"/api/v1/projects/{project}/documents/{response.json()['document']['id']}"
            deadline = time.monotonic() + 120
            document: dict[str, object] = {}
            while time.monotonic() < deadline:
                samples += await _health_latencies(client, 5)
                document = (
                    await client.get(path, headers={"Authorization": auth})
                ).json()
                stages.add(f"{document['status']}:{document['stage']}")
                if document["status"] in ("ready", "failed"):
                    break
    finally:
        server.stop()
    print(
        f"\n/health idle: median {statistics.median(baseline) * 1000:.1f} ms, "
        f"p95 {_p95(baseline) * 1000:.1f} ms; while parsing the bomb: "
        f"{len(samples)} requests, median {statistics.median(samples) * 1000:.1f} "
        f"ms, p95 {_p95(samples) * 1000:.1f} ms, max {max(samples) * 1000:.1f} ms; "
        f"stages {sorted(stages)}; outcome {document.get('error')}"
    )
    assert "processing:parsing" in stages
    assert document["status"] == "failed"
    assert "limit of" in str(document["error"])
    # Under 100 ms; on a machine so loaded that even the idle server is
    # slower than that, no worse than that machine allows.
    allowed = max(0.1, 3 * _p95(baseline))
    assert _p95(samples) < allowed
    # One outlier in ~400 requests (a GC pause, the 2 cores shared with the
    # parser) is noise, not a frozen server: the worst must still be well
    # under a second (a CI run saw 0.6 s once; the frozen server took minutes).
    assert max(samples) < 1.0
