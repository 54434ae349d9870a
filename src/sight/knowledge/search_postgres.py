"""Hybrid search on PostgreSQL in few round trips, both sides at once (issue 16).

The store's separate methods (documents, vector, keyword, snippets: four
sessions, each with its BEGIN and ROLLBACK, plus the keyword side's parse and
estimate) took about 15 round trips and 20+ ms of Python per search. Here the
same statements run on psycopg connections in pipeline mode:

1. the project's ready documents + the query parsed by every text-search
   configuration (the configurations in use are known only from the
   documents), transaction ended in the same trip — the connection is given
   back before the query is embedded;
2. at the same time, on two connections (PostgreSQL runs them on two cores):
   a. HNSW settings + vector candidates;
   b. the planner's estimates of keyword matches, of the whole query and of
      each word (which decide rank-all or tiers, and the first tier, as
      `keyword_search`), then the keyword candidates (all tiers in one
      statement; a first tier of much GIN work in two halves at once, on
      two more connections, see `store_postgres.first_tier_halves`);
3. reciprocal rank fusion of both lists and `ts_headline` for the fused top
   k only.

Neither side holds a connection while it waits for the other (a search
never needs two connections of a full pool at once, so searches cannot
starve each other of connections). Results equal the separate methods'
(same SQL conditions and orderings); the fusion here only chooses which
chunks get a snippet, the caller fuses again and fetches any snippet missing.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import namedtuple_row
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import greenlet_spawn

from sight.knowledge.facts_postgres import CHUNK_COLUMNS, hits
from sight.knowledge.highlight import marked_to_html
from sight.knowledge.models import FALLBACK_TS_CONFIG, TS_CONFIGS
from sight.knowledge.store import ChunkHit
from sight.knowledge.store_postgres import (
    _HEADLINE_OPTIONS,
    EF_SEARCH,
    KEYWORD_CANDIDATES,
    estimates_params,
    estimates_sql,
    first_tier_halves,
    nearest_sql,
    query_words,
    tiers_from_plan,
    vector_literal,
)
from sight.postgres import SessionMaker

_CONFIGS = (*TS_CONFIGS, FALLBACK_TS_CONFIG)


@dataclass(frozen=True)
class DocumentRow:
    id: uuid.UUID
    title: str
    language: str | None
    embedding_model: str
    embedding_dimensions: int
    store: str


@dataclass(frozen=True)
class Candidates:
    vector: list[ChunkHit]
    keyword: list[ChunkHit]
    # HTML snippets of the fused top k (see module docstring).
    snippets: dict[uuid.UUID, str]


@asynccontextmanager
async def _connection(
    sessionmaker: SessionMaker,
) -> AsyncIterator[AsyncConnection[Any]]:
    """A pooled psycopg connection, without an ORM session around it (a
    session's set-up and close cost ~0.35 ms of CPU per checkout, and a
    search checks out three). The pool's events (the idle ping) still run."""
    engine: AsyncEngine = sessionmaker.kw["bind"]
    pooled = await engine.raw_connection()
    try:
        driver = pooled.driver_connection
        if not isinstance(driver, AsyncConnection):
            raise TypeError("the knowledge search needs the psycopg 3 driver")
        yield driver
    finally:
        # The pool's reset (a rollback, a no-op after `_pipeline`'s) runs
        # through the driver adapter, which needs SQLAlchemy's greenlet.
        await greenlet_spawn(pooled.close)


async def _pipeline(
    conn: AsyncConnection[Any], statements: Sequence[tuple[str, dict[str, Any]]]
) -> list[list[Any]]:
    """The statements in one round trip; the transaction they open is ended
    in it too (the pool's reset then has nothing to roll back)."""
    cursors = []
    async with conn.pipeline():
        for sql, params in statements:
            cursor = conn.cursor(row_factory=namedtuple_row)
            await cursor.execute(sql, params, prepare=False)
            cursors.append(cursor)
        if not conn.autocommit:
            await conn.execute("ROLLBACK")
    return [await c.fetchall() for c in cursors]


def _parse_sql() -> str:
    columns = ", ".join(
        f"replace(plainto_tsquery('{name}'::regconfig, %(query)s)::text,"
        f" ' & ', ' | ') AS c{i}"
        for i, name in enumerate(_CONFIGS)
    )
    return f"SELECT {columns}"


_DOCUMENTS_SQL = (
    "SELECT id, title, language, embedding_model, embedding_dimensions, store"
    " FROM knowledge_documents WHERE project_id = %(project)s AND status = 'ready'"
)


async def documents_and_query(
    sessionmaker: SessionMaker, project_id: uuid.UUID, query: str
) -> tuple[list[DocumentRow], dict[str, str]]:
    """Ready documents of the project, and the query as ORed words parsed
    by each text-search configuration (configuration -> tsquery text)."""
    async with _connection(sessionmaker) as conn:
        documents, parsed = await _pipeline(
            conn,
            [
                (_DOCUMENTS_SQL, {"project": project_id}),
                (_parse_sql(), {"query": query}),
            ],
        )
    rows = [DocumentRow(*row) for row in documents]
    return rows, dict(zip(_CONFIGS, parsed[0], strict=True))


async def ready_documents(
    sessionmaker: SessionMaker, project_id: uuid.UUID
) -> list[DocumentRow]:
    """The project's ready documents in one round trip (the other stores'
    searches; the ORM's statement building cost 2-3 ms of CPU a search)."""
    async with _connection(sessionmaker) as conn:
        (documents,) = await _pipeline(
            conn, [(_DOCUMENTS_SQL, {"project": project_id})]
        )
    return [DocumentRow(*row) for row in documents]


def combined_tsquery(parsed: dict[str, str], ts_configs: Sequence[str]) -> str:
    """The OR of the query parsed by each configuration in use, as
    `store_postgres._tsquery_sql` builds it on the server."""
    allowed = [c for c in dict.fromkeys(ts_configs) if c in _CONFIGS]
    parts = [parsed[c] for c in (allowed or [FALLBACK_TS_CONFIG]) if parsed[c]]
    if len(parts) <= 1:
        return parts[0] if parts else ""
    return " | ".join(f"( {p} )" for p in parts)


def _keyword_sql(
    tiers: Sequence[tuple[int, list[str]]],
    *,
    after_first: bool = False,
) -> str:
    """Every tier of `keyword_search` in one statement: each ranks up to what
    the tiers above left of `limit` (a LIMIT of 0 does not run its scan), the
    last of several ranks at most `cap` matches (the document list kept out
    of the indexes: see `store_postgres.RANK_ALL_BELOW`). `after_first`: the
    tiers after a first one searched apart, whose chunks (`%(exclude)s`) they
    leave out."""
    several = len(tiers) > 1 or after_first
    ctes = []
    for index, (k, _) in enumerate(tiers):
        earlier = [f"t{i}" for i in range(index)]
        exclude = "".join(
            f" AND c.id NOT IN (SELECT id FROM {t})"  # noqa: S608 (constants)
            for t in earlier
        )
        if after_first:
            exclude += " AND NOT (c.id = ANY(CAST(%(exclude)s AS uuid[])))"
        bound = " LIMIT %(cap)s" if k == 1 and several else ""
        left = "".join(
            f" - (SELECT count(*) FROM {t})"  # noqa: S608 (constants)
            for t in earlier
        )
        ctes.append(
            f"""t{index} AS MATERIALIZED (
                SELECT x.id, ts_rank(x.tsv, CAST(%(tsquery)s AS tsquery), 32) AS score,
                       {index} AS tier
                FROM (SELECT c.id, c.tsv FROM knowledge_chunks c
                      WHERE c.project_id = %(project)s
                        AND (c.document_id = ANY(CAST(%(documents)s AS uuid[]))) IS TRUE
                        AND c.tsv @@ ANY(CAST(%(tier{index})s AS tsquery[])){exclude}
                      {bound}) x
                ORDER BY score DESC, x.id
                LIMIT %(limit)s{left})"""  # noqa: S608 (only constants)
        )
    union = " UNION ALL ".join(
        f"SELECT * FROM t{i}"  # noqa: S608 (constants)
        for i in range(len(tiers))
    )
    return f"""
        WITH {", ".join(ctes)},
        keyword AS (
            SELECT id, score, row_number() OVER (ORDER BY tier, score DESC, id) AS rank
            FROM ({union}) k
        )
        SELECT {CHUNK_COLUMNS}, k.score, k.rank
        FROM keyword k JOIN knowledge_chunks c ON c.id = k.id
        WHERE c.project_id = %(project)s
        ORDER BY k.rank
        """  # noqa: S608 (only constants)


# Reciprocal rank fusion of the two candidate lists (as `retrieval.rrf`:
# ties on the chunk id) and the highlighted snippets of its top k.
_SNIPPETS_SQL = """
    WITH fused AS (
        SELECT id FROM (
            SELECT id, 1.0::float8 / (%(rrf_k)s + rank) AS s
            FROM unnest(CAST(%(vector)s AS uuid[])) WITH ORDINALITY AS v(id, rank)
            UNION ALL
            SELECT id, 1.0::float8 / (%(rrf_k)s + rank)
            FROM unnest(CAST(%(keyword)s AS uuid[])) WITH ORDINALITY AS k(id, rank)
        ) f
        GROUP BY id ORDER BY sum(s) DESC, id LIMIT %(top)s
    )
    SELECT c.id, ts_headline(CAST(c.ts_config AS regconfig), c.text,
                             CAST(%(tsquery)s AS tsquery), %(options)s) AS snippet
    FROM fused f JOIN knowledge_chunks c ON c.id = f.id
    WHERE c.project_id = %(project)s
    """


def _uuid_array(ids: Iterable[uuid.UUID]) -> str:
    """A uuid[] literal: psycopg's list dumper cost ~1.5 ms of client CPU
    per 100 ids (the document list goes into two statements a search)."""
    return "{" + ",".join(map(str, ids)) + "}"


async def _vector_candidates(
    sessionmaker: SessionMaker,
    project_id: uuid.UUID,
    embedding: Sequence[float],
    limit: int,
    documents: str,
) -> list[ChunkHit]:
    settings = (
        "SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true) AS scan,"
        " set_config('hnsw.ef_search', %(ef)s, true) AS ef",
        {"ef": str(max(EF_SEARCH, limit))},
    )
    params: dict[str, Any] = {
        "query": vector_literal(embedding),
        "dims": len(embedding),
        "project": project_id,
        "documents": documents,
        "limit": limit,
    }
    sql = nearest_sql(len(embedding), lambda n: f"%({n})s")
    async with _connection(sessionmaker) as conn:
        _, rows = await _pipeline(conn, [settings, (sql, params)])
    return hits(rows)


async def _keyword_candidates(
    sessionmaker: SessionMaker,
    project_id: uuid.UUID,
    tsquery: str,
    limit: int,
    documents: str,
) -> list[ChunkHit]:
    estimate = (
        estimates_sql(len(query_words(tsquery)), lambda n: f"%({n})s"),
        estimates_params(tsquery),
    )
    params: dict[str, Any] = {
        "tsquery": tsquery,
        "project": project_id,
        "documents": documents,
        "limit": limit,
        "cap": KEYWORD_CANDIDATES,
    }
    async with _connection(sessionmaker) as conn:
        ((plan,),) = await _pipeline(conn, [estimate])
        tiers = tiers_from_plan(plan[0], tsquery, limit)
        halves = first_tier_halves(plan[0], tsquery, tiers)
        if halves is None:
            params.update({f"tier{i}": group for i, (_, group) in enumerate(tiers)})
            (rows,) = await _pipeline(conn, [(_keyword_sql(tiers), params)])
            return hits(rows)
    # A heavy first tier: its halves at once, on two connections taken after
    # this one went back (no hold-and-wait), then the other tiers if the
    # first left room.
    first_sql = _keyword_sql([tiers[0]])
    other = asyncio.ensure_future(
        _statement(sessionmaker, first_sql, params, tier0=halves[1])
    )
    try:
        found = await _statement(sessionmaker, first_sql, params, tier0=halves[0])
        found += await other
    finally:
        other.cancel()  # when the first half failed or was cancelled
    merged = {row.id: row for row in found}
    first = sorted(merged.values(), key=lambda row: (-row.score, row.id))[:limit]
    rest: list[Any] = []
    if len(first) < limit:
        rest = await _statement(
            sessionmaker,
            _keyword_sql(tiers[1:], after_first=True),
            params,
            limit=limit - len(first),
            exclude=_uuid_array(row.id for row in first),
            **{f"tier{i}": group for i, (_, group) in enumerate(tiers[1:])},
        )
    return hits(first + rest)


async def _statement(
    sessionmaker: SessionMaker, sql: str, params: dict[str, Any], **more: Any
) -> list[Any]:
    async with _connection(sessionmaker) as conn:
        (rows,) = await _pipeline(conn, [(sql, {**params, **more})])
    return rows


async def candidates(
    sessionmaker: SessionMaker,
    project_id: uuid.UUID,
    embedding: Sequence[float],
    tsquery: str,
    limit: int,
    document_ids: Sequence[uuid.UUID],
    *,
    rrf_k: int,
    top_k: int,
) -> Candidates:
    """Vector and keyword candidates (`limit` each), searched at the same
    time on two connections, and the fused top k's snippets."""
    documents = _uuid_array(document_ids)
    if not tsquery:
        vector = await _vector_candidates(
            sessionmaker, project_id, embedding, limit, documents
        )
        return Candidates(vector, [], {})
    vector_side = asyncio.ensure_future(
        _vector_candidates(sessionmaker, project_id, embedding, limit, documents)
    )
    try:
        keyword = await _keyword_candidates(
            sessionmaker, project_id, tsquery, limit, documents
        )
        vector = await vector_side
    finally:
        vector_side.cancel()  # when the keyword side failed or was cancelled
    params: dict[str, Any] = {
        "vector": _uuid_array(h.chunk_id for h in vector),
        "keyword": _uuid_array(h.chunk_id for h in keyword),
        "rrf_k": rrf_k,
        "top": top_k,
        "tsquery": tsquery,
        "options": _HEADLINE_OPTIONS,
        "project": project_id,
    }
    async with _connection(sessionmaker) as conn:
        (rows,) = await _pipeline(conn, [(_SNIPPETS_SQL, params)])
    snippets = {r.id: marked_to_html(r.snippet) for r in rows}
    return Candidates(vector, keyword, snippets)
