"""Hybrid search latency (query embedding excluded) on the real code path:
`sight.knowledge.retrieval.search` with a precomputed query vector, i.e. the
ready-document listing, vector + keyword candidates (50 each), RRF and
highlighted snippets for the top 10.

Chunks are synthetic: 512-dim vectors drawn around 500 topic centres (so the
HNSW graph sees clustered data, as with real embeddings) and English text from
a market-research vocabulary; 100 documents in one project.

    uv run python -m bench.knowledge_search --sizes 10000 100000 --neo4j 10000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
from pgvector.psycopg import register_vector

from bench.support import fresh_database, insert_user, machine
from sight.config import Settings
from sight.knowledge.config import KnowledgeSettings
from sight.knowledge.retrieval import search
from sight.knowledge.runtime import KnowledgeBackend
from sight.knowledge.store import ChunkRecord, DocumentRef
from sight.llm.gateway import LLMGateway
from sight.postgres import create_engine, create_sessionmaker

DIMS = 512
DOCUMENTS = 100
rng = np.random.default_rng(7)
# A Zipf-distributed vocabulary of 20,000 pseudo-words: chunk text has the word
# frequencies of real prose (a few very common words, a long tail), so keyword
# matches are as selective as in real documents.
_SYLLABLES = [a + b for a in "bcdfgklmnprstwz" for b in "aeiouy"]
VOCABULARY = np.array(
    [
        "".join(rng.choice(_SYLLABLES, size=int(rng.integers(2, 5))))
        for _ in range(20_000)
    ]
)
_WEIGHTS = 1 / np.arange(1, len(VOCABULARY) + 1) ** 1.1
_WEIGHTS /= _WEIGHTS.sum()


def words(
    count: int,
    lo: int = 0,
    hi: int = len(VOCABULARY),
    gen: np.random.Generator | None = None,
) -> list[str]:
    weights = _WEIGHTS[lo:hi] / _WEIGHTS[lo:hi].sum()
    return list((gen or rng).choice(VOCABULARY[lo:hi], size=count, p=weights))


CENTRES = rng.normal(size=(500, DIMS)).astype(np.float32)


def vectors(count: int, gen: np.random.Generator | None = None) -> np.ndarray:
    gen = gen or rng
    picks = gen.integers(0, len(CENTRES), size=count)
    values = CENTRES[picks] + 0.6 * gen.normal(size=(count, DIMS)).astype(np.float32)
    return values / np.linalg.norm(values, axis=1, keepdims=True)


def text(length: int = 70) -> str:
    return " ".join(words(length)).capitalize() + "."


def texts_in_bulk(count: int, length: int = 70) -> list[str]:
    picked = rng.choice(VOCABULARY, size=(count, length), p=_WEIGHTS)
    return [" ".join(row).capitalize() + "." for row in picked]


def settings(**extra: Any) -> Settings:
    return Settings(_env_file=None, secret_key="b" * 40, **extra)  # type: ignore[call-arg]


def insert_documents(
    url: str, user: uuid.UUID, store: str
) -> tuple[uuid.UUID, list[uuid.UUID]]:
    project = uuid.uuid4()
    documents = [uuid.uuid4() for _ in range(DOCUMENTS)]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO projects (id, owner_id, name, description, research_goal,"
            " language, country, target_sample_size, target_demographics,"
            " target_distribution, llm_overrides) VALUES (%s, %s, 'Bench', '', '',"
            " 'en', 'pl', 20, '{}', '{}', '{}')",
            (project, user),
        )
        for document in documents:
            conn.execute(
                "INSERT INTO knowledge_documents (id, project_id, user_id, title,"
                " filename, media_type, size_bytes, content_hash, status, pages,"
                " chunk_count, entity_count, relation_count, language,"
                " embedding_model, embedding_dimensions, store) VALUES (%s, %s, %s,"
                " %s, 'x.pdf', 'pdf', 1, %s, 'ready', 10, 0, 0, 0, 'en',"
                " 'local:use-multilingual-v3', 512, %s)",
                (
                    document,
                    project,
                    user,
                    f"Report {document.hex[:6]}",
                    document.hex,
                    store,
                ),
            )
    return project, documents


# Chunks generated and copied per batch: 1M chunks at once would hold
# gigabytes of vectors and words in this process.
BATCH = 50_000


def copy_chunks(
    url: str, project: uuid.UUID, documents: list[uuid.UUID], start: int, count: int
) -> None:
    """COPY in binary, with the HNSW index rebuilt afterwards (as a bulk load
    would); ingestion through the job inserts into the live index instead."""
    with psycopg.connect(url, autocommit=True) as conn:
        register_vector(conn)
        definition = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = %s",
            ("ix_knowledge_chunks_hnsw_512",),
        ).fetchone()
        assert definition is not None
        conn.execute("DROP INDEX ix_knowledge_chunks_hnsw_512")
        started = time.perf_counter()
        for offset in range(0, count, BATCH):
            _copy_batch(
                conn, project, documents, start + offset, min(BATCH, count - offset)
            )
        print(
            f"  {count} chunks copied in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        started = time.perf_counter()
        # The graph of 1M 512-dim vectors needs ~3 GB to be built in memory
        # (beyond maintenance_work_mem pgvector goes on much more slowly).
        memory = "1GB" if start + count <= 200_000 else "4GB"
        conn.execute(f"SET maintenance_work_mem = '{memory}'")
        conn.execute(definition[0])
        conn.execute("ANALYZE knowledge_chunks")
        print(
            f"  HNSW index over {start + count} chunks built in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )


def _copy_batch(
    conn: psycopg.Connection[Any],
    project: uuid.UUID,
    documents: list[uuid.UUID],
    start: int,
    count: int,
) -> None:
    embeddings = vectors(count)
    texts = texts_in_bulk(count)
    with (
        conn.cursor() as cur,
        cur.copy(
            "COPY knowledge_chunks (id, document_id, project_id, ordinal, text,"
            " heading, page, page_end, token_count, ts_config, dimensions, embedding)"
            " FROM STDIN WITH (FORMAT BINARY)"
        ) as copy,
    ):
        copy.set_types(
            [
                "uuid",
                "uuid",
                "uuid",
                "int4",
                "text",
                "text",
                "int4",
                "int4",
                "int4",
                "varchar",
                "int4",
                "vector",
            ]
        )
        for i in range(count):
            ordinal = start + i
            document = documents[ordinal % len(documents)]
            copy.write_row(
                [
                    uuid.uuid5(document, f"chunk:{ordinal}"),
                    document,
                    project,
                    ordinal,
                    texts[i],
                    "Section",
                    ordinal % 40 + 1,
                    ordinal % 40 + 1,
                    120,
                    "english",
                    DIMS,
                    embeddings[i],
                ]
            )


async def measure(
    url: str,
    project: uuid.UUID,
    backend_settings: Settings,
    driver: Any = None,
    queries: int = 200,
    recall_queries: int = 50,
) -> dict[str, float]:
    engine = create_engine(url, pool_size=4)
    sessionmaker = create_sessionmaker(engine)
    gateway = LLMGateway(backend_settings, sessionmaker)
    backend = KnowledgeBackend(
        backend_settings, sessionmaker, driver=driver, knowledge=KnowledgeSettings()
    )
    # Queries use content words (frequency ranks 50-5000), as questions do;
    # their own generator, so a reused database (--data-dir) gets the same
    # queries as a fresh one.
    gen = np.random.default_rng(11)
    probes = [
        (" ".join(words(4, 50, 5000, gen)), v.tolist()) for v in vectors(queries, gen)
    ]
    # Warm caches and connections with 20 other queries: warming with the
    # measured ones would time them on pages they already brought in (with
    # --queries 20 that was every measured query, until 2026-12-02).
    warm_gen = np.random.default_rng(12)
    warm_up = [
        (" ".join(words(4, 50, 5000, warm_gen)), v.tolist())
        for v in vectors(20, warm_gen)
    ]
    for query, vector in warm_up:
        await search(
            sessionmaker,
            gateway,
            project,
            query,
            top_k=10,
            backend=backend,
            query_embedding=vector,
        )
    timings = []
    found: list[list[uuid.UUID]] = []
    for query, vector in probes:
        started = time.perf_counter()
        outcome = await search(
            sessionmaker,
            gateway,
            project,
            query,
            top_k=10,
            backend=backend,
            query_embedding=vector,
        )
        timings.append((time.perf_counter() - started) * 1000)
        assert outcome.results, "no results"
        found.append([r.chunk_id for r in outcome.results])
    await gateway.aclose()
    await engine.dispose()
    recall = (
        await asyncio.to_thread(_recall, url, project, probes[:recall_queries], found)
        if recall_queries and driver is None
        else None
    )
    timings.sort()
    return {
        "p50": statistics.median(timings),
        "p95": timings[int(len(timings) * 0.95) - 1],
        "queries": len(timings),
        **(recall or {}),
    }


def _recall(
    url: str,
    project: uuid.UUID,
    probes: list[tuple[str, list[float]]],
    found: list[list[uuid.UUID]],
) -> dict[str, float]:
    """Recall@10 of the hybrid results against exact search (every keyword
    match ranked, vectors by a sequential scan, the same fusion), and of
    the keyword candidates alone (@50), on the first queries."""
    from sight.knowledge.facts_postgres import hits
    from sight.knowledge.retrieval import rrf
    from sight.knowledge.store_postgres import vector_literal

    hybrid, keyword_only = [], []
    with psycopg.connect(url) as conn:
        conn.execute("SET enable_indexscan = off")
        for (query, vector), got in zip(probes, found, strict=False):
            tsquery = conn.execute(
                "SELECT replace(plainto_tsquery('english', %s)::text, ' & ', ' | ')",
                (query,),
            ).fetchone()[0]  # type: ignore[index]
            columns = "id, document_id, ordinal, text, heading, page, page_end"
            keyword_rows = conn.execute(
                f"SELECT {columns}, ts_rank(tsv, %s::tsquery, 32) AS score"  # noqa: S608
                " FROM knowledge_chunks WHERE project_id = %s AND tsv @@ %s::tsquery"
                " ORDER BY score DESC, id LIMIT 50",
                (tsquery, project, tsquery),
            ).fetchall()
            vector_rows = conn.execute(
                f"SELECT {columns}, 1 - (embedding::vector(512) <=> %s::vector(512))"  # noqa: S608
                " AS score FROM knowledge_chunks WHERE project_id = %s"
                " ORDER BY embedding::vector(512) <=> %s::vector(512), id LIMIT 50",
                (vector_literal(vector), project, vector_literal(vector)),
            ).fetchall()
            from collections import namedtuple

            row = namedtuple(
                "row",
                "id document_id ordinal text heading page page_end score",
            )
            exact_k = hits([row(*r) for r in keyword_rows])
            exact_v = hits([row(*r) for r in vector_rows])
            exact = [c for c, _ in rrf([exact_v, exact_k], 60)[:10]]
            hybrid.append(len(set(exact) & set(got[:10])) / max(1, len(exact)))
            keyword_only.append(len({h.chunk_id for h in exact_k}))
    return {
        "recall_hybrid": statistics.mean(hybrid),
        "exact_keyword_candidates": statistics.mean(keyword_only),
    }


async def neo4j_load(
    driver: Any, project: uuid.UUID, documents: list[uuid.UUID], count: int
) -> None:
    from sight.graph import ensure_graph_indexes
    from sight.knowledge.store_neo4j import Neo4jKnowledgeStore

    await ensure_graph_indexes(driver, DIMS)
    store = Neo4jKnowledgeStore(driver)
    refs = {d: DocumentRef(d, project, f"Report {d.hex[:6]}") for d in documents}
    for ref in refs.values():
        await store.put_document(ref)
    embeddings = vectors(count)
    batch: dict[uuid.UUID, list[ChunkRecord]] = {d: [] for d in documents}
    for ordinal in range(count):
        document = documents[ordinal % len(documents)]
        batch[document].append(
            ChunkRecord(
                uuid.uuid5(document, f"chunk:{ordinal}"),
                document,
                project,
                ordinal,
                text(),
                "Section",
                1,
                1,
                120,
                "english",
                embeddings[ordinal].tolist(),
            )
        )
    started = time.perf_counter()
    for document, records in batch.items():
        await store.put_chunks(refs[document], records)
    await driver.execute_query("CALL db.awaitIndexes(600)")
    print(f"  {count} chunks written to Neo4j in {time.perf_counter() - started:.1f} s")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def checkpoints(workdir: Path) -> int:
    """Checkpoints of the `neo4j` database completed so far (debug.log)."""
    return sum(
        line.count("[neo4j/") and line.count("checkpoint completed")
        for log in workdir.glob("*/logs/debug.log")
        for line in log.read_text(errors="replace").splitlines()
    )


def wait_for_checkpoint(workdir: Path, seen: int, timeout: float = 300.0) -> float:
    """Seconds until a checkpoint after the `seen` ones completed. Until the
    first checkpoint after a load, Lucene reads the new vector segments from
    heap buffers and an HNSW request costs 2-3x the CPU; a production
    server checkpoints every 15 minutes, so searches long after ingestion
    find the committed index."""
    started = time.monotonic()
    while checkpoints(workdir) <= seen and time.monotonic() - started < timeout:
        time.sleep(1)
    return time.monotonic() - started


def wait_until_idle(
    pid: int, window: float = 3.0, busy: float = 0.05, timeout: float = 600.0
) -> float:
    """Seconds until the process used under `busy` of a core for `window`
    seconds. After a load Lucene merges the vector index's segments (HNSW
    graphs rebuilt) in the background for a minute or more; a user's
    searches come long after ingestion, so they are not timed against it."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        before = _cpu_seconds(pid)
        time.sleep(window)
        if _cpu_seconds(pid) - before < busy * window:
            break
    return time.monotonic() - started


async def neo4j_warm(
    driver: Any, project: uuid.UUID, documents: list[uuid.UUID], queries: int
) -> None:
    """The index requests of `queries` searches (other queries than the
    timed ones), so the server's JIT has compiled the HNSW and Lucene code as
    in a server that has been answering searches."""
    from sight.knowledge.store_neo4j import Neo4jKnowledgeStore

    store = Neo4jKnowledgeStore(driver)
    gen = np.random.default_rng(13)
    for vector in vectors(queries, gen):
        query = " ".join(words(4, 50, 5000, gen))
        await store.hybrid_candidates(project, query, vector.tolist(), 50, documents)


def run_neo4j(
    count: int, warm: int = 500, jvm: str = "server", settle: bool = True
) -> dict[str, float]:
    """`settle`: time after Neo4j's background work and a checkpoint (the
    state a user's searches long after ingestion find), on a server
    checkpointing every 10 s instead of 15 min so the bench need not wait."""
    from neo4j import AsyncGraphDatabase
    from tests.fixtures.neo4j_harness import SERVER_JVM_ARGS, start_neo4j

    with fresh_database() as url, tempfile.TemporaryDirectory() as tmp:
        # The JVM flags of a production server (full JIT), not the test
        # suite's start-up-friendly C1-only ones.
        workdir = Path(tmp) / "neo4j"
        server = start_neo4j(
            workdir,
            jvm=SERVER_JVM_ARGS if jvm == "server" else None,
            checkpoint_interval="10s" if settle else None,
        )
        pid = server.process.pid
        try:
            user = insert_user(url)
            project, documents = insert_documents(url, user, "neo4j")

            async def go() -> dict[str, float]:
                driver = AsyncGraphDatabase.driver(server.uri, auth=None)
                try:
                    await neo4j_load(driver, project, documents, count)
                    waited = 0.0
                    if settle:
                        waited = await asyncio.to_thread(wait_until_idle, pid)
                        seen = checkpoints(workdir)
                        # A write after the merges, so a scheduled checkpoint
                        # has something to do and commits the merged index.
                        await driver.execute_query(
                            "MERGE (m:BenchMark {id: 1}) SET m.at = timestamp()"
                        )
                        waited += await asyncio.to_thread(
                            wait_for_checkpoint, workdir, seen
                        )
                    started = time.perf_counter()
                    await neo4j_warm(driver, project, documents, warm)
                    warmed = time.perf_counter() - started
                    if settle:
                        waited += await asyncio.to_thread(wait_until_idle, pid)
                    print(
                        f"  Neo4j idle after {waited:.0f} s of background work;"
                        f" {warm} warm-up searches in {warmed:.1f} s"
                    )
                    server_cpu, client_cpu = _cpu_seconds(pid), time.process_time()
                    result = await measure(
                        url, project, settings(neo4j_uri=server.uri), driver=driver
                    )
                    searches = result["queries"] + 20  # with measure's warm-up
                    print(
                        "  CPU per search: Neo4j"
                        f" {(_cpu_seconds(pid) - server_cpu) * 1000 / searches:.1f} ms,"
                        " this process"
                        f" {(time.process_time() - client_cpu) * 1000 / searches:.1f}"
                        " ms"
                    )
                    return result
                finally:
                    await driver.close()

            return asyncio.run(go())
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    # `--sizes` alone (no value) runs only the Neo4j part.
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--neo4j", type=int, nargs="*", default=[10_000])
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="keep the embedded PostgreSQL here and reuse the chunks already"
        " loaded (1M chunks take half an hour to load)",
    )
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--recall-queries",
        type=int,
        default=50,
        help="recall against exact search on the first N queries (0: none;"
        " an exact scan of 1M chunks takes ~15 s a query)",
    )
    parser.add_argument(
        "--prewarm",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="load the chunks table and its indexes into shared buffers"
        " before timing (the steady state of a server that has been searching,"
        " or that autoprewarm restored after a restart), when they fit",
    )
    parser.add_argument(
        "--shared-buffers",
        default="auto",
        help="the embedded server's shared_buffers, as SIGHT_PG_SHARED_BUFFERS"
        " (auto: a quarter of the memory, at most 2 GB)",
    )
    # The Neo4j run as before 2026-12-02 (issue 16): --neo4j-jvm test
    # --neo4j-warm 0 --no-neo4j-settle.
    parser.add_argument(
        "--neo4j-jvm",
        choices=["server", "test"],
        default="server",
        help="JVM flags: a production server's (full JIT, G1) or the test"
        " suite's (C1 only, serial GC: quick to start, slow HNSW search)",
    )
    parser.add_argument(
        "--neo4j-warm",
        type=int,
        default=500,
        help="index requests of this many other searches before timing",
    )
    parser.add_argument(
        "--neo4j-settle",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="wait until Neo4j's background work after the load (segment"
        " merges) is over before timing",
    )
    args = parser.parse_args()
    print(f"machine: {machine()}")
    rows = []
    if args.sizes:
        with fresh_database(args.data_dir, args.shared_buffers) as url:
            project, documents, loaded = _bench_project(url)
            for size in sorted(args.sizes):
                if size > loaded:
                    copy_chunks(url, project, documents, loaded, size - loaded)
                    loaded = size
                elif size < loaded:
                    print(f"  {loaded} chunks already loaded: measuring {loaded}")
                    size = loaded
                if args.prewarm:
                    prewarm(url)
                rows.append(
                    (
                        "PostgreSQL (embedded)",
                        size,
                        asyncio.run(
                            measure(
                                url,
                                project,
                                settings(),
                                queries=args.queries,
                                recall_queries=args.recall_queries,
                            )
                        ),
                    )
                )
    for size in args.neo4j:
        rows.append(
            (
                "Neo4j 5.26 (harness)",
                size,
                run_neo4j(size, args.neo4j_warm, args.neo4j_jvm, args.neo4j_settle),
            )
        )
    print("| store | chunks | queries | P50 (ms) | P95 (ms) | recall@10 vs exact |")
    print("|---|---|---|---|---|---|")
    for store, size, r in rows:
        recall = f"{r['recall_hybrid']:.3f}" if "recall_hybrid" in r else "-"
        print(
            f"| {store} | {size:,} | {r['queries']:.0f} | {r['p50']:.1f} | "
            f"{r['p95']:.1f} | {recall} |"
        )
    print(f"load average: {open('/proc/loadavg').read().split()[:3]}")


def prewarm(url: str) -> None:
    """The chunks table, its TOAST and every index of both into shared
    buffers (pg_prewarm), indexes first; what does not fit (the heap of 1M
    chunks) is read into the OS page cache instead, as a server that has
    been searching on a machine with the memory would have it."""
    relations = """
        SELECT c.oid, c.relname, c.relkind = 'i' AS is_index,
               pg_relation_size(c.oid) AS size
        FROM pg_class c
        WHERE c.oid = 'knowledge_chunks'::regclass
           OR c.oid = (SELECT reltoastrelid FROM pg_class
                       WHERE oid = 'knowledge_chunks'::regclass)
           OR c.oid IN (SELECT indexrelid FROM pg_index
                        WHERE indrelid = 'knowledge_chunks'::regclass
                           OR indrelid = (SELECT reltoastrelid FROM pg_class
                                          WHERE oid = 'knowledge_chunks'::regclass))
        ORDER BY is_index DESC, size DESC
    """
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(relations).fetchall()
        buffers = conn.execute(
            "SELECT pg_size_bytes(current_setting('shared_buffers'))"
        ).fetchone()
        assert buffers is not None
        room = int(buffers[0]) * 0.9
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        started = time.perf_counter()
        cached = {"buffer": 0, "read": 0}
        for oid, _name, _is_index, size in rows:
            if not size:
                continue
            mode = "buffer" if cached["buffer"] + size <= room else "read"
            conn.execute("SELECT pg_prewarm(%s, %s)", (oid, mode))
            cached[mode] += size
        print(
            f"  prewarmed {cached['buffer'] / 2**20:.0f} MB of chunks and indexes"
            f" into shared buffers ({int(buffers[0]) / 2**20:.0f} MB),"
            f" {cached['read'] / 2**20:.0f} MB into the OS page cache,"
            f" in {time.perf_counter() - started:.1f} s"
        )


def _bench_project(url: str) -> tuple[uuid.UUID, list[uuid.UUID], int]:
    """The database's bench project, its documents and chunk count; a new
    project when there is none."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT p.id, (SELECT count(*) FROM knowledge_chunks c"
            " WHERE c.project_id = p.id) FROM projects p WHERE p.name = 'Bench'"
        ).fetchone()
        if row is not None:
            documents = conn.execute(
                "SELECT id FROM knowledge_documents WHERE project_id = %s ORDER BY id",
                (row[0],),
            ).fetchall()
            return row[0], [d[0] for d in documents], int(row[1])
    user = insert_user(url)
    project, documents = insert_documents(url, user, "postgres")
    return project, documents, 0


def quick() -> list[Any]:
    """`python -m bench all --quick`: hybrid search over 10,000 chunks on the
    embedded PostgreSQL (100k and 1M take minutes to load: run the module)."""
    from bench.rows import Row

    with fresh_database() as url:
        user = insert_user(url)
        project, documents = insert_documents(url, user, "postgres")
        copy_chunks(url, project, documents, 0, 10_000)
        r = asyncio.run(measure(url, project, settings(), queries=100))
    return [
        Row(
            "Hybrid search, 10k chunks, P95 (embedding excluded)",
            f"P50 {r['p50']:.1f} ms, P95 {r['p95']:.1f} ms, recall@10 "
            f"{r['recall_hybrid']:.2f} vs exact",
            "P95 < 30 ms at 100k (full run)",
            met=None,
            note="bench.knowledge_search --sizes 10000",
        )
    ]


if __name__ == "__main__":
    main()
