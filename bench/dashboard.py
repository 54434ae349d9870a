"""Dashboard overview latency at 100 projects per user, from the KPI snapshot.

A real `sight serve` (its own process, DATABASE_URL on a fresh embedded
PostgreSQL, with and without REDIS_URL) and one user with N projects, each
with 20 personas, 2 analysed focus groups (5 insights, sentiment, a 30-concept
graph), a survey, 3 jobs (one failed in every fifth project) and 40 priced
LLM calls. The bench times the first overview (the snapshot computed on a
miss), then sequential and concurrent GET /api/v1/dashboard/overview answered
from the snapshot.

    uv run python -m bench.dashboard --projects 100 --requests 500
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg

from bench.cold_start import free_port, health_ok, stop
from bench.support import fresh_database, machine

SECRET = "bench-secret-key-0123456789abcdef0123456789"  # noqa: S105


@contextlib.contextmanager
def redis_process() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit(
            "redis-server is not installed (apt-get install -y redis-server)"
        )
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="sight-bench-redis-") as tmp:
        proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--dir",
                tmp,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(0.3)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            proc.terminate()
            proc.wait(5)


@contextlib.contextmanager
def server(database_url: str, redis_url: str | None) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET}
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    sight = Path(sys.executable).with_name("sight")
    with tempfile.NamedTemporaryFile(prefix="sight-bench-dash-", suffix=".log") as log:
        proc = subprocess.Popen(
            [str(sight), "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 120
            while not health_ok(port):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit(f"sight serve did not start; see {log.name}")
                time.sleep(0.2)
            yield f"http://127.0.0.1:{port}"
        finally:
            stop(proc, grace=10)


def _insight(i: int) -> dict[str, object]:
    kinds = ("opportunity", "risk", "trend", "pattern")
    return {
        "type": kinds[i % 4],
        "title": f"Insight {i}",
        "insight": "What the personas said, in two sentences. " * 2,
        "confidence": 0.7,
        "evidence": [{"quote": "a quote", "response_id": str(uuid.uuid4())}] * 3,
    }


def seed(url: str, user_id: str, projects: int) -> None:
    """Rows straight into PostgreSQL: the shapes the domains store."""
    summary = json.dumps({"key_insights": [_insight(i) for i in range(5)]})
    sentiment = json.dumps({"overall": {"positive": 12, "neutral": 5, "negative": 3}})
    graph = json.dumps(
        {
            "nodes": [
                {"concept": f"concept {c}", "mentions": 30 - c, "contested": c / 30}
                for c in range(30)
            ]
        }
    )
    with psycopg.connect(url, autocommit=False) as conn:
        ids = [
            row[0]
            for row in conn.execute(
                "INSERT INTO projects (id, owner_id, name, description, research_goal,"
                " language, country, target_sample_size, target_demographics,"
                " target_distribution, fit_report, llm_overrides, created_at, updated_at)"
                " SELECT gen_random_uuid(), %s, 'Project ' || n, '', '', 'pl', 'pl', 20,"
                " '{}', '{}', jsonb_build_object('verdict', CASE WHEN n %% 4 = 0"
                " THEN 'fail' ELSE 'pass' END, 'dimensions', '[]'::jsonb), '{}',"
                " now() - (n || ' hours')::interval, now()"
                " FROM generate_series(1, %s) n RETURNING id",
                (user_id, projects),
            ).fetchall()
        ]
        conn.execute(
            "INSERT INTO personas (id, project_id, slot, age, age_group, gender,"
            " location, urban_rural, education, income_band, income, income_currency,"
            " full_name, occupation, profile, language, segment, generated_by,"
            " prompt_version, citations, validation, created_at)"
            " SELECT gen_random_uuid(), p, s, 30, '25-34', 'female', 'mazowieckie',"
            " 'urban', 'higher', 'middle', 6000, 'PLN', 'P ' || s, 'analyst', '{}',"
            " 'pl', 'urban', 'offline-engine', 'v1', '[]', '{}',"
            " now() - (s || ' days')::interval"
            " FROM unnest(%s::uuid[]) p, generate_series(1, 20) s",
            (ids,),
        )
        for project_id in ids:
            for g in range(2):
                group = conn.execute(
                    "INSERT INTO focus_groups (id, project_id, name, description,"
                    " project_context, persona_ids, questions, language, mode,"
                    " wave_size, turn_words, status, completed_at, created_at,"
                    " updated_at) VALUES (gen_random_uuid(), %s, %s, '', '', '[]',"
                    " '[]', 'pl', 'normal', 5, 50, 'completed', now(), now(), now())"
                    " RETURNING id",
                    (project_id, f"Group {g}"),
                ).fetchone()
                assert group is not None
                for kind, content in (
                    ("summary", summary),
                    ("sentiment", sentiment),
                    ("concept_graph", graph),
                ):
                    conn.execute(
                        "INSERT INTO analysis_results (id, focus_group_id, project_id,"
                        " kind, content, generated_by, created_at, updated_at) VALUES"
                        " (gen_random_uuid(), %s, %s, %s, %s, 'offline-engine', now(),"
                        " now())",
                        (group[0], project_id, kind, content),
                    )
        conn.execute(
            "INSERT INTO surveys (id, project_id, title, description, questions,"
            " respondents, settings, status, target, results_answered,"
            " prompt_version, created_at, updated_at)"
            " SELECT gen_random_uuid(), p, 'Survey', '', '[]', '{}', '{}',"
            " 'completed', 20, 20, 'v1', now(), now() FROM unnest(%s::uuid[]) p",
            (ids,),
        )
        conn.execute(
            "INSERT INTO jobs (id, user_id, project_id, kind, status, params,"
            " progress, checkpoint, attempts, cancel_requested, error, created_at,"
            " updated_at, finished_at)"
            " SELECT gen_random_uuid(), %s, p, k, CASE WHEN k = 'personas.generate'"
            " AND i %% 5 = 0 THEN 'failed' ELSE 'succeeded' END, '{}', 1, '{}', 1,"
            " false, 'bench failure', now(), now(), now()"
            " FROM unnest(%s::uuid[]) WITH ORDINALITY AS t(p, i),"
            " unnest(array['personas.generate', 'focus_groups.run', 'analysis.run']) k",
            (user_id, ids),
        )
        conn.execute(
            "INSERT INTO llm_calls (user_id, project_id, flow, kind, provider, model,"
            " input_tokens, output_tokens, cost_usd, priced, latency_ms, cache_hit,"
            " outcome, attempts, created_at)"
            " SELECT %s, p, 'personas.enrich', 'chat', 'openai', 'gpt-test', 900, 300,"
            " 0.002, true, 800, false, 'ok', 1, now() - (c || ' hours')::interval"
            " FROM unnest(%s::uuid[]) p, generate_series(1, 40) c",
            (user_id, ids),
        )
        conn.commit()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def measure(
    base: str, auth: dict[str, str], requests: int, concurrency: int
) -> dict[str, float]:
    limits = httpx.Limits(max_connections=concurrency + 2)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        # The first call computes and stores the snapshot.
        started = time.perf_counter()
        first = await client.get("/api/v1/dashboard/overview", headers=auth)
        first.raise_for_status()
        miss = (time.perf_counter() - started) * 1000
        assert first.json()["projects"] > 0
        for _ in range(20):  # warm connections
            await client.get("/api/v1/dashboard/overview", headers=auth)
        timings: list[float] = []

        async def one() -> None:
            t0 = time.perf_counter()
            response = await client.get("/api/v1/dashboard/overview", headers=auth)
            timings.append((time.perf_counter() - t0) * 1000)
            response.raise_for_status()

        sequential: list[float] = []
        for _ in range(requests):
            await one()
        sequential, timings = timings, []
        semaphore = asyncio.Semaphore(concurrency)

        async def gated() -> None:
            async with semaphore:
                await one()

        await asyncio.gather(*(gated() for _ in range(requests)))
        # The floor: an authenticated GET that does next to nothing.
        baseline: list[float] = []
        for _ in range(requests):
            t0 = time.perf_counter()
            (await client.get("/api/v1/auth/me", headers=auth)).raise_for_status()
            baseline.append((time.perf_counter() - t0) * 1000)
        return {
            "me50": statistics.median(baseline),
            "me95": pct(baseline, 0.95),
            "miss": miss,
            "p50": statistics.median(sequential),
            "p95": pct(sequential, 0.95),
            "p99": pct(sequential, 0.99),
            "cp50": statistics.median(timings),
            "cp95": pct(timings, 0.95),
        }


async def login(base: str) -> tuple[str, dict[str, str]]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
        password = "bench password 1"  # noqa: S105
        created = await client.post(
            "/api/v1/auth/register",
            json={"email": email, "password": password, "full_name": "Bench"},
        )
        created.raise_for_status()
        tokens = await client.post(
            "/api/v1/auth/login", json={"email": email, "password": password}
        )
        tokens.raise_for_status()
        return created.json()["id"], {
            "Authorization": f"Bearer {tokens.json()['access_token']}"
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    print(machine())
    print(
        "| store | projects | first (miss) ms | P50 ms | P95 ms | P99 ms |"
        f" P50 / P95 ms at {args.concurrency} concurrent |"
        " GET /auth/me P50 / P95 ms | load average |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    with fresh_database() as url, redis_process() as redis_url:
        for store, redis in (("Redis", redis_url), ("PostgreSQL", None)):
            with server(url, redis) as base:
                user_id, auth = asyncio.run(login(base))
                seed(url, user_id, args.projects)
                r = asyncio.run(measure(base, auth, args.requests, args.concurrency))
                load = Path("/proc/loadavg").read_text().split()[:3]
                print(
                    f"| {store} | {args.projects} | {r['miss']:.0f} | {r['p50']:.1f} |"
                    f" {r['p95']:.1f} | {r['p99']:.1f} | {r['cp50']:.1f} /"
                    f" {r['cp95']:.1f} | {r['me50']:.1f} / {r['me95']:.1f} |"
                    f" {' '.join(load)} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
