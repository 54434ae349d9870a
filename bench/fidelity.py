"""A full fidelity run on the GSS 2018 benchmark (57 questions x 18 groups)
against the fake provider (real OpenAI SDK, latency L per call), through the
real job runtime: persona sample per group from the census, every respondent
answering the questionnaire through the surveys' answering path, answers
stored as they arrive, measures computed and stored.

The overall cell is the census-weighted mixture of the men and women samples,
so 18 groups x m respondents are asked. 57 single-choice answers exceed 70 %
of the answering route's output limit (600 tokens), so each respondent is
asked in two consecutive parts: 2 calls per respondent, the second waiting
for the first. Ideal wall time: ceil(2 x 18 x m / C) x L.

    uv run python -m bench.fidelity --per-group 200 --latency 2 --concurrency 32
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time
import uuid
from typing import Any

import psycopg

from bench.support import (
    fake_provider_process,
    fake_stats,
    fresh_database,
    insert_user,
    machine,
    reset_fake_stats,
)
from sight.config import Settings
from sight.domains import load_tasks
from sight.fidelity.schemas import FidelityRunCreate
from sight.fidelity.service import JOB_KIND, create_run, prepare
from sight.jobs import service as jobs
from sight.jobs.queue import create_queue_app
from sight.jobs.runtime import WorkerRuntime, run_job
from sight.llm.gateway import LLMGateway
from sight.llm.types import CallContext
from sight.postgres import create_engine, create_sessionmaker, libpq_url, session_scope


def _settings(fake: str, concurrency: int) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        secret_key="b" * 40,
        openai_api_key="sk-bench",
        openai_base_url=f"{fake}/v1",
        llm={
            "limits": {"openai": {"concurrency": concurrency}},
            "detect_ollama": False,
        },
    )


def _project(url: str, user_id: uuid.UUID) -> uuid.UUID:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "INSERT INTO projects (id, owner_id, name, description, research_goal,"
            " language, country, target_sample_size, target_demographics,"
            " target_distribution, llm_overrides) VALUES (gen_random_uuid(), %s,"
            " 'Bench', '', '', 'en', 'us', 20, '{}', '{}', '{}') RETURNING id",
            (user_id,),
        ).fetchone()
    assert row is not None
    return uuid.UUID(str(row[0]))


async def run_once(
    url: str, fake: str, per_group: int, concurrency: int
) -> dict[str, Any]:
    user_id = insert_user(url)
    project_id = _project(url, user_id)
    queue_app = create_queue_app(libpq_url(url))
    engine = create_engine(url, pool_size=40)
    sessionmaker = create_sessionmaker(engine=engine)
    settings = _settings(fake, concurrency)
    gateway = LLMGateway(settings, sessionmaker)
    ctx = CallContext(user_id=user_id, project_id=project_id)
    # A warm worker: the SDK client made and connected (once per worker).
    await gateway.generate_text("bench.warm", system="", prompt="hi", ctx=ctx)
    data = FidelityRunCreate(benchmark="gss2018_us", per_group=per_group, seed=1)
    async with queue_app.open_async():
        async with session_scope(sessionmaker) as session:
            from sight.projects.models import Project

            project = await session.get(Project, project_id)
            bench, _ = await prepare(session, project, data)
            run = await create_run(
                session,
                gateway,
                ctx,
                bench,
                data,
                project=project,
                user_id=user_id,
                study=None,
            )
            job = await jobs.create_job(
                session,
                queue_app,
                user_id=user_id,
                kind=JOB_KIND,
                project_id=project_id,
                params={"run_id": str(run.id)},
            )
            run.job_id = job.id
            run_id = run.id
        runtime = WorkerRuntime(sessionmaker, settings, queue_app, gateway, {})
        reset_fake_stats(fake)
        started = time.perf_counter()
        # A failed attempt is re-queued by the runtime and resumes from the
        # stored answers; here it is run again at once (no backoff) and counted.
        attempts = 0
        while attempts < 3:
            attempts += 1
            await run_job(runtime, job.id)
            with psycopg.connect(url) as conn:
                row = conn.execute(
                    "SELECT status FROM jobs WHERE id = %s", (job.id,)
                ).fetchone()
            if row is None or row[0] in {"succeeded", "failed", "cancelled"}:
                break
        wall = time.perf_counter() - started
    stats = fake_stats(fake)
    await gateway.aclose()
    await engine.dispose()
    by_endpoint = stats.get("requests_by_endpoint", {})
    assert isinstance(by_endpoint, dict)
    with psycopg.connect(url) as conn:
        status, score, calls, answered = conn.execute(
            "SELECT r.status, r.score, r.calls, (SELECT count(*) FROM"
            " fidelity_responses f WHERE f.run_id = r.id) FROM fidelity_runs r"
            " WHERE r.id = %s",
            (run_id,),
        ).fetchone()  # type: ignore[misc]
    return {
        "wall": wall,
        "status": status,
        "score": score,
        "calls_recorded": calls,
        "chat": int(by_endpoint.get("openai.chat.completions", 0)),
        "answered": answered,
        "attempts": attempts,
        "questions": len(bench.questions),
        "groups": len(bench.groups) - 1,
    }


async def main_async(sizes: list[int], latency: float, concurrency: int) -> None:
    load_tasks()
    rows = []
    with fresh_database() as url, fake_provider_process(latency) as fake:
        for size in sizes:
            load_before = open("/proc/loadavg").read().split()[:3]  # noqa: ASYNC230
            result = await run_once(url, fake, size, concurrency)
            load_after = open("/proc/loadavg").read().split()[:3]  # noqa: ASYNC230
            rows.append((size, result, load_before, load_after))
    print(f"machine: {machine()}")
    print(
        "| questions x groups | per group | respondents | L (s) | C | provider calls "
        "| answered | wall (s) | ideal (s) | wall / ideal | load before / after |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for size, r, before, after in rows:
        respondents = size * r["groups"]
        ideal = max(1, math.ceil(r["chat"] / concurrency)) * latency
        print(
            f"| {r['questions']} x {r['groups']} | {size} | {respondents} | {latency:g} "
            f"| {concurrency} | {r['chat']} | {r['answered']} | {r['wall']:.1f} "
            f"| {ideal:.0f} | {r['wall'] / ideal:.2f} | {' '.join(before)} / "
            f"{' '.join(after)} |"
        )
        print(
            f"  status {r['status']}, score {r['score']}, calls recorded "
            f"{r['calls_recorded']}, job attempts {r['attempts']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-group", type=int, nargs="+", default=[200])
    parser.add_argument("--latency", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    asyncio.run(main_async(args.per_group, args.latency, args.concurrency))


if __name__ == "__main__":
    main()
