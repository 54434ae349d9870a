"""Survey N respondents x 10 questions against the fake provider (real OpenAI
SDK, latency L per call), through the real job runtime.

One structured call per respondent answers the whole questionnaire, all
respondents in parallel within the provider's concurrency C, so the ideal is
ceil(N / C) x L. Measured: when the results are ready (every answer validated
and stored with its stream event, the full results stored: statistics, bias
guards and the open answers' themes, what `GET /results` serves; read by a
client in another process woken by the stream's notification), the job's
wall time, provider calls, in both rating modes (direct numbers, and
two-pass: words mapped to the scale with local embeddings).

    uv run python -m bench.surveys --respondents 20 200 --latency 2 --concurrency 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import subprocess
import sys
import time
import uuid
from typing import Any

import procrastinate
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
from sight.demographics import load_census
from sight.domains import load_tasks
from sight.jobs import service as jobs
from sight.jobs.queue import create_queue_app
from sight.jobs.runtime import WorkerRuntime, run_job
from sight.llm.gateway import LLMGateway
from sight.llm.types import CallContext
from sight.postgres import create_engine, create_sessionmaker, libpq_url, session_scope
from sight.surveys.service import warm_statistics

QUESTIONS: list[dict[str, Any]] = [
    {
        "id": "aware",
        "type": "single-choice",
        "title": "Have you heard of coffee subscriptions?",
        "options": ["Yes", "No"],
    },
    {
        "id": "buy",
        "type": "single-choice",
        "title": "Would you subscribe to a monthly coffee delivery?",
        "options": ["Yes", "No", "Not sure"],
    },
    {
        "id": "often",
        "type": "single-choice",
        "title": "How often do you drink coffee?",
        "options": ["Never", "Rarely", "Sometimes", "Often", "Every day"],
    },
    {
        "id": "where",
        "type": "multiple-choice",
        "title": "Where do you buy coffee?",
        "options": ["Supermarket", "Discount store", "Online shop", "Local cafe"],
    },
    {
        "id": "price",
        "type": "rating-scale",
        "title": "How important is the price of coffee to you?",
        "scaleMin": 1,
        "scaleMax": 5,
    },
    {
        "id": "likely",
        "type": "rating-scale",
        "title": "How likely are you to try a new coffee brand?",
        "scaleMin": 1,
        "scaleMax": 7,
    },
    {
        "id": "pay",
        "type": "numeric",
        "title": "How much would you pay per month?",
        "min": 0,
        "max": 200,
        "unit": "PLN",
    },
    {
        "id": "rank",
        "type": "ranking",
        "title": "Rank what matters most",
        "options": ["Price", "Taste", "Eco packaging", "Delivery speed"],
    },
    {"id": "why", "type": "open-text", "title": "What would convince you?"},
    {"id": "worry", "type": "open-text", "title": "What would worry you?"},
]
AGE_GROUPS = [
    ("age_18_24", 18, 24),
    ("age_25_34", 25, 34),
    ("age_35_44", 35, 44),
    ("age_45_54", 45, 54),
    ("age_55_64", 55, 64),
    ("age_65_plus", 65, 85),
]
INCOMES = ["pln_under_1500", "pln_1500_2499", "pln_2500_3499", "pln_5000_7499"]
EDUCATION = ["basic_vocational", "secondary", "tertiary"]


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


def _project_with_personas(url: str, user_id: uuid.UUID, count: int) -> uuid.UUID:
    rng = random.Random(count)
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "INSERT INTO projects (id, owner_id, name, description, research_goal,"
            " language, country, target_sample_size, target_demographics,"
            " target_distribution, llm_overrides) VALUES (gen_random_uuid(), %s,"
            " 'Bench', '', '', 'pl', 'pl', %s, '{}', '{}', '{}') RETURNING id",
            (user_id, count),
        ).fetchone()
        assert row is not None
        project_id = uuid.UUID(str(row[0]))
        for slot in range(count):
            group, low, high = AGE_GROUPS[slot % len(AGE_GROUPS)]
            profile = {
                "big_five": {k: rng.random() for k in ("openness", "neuroticism")},
                "values": ["rodzina"],
            }
            conn.execute(
                "INSERT INTO personas (id, project_id, slot, age, age_group, gender,"
                " location, urban_rural, education, income_band, income,"
                " income_currency, full_name, occupation, profile, language, segment,"
                " generated_by, prompt_version, citations, validation) VALUES"
                " (gen_random_uuid(), %s, %s, %s, %s, %s, 'mazowieckie', %s, %s, %s,"
                " 3000, 'PLN', %s, 'technik', %s, 'pl', 's', 'bench', 'v', '[]', '{}')",
                (
                    project_id,
                    slot,
                    rng.randint(low, high),
                    group,
                    "female" if slot % 2 else "male",
                    "urban" if rng.random() < 0.6 else "rural",
                    rng.choice(EDUCATION),
                    rng.choice(INCOMES),
                    f"Osoba {slot}",
                    json.dumps(profile),
                ),
            )
    return project_id


def _survey(url: str, project_id: uuid.UUID) -> uuid.UUID:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "INSERT INTO surveys (id, project_id, title, description, questions,"
            " respondents, settings, status, target, results_answered,"
            " prompt_version) VALUES (gen_random_uuid(), %s, 'Bench', '', %s,"
            " '{\"mode\": \"all\"}', %s, 'running', 0, 0, 'v') RETURNING id",
            (
                project_id,
                json.dumps(QUESTIONS),
                json.dumps({"shuffle_options": True, "rating_mode": "auto", "seed": 1}),
            ),
        ).fetchone()
    assert row is not None
    return uuid.UUID(str(row[0]))


WATCHER = """
import sys, time, psycopg
url, survey_id = sys.argv[1], sys.argv[2]
with psycopg.connect(url, autocommit=True) as conn:
    conn.execute("LISTEN sight_stream_events")
    print("listening", flush=True)
    deadline = time.time() + 600
    while time.time() < deadline:
        row = conn.execute(
            "SELECT results IS NOT NULL, status FROM surveys WHERE id = %s",
            (survey_id,),
        ).fetchone()
        if row and row[0]:
            print(time.time(), flush=True)
            break
        if row and row[1] in {"failed", "cancelled"}:
            break
        for _ in conn.notifies(timeout=0.5, stop_after=1):
            pass
"""


def _results_watcher(url: str, survey_id: uuid.UUID) -> subprocess.Popen[str]:
    """A client in its own process (it shares no GIL with the run) that reads
    the stored results as soon as a commit on the survey's stream wakes it
    (`LISTEN`: the results are stored with their `results` event)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", WATCHER, url, str(survey_id)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    proc.stdout.readline()  # listening
    return proc


def _results_ready(proc: subprocess.Popen[str], started_epoch: float) -> float | None:
    out, _ = proc.communicate(timeout=600)
    return float(out.split()[0]) - started_epoch if out.strip() else None


async def run_once(
    url: str,
    queue_app: procrastinate.App,
    fake: str,
    user_id: uuid.UUID,
    project_id: uuid.UUID,
    concurrency: int,
    rating_words: bool,
) -> dict[str, Any]:
    engine = create_engine(url, pool_size=40)
    sessionmaker = create_sessionmaker(engine=engine)
    settings = _settings(fake, concurrency)
    gateway = LLMGateway(settings, sessionmaker)
    # A warm worker: the embedding model loaded, the provider's SDK client made
    # and connected, the statistics imported, the census read (a long-running
    # worker has done all of this once, before its first survey).
    warm = CallContext(user_id=user_id)
    await gateway.embed(["warm-up"], warm)
    await gateway.generate_text("bench.warm", system="", prompt="hi", ctx=warm)
    warm_statistics()
    load_census("pl")
    survey_id = _survey(url, project_id)
    async with session_scope(sessionmaker) as session:
        job = await jobs.create_job(
            session,
            queue_app,
            user_id=user_id,
            kind="surveys.run",
            project_id=project_id,
            params={"survey_id": str(survey_id), "rating_words": rating_words},
        )
    runtime = WorkerRuntime(sessionmaker, settings, queue_app, gateway, {})
    reset_fake_stats(fake)
    watcher = _results_watcher(url, survey_id)
    started = time.perf_counter()
    started_epoch = time.time()
    await run_job(runtime, job.id)
    wall = time.perf_counter() - started
    ready = await asyncio.to_thread(_results_ready, watcher, started_epoch)
    stats = fake_stats(fake)
    await gateway.aclose()
    await engine.dispose()
    by_endpoint = stats.get("requests_by_endpoint", {})
    assert isinstance(by_endpoint, dict)
    with psycopg.connect(url) as conn:
        answered, last, status, results = conn.execute(
            "SELECT count(*), extract(epoch from max(r.created_at)),"
            " s.status, s.results IS NOT NULL FROM survey_responses r"
            " JOIN surveys s ON s.id = r.survey_id WHERE s.id = %s"
            " GROUP BY s.status, s.results IS NOT NULL",
            (survey_id,),
        ).fetchone()  # type: ignore[misc]
    return {
        "wall": wall,
        # When a client could first read the results (statistics, bias
        # guards, themes: what GET /results serves from then on).
        "ready": ready if ready is not None else wall,
        # When the last answer's transaction began (all answers stored).
        "answers": float(last) - started_epoch,
        "answered": answered,
        "status": status,
        "results": results,
        "chat": int(by_endpoint.get("openai.chat.completions", 0)),
    }


async def main_async(sizes: list[int], latency: float, concurrency: int) -> None:
    load_tasks()
    rows = []
    with fresh_database() as url, fake_provider_process(latency) as fake:
        user_id = insert_user(url)
        queue_app = create_queue_app(libpq_url(url))
        async with queue_app.open_async():
            for size in sizes:
                project_id = _project_with_personas(url, user_id, size)
                for words in (False, True):
                    result = await run_once(
                        url, queue_app, fake, user_id, project_id, concurrency, words
                    )
                    rows.append((size, words, result))
    print(f"machine: {machine()}")
    print(
        "| respondents x questions | rating mode | L (s) | C | provider calls | "
        "answered | all answers stored (s) | results ready (s) | ideal (s) "
        "| ready / ideal | job end = wall (s) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for size, words, r in rows:
        ideal = math.ceil(size / concurrency) * latency
        print(
            f"| Sight {size} x 10 | {'two-pass' if words else 'direct'} | {latency} | "
            f"{concurrency} | {r['chat']} | {r['answered']} ({r['status']}) | "
            f"{r['answers']:.2f} | {r['ready']:.2f} | {ideal:.1f} | "
            f"{r['ready'] / ideal:.2f} | {r['wall']:.2f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--respondents", type=int, nargs="+", default=[20, 200])
    parser.add_argument("--latency", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main_async(args.respondents, args.latency, args.concurrency))


if __name__ == "__main__":
    main()
