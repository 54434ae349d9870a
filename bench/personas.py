"""Persona generation end to end against the fake provider (real OpenAI SDK,
provider latency L, provider concurrency C), through the real job runtime.

Calls: one segment brief per group of segments (strong model) and one
enrichment per persona (fast model), all sharing the provider's concurrency C
(default: Sight's default for the provider). An enrichment needs its brief, so
the lower bound is (ceil(B / C) + ceil(N / C)) x L for B briefs and N personas;
the seed product's target was 20 personas in under 60 s.

    uv run python -m bench.personas --personas 20 200 --latency 2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import time
import uuid
from typing import Any

import httpx
import procrastinate
import psycopg

from bench.support import (
    fake_provider_process,
    fresh_database,
    machine,
    reset_fake_stats,
)
from bench.timeline import describe, timeline
from sight.config import Settings
from sight.jobs import service as jobs
from sight.jobs.queue import create_queue_app
from sight.jobs.runtime import WorkerRuntime, run_job
from sight.llm.config import routing_table
from sight.llm.gateway import LLMGateway
from sight.personas import tasks as _tasks  # noqa: F401 (registers the job handler)
from sight.postgres import create_engine, create_sessionmaker, libpq_url, session_scope
from sight.projects.service import normalise_target

TARGET = {
    "age_group": {"25-34": 0.4, "35-44": 0.35, "45-54": 0.25},
    "gender": {"Male": 0.5, "Female": 0.5},
}


def _setup(url: str) -> tuple[uuid.UUID, uuid.UUID]:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "INSERT INTO users (id, email, full_name, password_hash, is_active,"
            " monthly_budget_usd) VALUES (gen_random_uuid(), %s, 'B', 'x', true, 1e6)"
            " RETURNING id",
            (f"b-{uuid.uuid4().hex[:8]}@example.com",),
        ).fetchone()
        assert row is not None
        project = conn.execute(
            "INSERT INTO projects (id, owner_id, name, description, research_goal,"
            " language, country, target_sample_size, target_demographics,"
            " target_distribution, llm_overrides) VALUES (gen_random_uuid(), %s,"
            " 'Bench', '', 'Coffee subscriptions', 'pl', 'pl', 20, %s, %s, '{}')"
            " RETURNING id",
            (row[0], json.dumps(TARGET), json.dumps(normalise_target(TARGET, "pl"))),
        ).fetchone()
        assert project is not None
    return uuid.UUID(str(row[0])), uuid.UUID(str(project[0]))


async def run(
    url: str, fake: str, n: int, latency: float, concurrency: int
) -> dict[str, Any]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        secret_key="b" * 40,
        openai_api_key="sk-bench",
        openai_base_url=f"{fake}/v1",
        llm={
            "limits": {"openai": {"concurrency": concurrency}},
            "detect_ollama": False,
        },
    )
    engine = create_engine(url, pool_size=20)
    sessionmaker = create_sessionmaker(engine)
    queue_app: procrastinate.App = create_queue_app(libpq_url(url))
    gateway = LLMGateway(settings, sessionmaker)
    user_id, project_id = _setup(url)
    async with queue_app.open_async():
        async with session_scope(sessionmaker) as session:
            job = await jobs.create_job(
                session,
                queue_app,
                user_id=user_id,
                kind="personas.generate",
                project_id=project_id,
                params={"num_personas": n, "seed": 1},
            )
        runtime = WorkerRuntime(sessionmaker, settings, queue_app, gateway, services={})
        # A warm worker: the local embedder loaded, the provider's SDK client
        # made and connected (a long-running worker did this before its first
        # job); the warm-up call is not counted.
        await gateway.embed(["warm-up"], jobs_ctx(user_id))
        await gateway.generate_text(
            "bench.warm", system="", prompt="hi", ctx=jobs_ctx(user_id)
        )
        reset_fake_stats(fake)
        since = time.time()
        cpu_before = time.process_time()
        started = time.perf_counter()
        await run_job(runtime, job.id)
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu_before
        ended = time.time()
    with psycopg.connect(url) as conn:
        status, result = conn.execute(
            "SELECT status, result FROM jobs WHERE id = %s", (job.id,)
        ).fetchone()  # type: ignore[misc]
        segments = conn.execute(
            "SELECT count(DISTINCT segment) FROM personas WHERE job_id = %s", (job.id,)
        ).fetchone()[0]  # type: ignore[index]
    await gateway.aclose()
    await engine.dispose()
    async with httpx.AsyncClient() as client:
        stats = (await client.get(f"{fake}/_stats", timeout=10)).json()
    chat = [
        r
        for r in stats["requests"]
        if r["endpoint"] == "openai.chat.completions" and r["status"] == 200
    ]
    strong = routing_table().models["openai"]["strong"]
    briefs = sum(1 for r in chat if r["model"] == strong)
    return {
        "status": status,
        "saved": result["saved"] if result else 0,
        "wall": wall,
        "segments": segments,
        "briefs": briefs,
        "calls": len(chat),
        "max_in_flight": stats["max_in_flight"],
        "cpu": cpu,
        "timeline": timeline(
            stats["requests"], run_started=since, run_ended=ended, limit=concurrency
        ),
        # Briefs come first (an enrichment needs its brief), then N enrichments.
        "ideal": (math.ceil(briefs / concurrency) + math.ceil(n / concurrency))
        * latency,
    }


def jobs_ctx(user_id: uuid.UUID) -> Any:
    from sight.llm.types import CallContext

    return CallContext(user_id=user_id)


def _default_concurrency() -> int:
    settings = Settings(_env_file=None, secret_key="b" * 40)  # type: ignore[call-arg]
    return settings.llm.limits["openai"].concurrency


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--personas", type=int, nargs="+", default=[20, 200])
    parser.add_argument("--latency", type=float, default=2.0)
    parser.add_argument(
        "--concurrency",
        type=int,
        default=_default_concurrency(),
        help="the provider's concurrency (default: Sight's default for openai)",
    )
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(
        "| N | L (s) | C | segments | briefs | provider calls | max in flight | saved "
        "| wall (s) | ideal (s) | wall/ideal |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for n in args.personas:
        with fresh_database() as url, fake_provider_process(args.latency) as fake:
            r = asyncio.run(run(url, fake, n, args.latency, args.concurrency))
        print(
            f"| {n} | {args.latency} | {args.concurrency} | {r['segments']} "
            f"| {r['briefs']} | {r['calls']} | {r['max_in_flight']} | {r['saved']} "
            f"| {r['wall']:.1f} | {r['ideal']:.1f} | {r['wall'] / r['ideal']:.2f} |"
        )
        print(
            f"  {n} personas: {describe(r['timeline'], args.concurrency)}; CPU of the"
            f" job's process {r['cpu'] / max(1, n) * 1000:.0f} ms per persona"
        )
    print(f"load average after: {open('/proc/loadavg').read().split()[:3]}")


if __name__ == "__main__":
    main()


def quick() -> list[Any]:
    """`python -m bench all --quick`: 20 personas at L = 2 s, the provider's
    default concurrency."""
    from bench.rows import Row

    concurrency, latency = _default_concurrency(), 2.0
    with fresh_database() as url, fake_provider_process(latency) as fake:
        r = asyncio.run(run(url, fake, 20, latency, concurrency))
    return [
        Row(
            "20 personas at L = 2 s",
            f"{r['wall']:.1f} s, {r['calls']} calls ({r['briefs']} briefs), "
            f"C = {concurrency}",
            "≤ 7 s",
            met=r["wall"] <= 7.0 and r["saved"] == 20,
            note="bench.personas, warm worker",
        )
    ]
