"""Ingestion throughput with the local embedder: a generated PDF through the
real `knowledge.ingest` job (parse, chunk, embed with the local multilingual
model, store in PostgreSQL, extract entities with the offline engine).

    uv run python -m bench.knowledge_ingest --pages 20 100
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import numpy as np
import procrastinate
import psycopg
from tests.knowledge.documents import make_pdf

from bench.support import fresh_database, insert_user, machine
from sight.config import Settings
from sight.jobs.queue import create_queue_app
from sight.jobs.runtime import WorkerRuntime, run_job
from sight.knowledge import service
from sight.knowledge import tasks as _tasks  # noqa: F401 (registers the handler)
from sight.knowledge.config import KnowledgeSettings
from sight.knowledge.runtime import KnowledgeBackend
from sight.llm.gateway import LLMGateway
from sight.llm.types import CallContext
from sight.postgres import create_engine, create_sessionmaker, libpq_url, session_scope
from sight.projects.models import Project

SENTENCES = [
    "In 2025 about {n}% of consumers aged 18-34 in Warsaw bought oat milk weekly.",
    "Alpro Polska and Oatly Sweden compete for the premium segment in Krakow.",
    "Private labels of Lidl Polska grew by {n}% in one year.",
    "Price sensitivity is highest among students and young families.",
    "Respondents mention taste, sugar content and packaging as reasons to switch.",
    "Online grocery orders of plant drinks rose by {n}% in large cities.",
]


def page_lines(page: int, rng: np.random.Generator) -> list[str]:
    lines = [f"{page}. Findings part {page}"]
    while len(lines) < 46:  # about 350 words: a dense report page
        sentence = SENTENCES[int(rng.integers(len(SENTENCES)))]
        lines.append(sentence.format(n=int(rng.integers(5, 60))))
    return lines


async def run(url: str, pages: int, extract: bool) -> dict[str, Any]:
    settings = Settings(_env_file=None, secret_key="b" * 40)  # type: ignore[call-arg]
    settings.llm.detect_ollama = False
    engine = create_engine(url, pool_size=10)
    sessionmaker = create_sessionmaker(engine)
    queue_app: procrastinate.App = create_queue_app(libpq_url(url))
    gateway = LLMGateway(settings, sessionmaker)
    backend = KnowledgeBackend(
        settings, sessionmaker, knowledge=KnowledgeSettings(extract_entities=extract)
    )
    rng = np.random.default_rng(pages)
    pdf = make_pdf([page_lines(p, rng) for p in range(1, pages + 1)])
    user = insert_user(url)
    async with queue_app.open_async():
        async with session_scope(sessionmaker) as session:
            project = Project(
                owner_id=user,
                name="Bench",
                language="en",
                country="pl",
                target_demographics={},
                target_distribution={},
                llm_overrides={},
            )
            session.add(project)
            await session.flush()
            upload = await service.upload_document(
                session,
                project=project,
                user_id=user,
                filename="bench.pdf",
                content=pdf,
                gateway=gateway,
                backend=backend,
                queue_app=queue_app,
            )
        assert upload.job_id is not None
        runtime = WorkerRuntime(
            sessionmaker, settings, queue_app, gateway, services={"knowledge": backend}
        )
        await gateway.embed(["warm-up"], CallContext(user))  # model loaded once
        started = time.perf_counter()
        await run_job(runtime, upload.job_id)
        wall = time.perf_counter() - started
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT status, pages, chunk_count, entity_count, error FROM"
            " knowledge_documents WHERE id = %s",
            (upload.document.id,),
        ).fetchone()
    assert row is not None
    assert row[0] == "ready", row
    await gateway.aclose()
    await engine.dispose()
    return {
        "pages": row[1],
        "chunks": row[2],
        "entities": row[3],
        "wall": wall,
        "mb": len(pdf) / 1048576,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, nargs="+", default=[20, 100])
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(
        "| pages | chunks | entity extraction | entities | wall (s) | pages/s |"
        " chunks/s |"
    )
    print("|---|---|---|---|---|---|---|")
    for pages in args.pages:
        for extract in (False, True):
            with fresh_database() as url:
                r = asyncio.run(run(url, pages, extract))
            mode = "offline engine" if extract else "off"
            print(
                f"| {r['pages']} | {r['chunks']} | {mode} | {r['entities']} | "
                f"{r['wall']:.1f} | {r['pages'] / r['wall']:.2f} | "
                f"{r['chunks'] / r['wall']:.1f} |"
            )


if __name__ == "__main__":
    main()
