"""Scale-out: one survey of N respondents x 10 questions answered by real
`sight worker` processes (1, 2, 4, ...) beside a `sight serve` (no in-process
worker), all on one embedded PostgreSQL, against the fake provider in its own
process with latency L and a concurrency limit P (a call that finds P in
flight is answered 429 with Retry-After, as a provider's limit does).

Sight's concurrency for the provider, C, is shared by every process
(llm/slots.py: PostgreSQL advisory locks here, no Redis), so W workers
together have at most C calls in flight and the provider takes min(C, P):
ideal = (ceil(N / min(C, P)) + 1) x L (one call per respondent, plus the
last call of the run). The run is one `surveys.run` job whose respondents are
shared out as `surveys.shard` jobs (surveys/sharding.py); the wall clock runs
from the job's creation to the survey's results stored. The themes'
embeddings go to the fake provider too (a deployment that scales out embeds
through its provider), so the local model does not decide the time. The
requests-per-minute limit is lifted (the fake has none), so only the
concurrency limit binds. CPU per answer is each process's user + system time
over the run (from /proc), divided by the respondents answered.

    uv run python -m bench.scaleout --respondents 2000 --workers 1 2 4 \
        --latency 2 --provider-limit 32 --concurrency 32
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
from bench.timeline import describe, timeline
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
def _fake(latency: float, limit: int) -> Iterator[tuple[str, int]]:
    """The fake provider's base URL and pid (its CPU is measured too)."""
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
        yield base, proc.pid
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


def _env(url: str, fake: str, concurrency: int) -> dict[str, str]:
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
        "SIGHT_LLM__LIMITS__OPENAI__CONCURRENCY": str(concurrency),
        "SIGHT_LLM__LIMITS__OPENAI__REQUESTS_PER_MINUTE": "100000",
        "SECRET_KEY": "s" * 40,
        "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}",
    }


def _sight() -> str:
    return str(Path(sys.executable).with_name("sight"))


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _postgres_cpu(url: str) -> float:
    """CPU time of the PostgreSQL server: the postmaster, its live backends
    and (cutime/cstime) the ones that exited."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
        assert row is not None
        stat = Path(f"/proc/{row[0]}/stat").read_text().rsplit(")", 1)[1].split()
    postmaster = int(stat[1])
    total = _cpu_seconds(postmaster)
    fields = Path(f"/proc/{postmaster}/stat").read_text().rsplit(")", 1)[1].split()
    total += (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
    for child in Path("/proc").iterdir():
        if not child.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            rest = (child / "stat").read_text().rsplit(")", 1)[1].split()
            if int(rest[1]) == postmaster:
                total += _cpu_seconds(int(child.name))
    return total


@contextlib.contextmanager
def _processes(
    url: str, fake: str, workers: int, concurrency: int
) -> Iterator[list[int]]:
    """`sight serve` and the workers; yields their pids (serve first)."""
    env = _env(url, fake, concurrency)
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
        yield [proc.pid for proc in procs]
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
    fake: tuple[str, int],
    user_id: uuid.UUID,
    project_id: uuid.UUID,
    workers: int,
    concurrency: int,
) -> dict[str, Any]:
    fake_url, fake_pid = fake
    with _processes(url, fake_url, workers, concurrency) as pids:
        httpx.post(f"{fake_url}/_control", json={"reset_stats": True}, timeout=5)
        cpu_before = [_cpu_seconds(pid) for pid in [*pids, fake_pid]]
        pg_before = _postgres_cpu(url)
        since = time.time()
        started = time.perf_counter()
        survey_id = asyncio.run(_start(url, user_id, project_id))
        status = _until_done(url, survey_id, 1800)
        wall = time.perf_counter() - started
        ended = time.time()
        pg_cpu = _postgres_cpu(url) - pg_before
        cpu = [
            _cpu_seconds(pid) - b
            for pid, b in zip([*pids, fake_pid], cpu_before, strict=True)
        ]
        load = os.getloadavg()[0]
    stats = httpx.get(f"{fake_url}/_stats", timeout=30).json()
    chat = [r for r in stats["requests"] if r["endpoint"] == "openai.chat.completions"]
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*), count(DISTINCT job_id) FROM survey_responses"
            " WHERE survey_id = %s",
            (survey_id,),
        ).fetchone()
        assert row is not None
        # Where provider calls beyond one per respondent came from: retried
        # calls, or job attempts re-run (a shard re-queued answers again).
        again = conn.execute(
            "SELECT coalesce(sum(attempts - 1), 0),"
            " count(*) FILTER (WHERE outcome <> 'ok') FROM llm_calls"
            " WHERE created_at >= to_timestamp(%s)",
            (since,),
        ).fetchone()
        rerun = conn.execute(
            "SELECT count(*) FROM jobs WHERE attempts > 1 AND kind LIKE 'surveys.%%'"
            " AND created_at >= to_timestamp(%s)",
            (since,),
        ).fetchone()
    assert again is not None
    assert rerun is not None
    return {
        "retried_calls": int(again[0]),
        "failed_calls": int(again[1]),
        "jobs_rerun": int(rerun[0]),
        "status": status,
        "wall": wall,
        "answered": int(row[0]),
        "jobs": int(row[1]),
        "calls": sum(1 for r in chat if r["status"] == 200),
        "refused": sum(1 for r in chat if r["status"] == 429),
        "max_in_flight": int(stats["max_in_flight"]),
        "load": load,
        "serve_cpu": cpu[0],
        "worker_cpu": cpu[1:-1],
        "fake_cpu": cpu[-1],
        "postgres_cpu": pg_cpu,
        "timeline": timeline(
            stats["requests"], run_started=since, run_ended=ended, limit=concurrency
        ),
    }


def ideal_seconds(respondents: int, at_once: int, latency: float) -> float:
    """Every respondent's call in full waves of `at_once`, plus one call."""
    return (math.ceil(respondents / at_once) + 1) * latency


def quick() -> list[Any]:
    """`python -m bench all --quick`: 200 respondents on 1 and 2 workers with
    the provider's limit P at Sight's concurrency C (shared by the workers)."""
    from bench.rows import Row

    respondents, latency = 200, 2.0
    limit = _default_concurrency()
    rows = []
    with fresh_database() as url, _fake(latency, limit) as fake:
        user_id = insert_user(url)
        project_id = _project_with_personas(url, user_id, respondents)
        for workers in (1, 2):
            r = run_once(url, fake, user_id, project_id, workers, limit)
            ideal = ideal_seconds(respondents, limit, latency)
            rows.append(
                Row(
                    f"Scale-out survey {respondents} x 10, {workers} worker(s)",
                    f"{r['wall']:.1f} s = {r['wall'] / ideal:.2f} x ideal "
                    f"({r['answered']} answered, {r['refused']} refused with 429, "
                    f"{r['max_in_flight']} in flight at most)",
                    "<= 1.2 x ideal at the provider limit",
                    met=r["status"] == "completed" and r["wall"] <= 1.2 * ideal,
                    note=f"bench.scaleout, P = C = {limit} shared by the workers; "
                    f"{describe(r['timeline'], limit)}; {_cpu_note(r)}",
                )
            )
    return rows


def _cpu_note(r: dict[str, Any]) -> str:
    sight = r["serve_cpu"] + sum(r["worker_cpu"])
    per = 1000 / max(1, r["answered"])
    return (
        f"CPU per answer: Sight {sight * per:.0f} ms, PostgreSQL "
        f"{r['postgres_cpu'] * per:.0f} ms, fake provider {r['fake_cpu'] * per:.0f} ms"
    )


def _default_concurrency() -> int:
    settings = Settings(_env_file=None, secret_key="b" * 40)  # type: ignore[call-arg]
    return settings.llm.limits["openai"].concurrency


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--respondents", type=int, nargs="+", default=[2000])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--latency", type=float, default=2.0)
    parser.add_argument(
        "--provider-limit",
        type=int,
        default=32,
        help="P: calls the fake provider takes at once (429 beyond)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=_default_concurrency(),
        help="C: Sight's calls in flight for the provider, all processes together",
    )
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(
        f"P = {args.provider_limit}, C = {args.concurrency} (shared by the workers), "
        f"L = {args.latency} s"
    )
    rows = []
    for respondents in args.respondents:
        with (
            fresh_database() as url,
            _fake(args.latency, args.provider_limit) as fake,
        ):
            user_id = insert_user(url)
            project_id = _project_with_personas(url, user_id, respondents)
            for workers in args.workers:
                result = run_once(
                    url, fake, user_id, project_id, workers, args.concurrency
                )
                rows.append((respondents, workers, result))
                print(f"  {respondents} x {workers} worker(s): {result}", flush=True)
    at_once = min(args.concurrency, args.provider_limit)
    print(
        "| respondents | workers | answered | provider calls | 429s | max in flight "
        "| wall (s) | ideal (s) | wall / ideal | respondents/s "
        "| CPU s per answer (serve + workers) | busiest worker, share of a core "
        "| calls retried / jobs re-run | load avg |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for respondents, workers, r in rows:
        ideal = ideal_seconds(respondents, at_once, args.latency)
        cpu = r["serve_cpu"] + sum(r["worker_cpu"])
        busiest = max(r["worker_cpu"]) / r["wall"]
        print(
            f"| {respondents} | {workers} | {r['answered']} | {r['calls']} "
            f"| {r['refused']} | {r['max_in_flight']} | {r['wall']:.1f} "
            f"| {ideal:.0f} | {r['wall'] / ideal:.2f} "
            f"| {r['answered'] / r['wall']:.1f} "
            f"| {cpu / max(1, r['answered']) * 1000:.0f} ms "
            f"| {busiest:.0%} | {r['retried_calls']} / {r['jobs_rerun']} "
            f"| {r['load']:.1f} |"
        )
    print()
    for respondents, workers, r in rows:
        print(
            f"- {respondents} x {workers} worker(s): "
            f"{describe(r['timeline'], at_once)}; {_cpu_note(r)}"
        )


if __name__ == "__main__":
    main()
