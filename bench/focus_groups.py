"""Focus group 20 personas x 4 questions against the fake provider (real
OpenAI SDK, latency L per call, streaming on), through the real job runtime.

normal: every persona answers each question on its own, all in parallel, so
the critical path is Q x L. discussion: waves of `wave_size` speakers; the
critical path is, per question, its waves plus (when the moderator probes) the
probe and its answers, each one L. Measured: wall time, the ideal, time from
the start to the first streamed word a client can read (the first
`text_delta` committed to the group's stream), provider calls per answer.

Realism is measured on the same group answered by the offline engine (the fake
provider writes random words): median words per persona turn, and how often a
nearest-centroid classifier on the local embeddings of the answer text alone
names the speaker's segment, with leave-one-persona-out cross-validation
(chance = 1 / segments).

    uv run python -m bench.focus_groups --latency 2 --concurrency 20
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import statistics
import time
import uuid
from typing import Any

import numpy as np
import procrastinate
import psycopg
from sqlalchemy import text

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
from sight.focus_groups.models import FocusGroup
from sight.focus_groups.service import default_wave_size
from sight.jobs import service as jobs
from sight.jobs.queue import create_queue_app
from sight.jobs.runtime import WorkerRuntime, run_job
from sight.llm.gateway import LLMGateway
from sight.llm.types import CallContext
from sight.postgres import create_engine, create_sessionmaker, libpq_url, session_scope
from sight.projects.service import normalise_target

TARGET = {
    "age_group": {"18-24": 0.25, "35-44": 0.25, "55-64": 0.25, "65+": 0.25},
    "gender": {"Male": 0.5, "Female": 0.5},
}
QUESTIONS = [
    "Co sądzicie o subskrypcji kawy ziarnistej dostarczanej co miesiąc do domu?",
    "Ile bylibyście gotowi zapłacić miesięcznie za taką usługę?",
    "Jak często kupujecie dziś kawę i gdzie?",
    "Co musiałoby się stać, żebyście zrezygnowali z subskrypcji?",
]
STIMULUS = {
    "kind": "price_point",
    "title": "Kawa co miesiąc",
    "content": "Dwie paczki świeżo palonej kawy co miesiąc za 49 zł, "
    "rezygnacja w każdej chwili.",
}


def _settings(fake: str | None, concurrency: int) -> Settings:
    values: dict[str, Any] = {
        "secret_key": "b" * 40,
        "llm": {
            "limits": {"openai": {"concurrency": concurrency}},
            "detect_ollama": False,
        },
    }
    if fake is not None:
        values.update(openai_api_key="sk-bench", openai_base_url=f"{fake}/v1")
    return Settings(_env_file=None, **values)


def _project(url: str, user_id: uuid.UUID) -> uuid.UUID:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "INSERT INTO projects (id, owner_id, name, description, research_goal,"
            " language, country, target_sample_size, target_demographics,"
            " target_distribution, llm_overrides) VALUES (gen_random_uuid(), %s,"
            " 'Bench', '', 'Kawa w subskrypcji', 'pl', 'pl', 20, %s, %s, '{}')"
            " RETURNING id",
            (user_id, json.dumps(TARGET), json.dumps(normalise_target(TARGET, "pl"))),
        ).fetchone()
    assert row is not None
    return uuid.UUID(str(row[0]))


class Bench:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url, pool_size=30)
        self.sessionmaker = create_sessionmaker(engine=self.engine)
        self.queue_app: procrastinate.App = create_queue_app(libpq_url(url))

    async def job(
        self,
        settings: Settings,
        user_id: uuid.UUID,
        project_id: uuid.UUID,
        kind: str,
        params: dict[str, Any],
        started_at: list[float] | None = None,
    ) -> tuple[float, uuid.UUID]:
        gateway = LLMGateway(settings, self.sessionmaker)
        await gateway.embed(["warm-up"], CallContext(user_id=user_id))
        async with session_scope(self.sessionmaker) as session:
            job = await jobs.create_job(
                session,
                self.queue_app,
                user_id=user_id,
                kind=kind,
                project_id=project_id,
                params=params,
            )
        runtime = WorkerRuntime(
            self.sessionmaker, settings, self.queue_app, gateway, {}
        )
        started = time.perf_counter()
        if started_at is not None:
            started_at.append(started)
        await run_job(runtime, job.id)
        wall = time.perf_counter() - started
        await gateway.aclose()
        return wall, job.id

    async def group(
        self, project_id: uuid.UUID, user_id: uuid.UUID, mode: str
    ) -> uuid.UUID:
        async with session_scope(self.sessionmaker) as session:
            persona_ids = [
                str(r[0])
                for r in (
                    await session.execute(
                        text(
                            "SELECT id FROM personas WHERE project_id = :p ORDER BY slot"
                        ),
                        {"p": project_id},
                    )
                ).all()
            ]
            group = FocusGroup(
                project_id=project_id,
                created_by=user_id,
                name=f"bench {mode}",
                description="",
                project_context="Nowa usługa subskrypcji kawy",
                persona_ids=persona_ids,
                questions=[{"text": q, "follow_up": "auto"} for q in QUESTIONS],
                stimulus=STIMULUS,
                language="pl",
                mode=mode,
                wave_size=default_wave_size(len(persona_ids)),
                turn_words=50,
                status="queued",
            )
            session.add(group)
            await session.flush()
            return group.id


def _first_word(
    url: str, group_id: uuid.UUID, started: float, out: list[float]
) -> None:
    """Poll (every 10 ms) for the first text_delta a client could read; `out`
    gets the moment (perf_counter) it was seen."""
    with psycopg.connect(url, autocommit=True) as conn:
        while time.perf_counter() - started < 300:
            row = conn.execute(
                "SELECT 1 FROM stream_events WHERE stream_kind = 'focus_group'"
                " AND stream_id = %s AND type = 'text_delta' LIMIT 1",
                (group_id,),
            ).fetchone()
            if row:
                out.append(time.perf_counter())
                return
            time.sleep(0.01)


def _critical_path(url: str, group_id: uuid.UUID) -> int:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT question_index, max(wave) + 1, bool_or(round = 1)"
            " FROM focus_group_responses WHERE focus_group_id = %s AND round = 0"
            " GROUP BY question_index",
            (group_id,),
        ).fetchall()
        probed = conn.execute(
            "SELECT count(*) FROM focus_group_responses WHERE focus_group_id = %s"
            " AND role = 'moderator'",
            (group_id,),
        ).fetchone()[0]  # type: ignore[index]
    return sum(int(r[1]) for r in rows) + 2 * int(probed)


async def timed_run(
    bench: Bench,
    fake: str,
    user_id: uuid.UUID,
    project_id: uuid.UUID,
    mode: str,
    latency: float,
    concurrency: int,
) -> dict[str, Any]:
    group_id = await bench.group(project_id, user_id, mode)
    # A worker that has served a call has the provider SDK imported; importing
    # it (about a second) is not part of a focus group.
    importlib.import_module("sight.llm.providers.openai_compat")
    reset_fake_stats(fake)
    first: list[float] = []
    started = time.perf_counter()
    watcher = asyncio.create_task(
        asyncio.to_thread(_first_word, bench.url, group_id, started, first)
    )
    job_started: list[float] = []
    wall, job_id = await bench.job(
        _settings(fake, concurrency),
        user_id,
        project_id,
        "focus_groups.run",
        {"focus_group_id": str(group_id)},
        started_at=job_started,
    )
    await watcher
    stats = fake_stats(fake)
    by_endpoint = stats.get("requests_by_endpoint", {})
    assert isinstance(by_endpoint, dict)
    chat = int(by_endpoint.get("openai.chat.completions", 0))
    with psycopg.connect(bench.url) as conn:
        answers, failed, status = conn.execute(
            "SELECT count(*) FILTER (WHERE status = 'ok'), count(*) FILTER (WHERE status"
            " <> 'ok'), (SELECT status FROM focus_groups WHERE id = %s)"
            " FROM focus_group_responses WHERE focus_group_id = %s",
            (group_id, group_id),
        ).fetchone()  # type: ignore[misc]
    path = _critical_path(bench.url, group_id)
    with psycopg.connect(bench.url) as conn:
        # What one call really took end to end (SDK, fake server, this machine).
        call = conn.execute(
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms)"
            " FROM llm_calls WHERE job_id = %s AND kind = 'chat'",
            (job_id,),
        ).fetchone()[0]  # type: ignore[index]
    return {
        "call": float(call or 0) / 1000,
        "mode": mode,
        "status": status,
        "wall": wall,
        "path": path,
        "ideal": path * latency,
        # From the job's start (as the wall time), not from the bench's own
        # set-up before it (a gateway made and warmed, the job row created).
        "first_word": first[0] - job_started[0] if first else None,
        "turns": answers,
        "failed": failed,
        "chat_calls": chat,
        "total_requests": int(str(stats.get("total_requests", 0))),
    }


def realism(url: str, group_id: uuid.UUID) -> dict[str, Any]:
    from sight.llm.embeddings.local import _SHARED

    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT r.text, r.persona_id, p.age_group || '/' || p.gender, p.age_group FROM"
            " focus_group_responses r JOIN personas p ON p.id = r.persona_id"
            " WHERE r.focus_group_id = %s AND r.status = 'ok'",
            (group_id,),
        ).fetchall()
    texts = [r[0] for r in rows]
    words = [len(t.split()) for t in texts]
    vectors = np.array(_SHARED.encode(texts))
    out: dict[str, Any] = {
        "median_words": statistics.median(words),
        "turns": len(texts),
    }
    for name, column in (("segment", 2), ("age group", 3)):
        # segment: age group x sex (the persona's stored segment also splits
        # by education, which leaves most segments with one person here).
        labels = [r[column] for r in rows]
        persons = [r[1] for r in rows]
        hits = 0
        for i in range(len(rows)):
            # Leave the speaker's every answer out: the classifier must know the
            # segment from how others in it talk, not from the same person.
            keep = [j for j in range(len(rows)) if persons[j] != persons[i]]
            centroids = {}
            for label in {labels[j] for j in keep}:
                members = vectors[[j for j in keep if labels[j] == label]]
                centroids[label] = members.mean(axis=0)
            guess = max(centroids, key=lambda k: float(vectors[i] @ centroids[k]))
            hits += guess == labels[i]
        out[name] = (hits / len(rows), len(set(labels)))
    return out


async def main_async(latency: float, concurrency: int) -> None:
    load_tasks()
    with fresh_database() as url:
        bench = Bench(url)
        user_id = insert_user(url)
        project_id = _project(url, user_id)
        async with bench.queue_app.open_async():
            # Personas and the realism run: the offline engine.
            await bench.job(
                _settings(None, concurrency),
                user_id,
                project_id,
                "personas.generate",
                {"num_personas": 20, "seed": 5},
            )
            offline_group = await bench.group(project_id, user_id, "discussion")
            offline_wall, _ = await bench.job(
                _settings(None, concurrency),
                user_id,
                project_id,
                "focus_groups.run",
                {"focus_group_id": str(offline_group)},
            )
            results = []
            with fake_provider_process(latency) as fake:
                for mode in ("normal", "discussion"):
                    results.append(
                        await timed_run(
                            bench, fake, user_id, project_id, mode, latency, concurrency
                        )
                    )
        real = realism(url, offline_group)
        await bench.engine.dispose()
    print(f"machine: {machine()}")
    print(
        "| mode | L (s) | C | turns stored | failed | critical path (calls) | "
        "ideal (s) | wall (s) | wall / ideal | first word (s) | provider calls per turn "
        "| median call (s) | path x median call (s) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        per_turn = r["chat_calls"] / max(1, r["turns"])
        first = f"{r['first_word']:.2f}" if r["first_word"] is not None else "-"
        print(
            f"| {r['mode']} | {latency} | {concurrency} | {r['turns']} | {r['failed']} | "
            f"{r['path']} | {r['ideal']:.1f} | {r['wall']:.1f} | "
            f"{r['wall'] / r['ideal']:.2f} | {first} | {per_turn:.2f} "
            f"(+{r['total_requests'] - r['chat_calls']} other) | {r['call']:.2f} | "
            f"{r['path'] * r['call']:.1f} |"
        )
    print()
    seg_acc, seg_n = real["segment"]
    age_acc, age_n = real["age group"]
    print(
        f"realism (offline engine, discussion, {real['turns']} turns, "
        f"{offline_wall:.1f} s): median words per turn {real['median_words']}; "
        f"speaker's segment (age group x sex) from text alone {seg_acc:.0%} "
        f"(chance {1 / seg_n:.0%}, {seg_n} segments); age group {age_acc:.0%} (chance {1 / age_n:.0%})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main_async(args.latency, args.concurrency))


if __name__ == "__main__":
    main()
