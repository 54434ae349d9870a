"""Scale-out: one survey of N respondents x 10 questions answered by real
`sight worker` processes (1, 2, 4, ...) beside a `sight serve` (no in-process
worker), all on one embedded PostgreSQL, against the fake provider in its own
process with latency L and a concurrency limit P (a call that finds P in
flight is answered 429 with Retry-After, as a provider's limit does).

Each worker may have C calls in flight (Sight's default for the provider,
per process), so W workers offer W x C and the provider takes min(W x C, P):
ideal = ceil(N / min(W x C, P)) x L. The run is one `surveys.run` job whose
respondents are shared out as `surveys.shard` jobs (surveys/sharding.py);
the wall clock runs from the job's creation to the survey's results stored.
The themes' embeddings go to the fake provider too (a deployment that scales
out embeds through its provider), so the local model does not decide the time.

    uv run python -m bench.scaleout --respondents 2000 --workers 1 2 4 \
        --latency 2 --provider-limit 64
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.support import fresh_database, insert_user, machine
from bench.surveys import _project_with_personas, _survey
from sight.config import Settings
from sight.jobs import service as jobs
from sight.jobs.queue import create_queue_app
from sight.postgres import create_engine, create_sessionmaker, libpq_url, session_scope

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def _fake(latency: float, limit: int) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sight_testing.fake_llm",
            "--port",
            str(port),
            "--latency",
            str(latency),
            "--max-in-flight",
            str(limit),
            "--retry-after",
            "0.5",
            "--log-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(f"{base}/_health", 30)
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


def _wait(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")
        time.sleep(0.2)


def _env(url: str, fake: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "OPENAI_API_KEY": "sk-bench",
        "OPENAI_BASE_URL": f"{fake}/v1",
        "SIGHT_LLM__DETECT_OLLAMA": "false",
        "SIGHT_LLM__EMBEDDING_PROVIDER": "openai",
        # Every run asks the same questions of the same personas: no answers
        # from the response cache.
        "SIGHT_LLM__CACHE_ENABLED": "false",
        "SIGHT_JOBS__RUN_WORKER_IN_PROCESS": "false",
        "SECRET_KEY": "s" * 40,
        "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}",
    }


def _sight() -> str:
    return str(Path(sys.executable).with_name("sight"))


@contextlib.contextmanager
def _processes(url: str, fake: str, workers: int) -> Iterator[None]:
    env = _env(url, fake)
    port = _free_port()
    procs = [
        subprocess.Popen(
            [_sight(), "serve", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    procs += [
        subprocess.Popen(
            [_sight(), "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    try:
        _wait(f"http://127.0.0.1:{port}/health", 120)
        deadline = time.monotonic() + 120
        with psycopg.connect(url, autocommit=True) as conn:
            while True:
                row = conn.execute(
                    "SELECT count(*) FROM procrastinate_workers"
                    " WHERE last_heartbeat > now() - interval '30 seconds'"
                ).fetchone()
                if row and row[0] >= workers:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError("the workers did not start")
                time.sleep(0.2)
        yield
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


async def _start(url: str, user_id: uuid.UUID, project_id: uuid.UUID) -> uuid.UUID:
    survey_id = _survey(url, project_id)
    engine = create_engine(url, pool_size=2)
    queue_app = create_queue_app(libpq_url(url))
    async with queue_app.open_async():
        async with session_scope(create_sessionmaker(engine)) as session:
            await jobs.create_job(
                session,
                queue_app,
                user_id=user_id,
                kind="surveys.run",
                project_id=project_id,
                params={"survey_id": str(survey_id), "rating_words": False},
            )
    await engine.dispose()
    return survey_id


def _until_done(url: str, survey_id: uuid.UUID, seconds: float) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT status FROM surveys WHERE id = %s", (survey_id,)
            ).fetchone()
            if row and row[0] in {"completed", "failed", "cancelled"}:
                return str(row[0])
            time.sleep(0.1)
    return "timeout"


def run_once(
    url: str,
    fake: str,
    user_id: uuid.UUID,
    project_id: uuid.UUID,
    workers: int,
) -> dict[str, Any]:
    with _processes(url, fake, workers):
        httpx.post(f"{fake}/_control", json={"reset_stats": True}, timeout=5)
        started = time.perf_counter()
        survey_id = asyncio.run(_start(url, user_id, project_id))
        status = _until_done(url, survey_id, 1800)
        wall = time.perf_counter() - started
        load = os.getloadavg()[0]
    stats = httpx.get(f"{fake}/_stats", timeout=30).json()
    chat = [r for r in stats["requests"] if r["endpoint"] == "openai.chat.completions"]
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*), count(DISTINCT job_id) FROM survey_responses"
            " WHERE survey_id = %s",
            (survey_id,),
        ).fetchone()
    assert row is not None
    return {
        "status": status,
        "wall": wall,
        "answered": int(row[0]),
        "jobs": int(row[1]),
        "calls": sum(1 for r in chat if r["status"] == 200),
        "refused": sum(1 for r in chat if r["status"] == 429),
        "max_in_flight": int(stats["max_in_flight"]),
        "load": load,
    }


def quick() -> list[Any]:
    """`python -m bench all --quick`: 200 respondents on 1 and 2 workers with
    the provider's limit at one worker's concurrency (so it binds at 2)."""
    from bench.rows import Row

    respondents, latency = 200, 2.0
    per_worker = _per_worker()
    rows = []
    with fresh_database() as url, _fake(latency, per_worker) as fake:
        user_id = insert_user(url)
        project_id = _project_with_personas(url, user_id, respondents)
        for workers in (1, 2):
            r = run_once(url, fake, user_id, project_id, workers)
            at_once = min(workers * per_worker, per_worker)
            ideal = math.ceil(respondents / at_once) * latency
            rows.append(
                Row(
                    f"Scale-out survey {respondents} x 10, {workers} worker(s)",
                    f"{r['wall']:.1f} s = {r['wall'] / ideal:.2f} x ideal "
                    f"({r['answered']} answered, {r['refused']} refused with 429)",
                    "<= 1.2 x ideal at the provider limit",
                    met=r["status"] == "completed" and r["wall"] <= 1.2 * ideal,
                    note=f"bench.scaleout, P = {per_worker}, C = {per_worker}",
                )
            )
    return rows


def _per_worker() -> int:
    settings = Settings(_env_file=None, secret_key="b" * 40)  # type: ignore[call-arg]
    return settings.llm.limits["openai"].concurrency


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--respondents", type=int, default=2000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--latency", type=float, default=2.0)
    parser.add_argument(
        "--provider-limit",
        type=int,
        default=64,
        help="calls the fake provider takes at once (429 beyond)",
    )
    args = parser.parse_args()
    per_worker = _per_worker()
    print(f"machine: {machine()}")
    rows = []
    with fresh_database() as url, _fake(args.latency, args.provider_limit) as fake:
        user_id = insert_user(url)
        project_id = _project_with_personas(url, user_id, args.respondents)
        for workers in args.workers:
            result = run_once(url, fake, user_id, project_id, workers)
            rows.append((workers, result))
            print(f"  {workers} worker(s): {result}", flush=True)
    print(
        "| workers | C per worker | provider limit P | calls at once min(W*C, P) "
        "| answered | provider calls | 429s | max in flight | wall (s) | ideal (s) "
        "| wall / ideal | respondents/s | load avg |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for workers, r in rows:
        at_once = min(workers * per_worker, args.provider_limit)
        ideal = math.ceil(args.respondents / at_once) * args.latency
        binds = " (limit binds)" if workers * per_worker >= args.provider_limit else ""
        print(
            f"| {workers} | {per_worker} | {args.provider_limit} | {at_once}{binds} "
            f"| {r['answered']} | {r['calls']} | {r['refused']} | {r['max_in_flight']} "
            f"| {r['wall']:.1f} | {ideal:.0f} | {r['wall'] / ideal:.2f} "
            f"| {r['answered'] / r['wall']:.1f} | {r['load']:.1f} |"
        )


if __name__ == "__main__":
    main()
