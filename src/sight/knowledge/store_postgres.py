"""The PostgreSQL knowledge store: pgvector HNSW, full-text search, entity tables.

Vectors of any size share one `vector` column; a query casts to the size of its
embedding space and filters on `dimensions`, which matches the per-size partial
HNSW index of the migration (`halfvec` above 2000 dimensions). pgvector 0.8's
iterative index scan keeps filtered searches (one project, ready documents)
returning `limit` rows.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from sight.knowledge.analytics import ConceptGraph, GraphAnalytics, analyse_in_process
from sight.knowledge.errors import KnowledgeStoreUnavailable
from sight.knowledge.facts_postgres import CHUNK_COLUMNS, PostgresFacts, hits
from sight.knowledge.highlight import START, STOP, marked_to_html
from sight.knowledge.models import (
    FALLBACK_TS_CONFIG,
    TS_CONFIGS,
    Chunk,
    Entity,
    Mention,
    Relation,
    vector_cast,
)
from sight.knowledge.store import (
    ChunkHit,
    ChunkRecord,
    DocumentCounts,
    DocumentRef,
)
from sight.postgres import SessionMaker, session_scope

# Candidates the HNSW scan considers; higher = better recall, slower.
EF_SEARCH = 100
_HEADLINE_OPTIONS = (
    f"StartSel={START}, StopSel={STOP}, MaxWords=40, MinWords=15, "
    "MaxFragments=2, FragmentDelimiter=' … '"
)


_UPDATABLE = (
    "text",
    "heading",
    "page",
    "page_end",
    "token_count",
    "ts_config",
    "dimensions",
    "embedding",
)


async def _parsed_query(
    session: AsyncSession, query: str, ts_configs: Sequence[str]
) -> str:
    params: dict[str, Any] = {"query": query}
    expression = _tsquery_sql(ts_configs, params)
    parsed = await session.scalar(
        text(f"SELECT ({expression})::text"),
        params,
    )
    return str(parsed or "")


def _tsquery_sql(ts_configs: Sequence[str], params: dict[str, Any]) -> str:
    """OR of the query's words, parsed once per text-search configuration in
    use, so English chunks match stems and Polish chunks match unaccented words.
    Words are ORed (ranked by ts_rank), because a researcher's question
    rarely contains every word of the passage that answers it."""
    allowed = [
        c for c in dict.fromkeys(ts_configs) if c in (*TS_CONFIGS, FALLBACK_TS_CONFIG)
    ]
    parts = []
    for index, config in enumerate(allowed or [FALLBACK_TS_CONFIG]):
        params[f"cfg{index}"] = config
        parts.append(
            f"replace(plainto_tsquery(CAST(:cfg{index} AS regconfig), :query)::text,"
            " ' & ', ' | ')::tsquery"
        )
    return " || ".join(parts)


# Ranking every match read one heap page per matching chunk: 90-170 ms for
# the 9,000 matches of four ORed words at 100k chunks (issue 16). Up to this
# many estimated matches all are ranked; above it, in tiers (keyword_tiers),
# the last ranking at most KEYWORD_CANDIDATES.
RANK_ALL_BELOW = 1500
# The keyword statements test the document list as `(... = ANY(...)) IS
# TRUE`, which no index can answer: as a plain condition the planner ANDed
# the GIN bitmap with one from the document_id index over every chunk of
# the project (100k TIDs, 800 pages) although the list is nearly always all
# of the project's documents (issue 16: 20 -> 10 ms of server CPU at 100k).
KEYWORD_CANDIDATES = 1000
# Words combined into "at least k of them" tiers (6 words: 15 pairs).
_TIER_WORDS = 6
TIERS_FROM = 2
# The first tier is the highest k whose expected size (the planner's
# per-word estimates, words taken as independent) is at least this many
# times the candidates wanted. A query with frequent words has thousands of
# chunks sharing 2 of its words (2,448 of 100k, 26,000 of 1M: every one read
# and ranked) but enough sharing 3; a tier that falls short is filled by the
# next one, so a wrong guess costs time, not results (issue 16).
TIER_MARGIN = 2.0
_LEXEME = re.compile(r"'(?:[^']|'')*'")


def query_words(tsquery: str) -> list[str]:
    """The distinct lexemes of a parsed query (quoted), in order."""
    return list(dict.fromkeys(_LEXEME.findall(tsquery)))


def keyword_tiers(tsquery: str, start: int = TIERS_FROM) -> list[tuple[int, list[str]]]:
    """(k, tsqueries) for chunks holding at least k of the query's words, k
    from `start` (or fewer words) down to 1: a chunk is in tier k when it
    matches any of the tsqueries (each k words ANDed; the whole query for
    k = 1). Chunks are ranked within a tier by the whole query's ts_rank, a
    tier only fills what the ones above left, so only the small sets of
    chunks sharing several words are ranked in full; matching more of a
    question's words is what ranks a passage first almost always (recall
    against ranking every match: bench/README.md).

    A list, not one tsquery of ORed groups: `tsv @@ ANY(...)` scans the GIN
    index once per group, and an ANDed group skips through its frequent
    words' posting lists, where the OR of groups visited every entry of the
    rarer words' lists (pairs: 9.1 -> 6.8 ms of server CPU per heavy query
    at 100k chunks, 110 -> 70 ms at 1M; issue 16)."""
    words = query_words(tsquery)
    if len(words) <= 1:
        return [(1, [tsquery])]
    tiers: list[tuple[int, list[str]]] = []
    picked = words[:_TIER_WORDS]
    for k in range(min(max(start, 2), len(picked)), 1, -1):
        groups = itertools.combinations(picked, k)
        tiers.append((k, [" & ".join(g) for g in groups]))
    tiers.append((1, [tsquery]))
    return tiers


def _at_least(probabilities: Sequence[float], k: int) -> float:
    """P(at least k of independent events with these probabilities)."""
    exactly = [1.0] + [0.0] * len(probabilities)
    for p in probabilities:
        for n in range(len(exactly) - 1, 0, -1):
            exactly[n] = exactly[n] * (1 - p) + exactly[n - 1] * p
        exactly[0] *= 1 - p
    return sum(exactly[k:])


def tier_start(word_rows: Sequence[float], total_rows: float, limit: int) -> int:
    """The first tier's k (see TIER_MARGIN) from the planner's estimated
    matches of each of the first `_TIER_WORDS` words among `total_rows`."""
    rows = list(word_rows)[:_TIER_WORDS]
    if total_rows <= 0 or len(rows) < 3:
        return TIERS_FROM
    probabilities = [min(1.0, max(0.0, r / total_rows)) for r in rows]
    for k in range(len(rows), TIERS_FROM, -1):
        if total_rows * _at_least(probabilities, k) >= TIER_MARGIN * limit:
            return k
    return TIERS_FROM


def nearest_sql(dimensions: int, param: Callable[[str], str]) -> str:
    """The `limit` nearest chunks by the halfvec index (the cast and the
    `dimensions` filter pick its partial index), scored and ordered by the
    stored vectors' exact cosine distance. Fetching twice the limit from the
    index and keeping the exact best changed no result at 100k chunks (200
    of 200 top-10 lists, recall@10 0.999 both) and cost ~1 ms a search.
    Parameters: query, dims, project, documents, limit."""
    cast = vector_cast(dimensions)
    query = param("query")
    return f"""
        WITH nearest AS MATERIALIZED (
            SELECT {CHUNK_COLUMNS},
                   c.embedding <=> CAST({query} AS vector) AS distance
            FROM knowledge_chunks c
            WHERE c.dimensions = {param("dims")} AND c.project_id = {param("project")}
              AND c.document_id = ANY(CAST({param("documents")} AS uuid[]))
            ORDER BY (c.embedding::{cast}) <=> CAST({query} AS {cast})
            LIMIT {param("limit")}
        )
        SELECT *, 1 - distance AS score FROM nearest ORDER BY distance, id
        """  # noqa: S608 (only constants and ints)


def estimates_sql(words: int, param: Callable[[str], str]) -> str:
    """One EXPLAIN whose plan holds the planner's row estimates for the whole
    query, each of its first `words` words, and the table (UNION ALL keeps
    the branches in order). `param` formats a parameter name for the driver:
    `tsquery` and `w0`, `w1`, ..."""
    count = min(words, _TIER_WORDS)
    match = "SELECT 1 FROM knowledge_chunks c WHERE c.tsv @@ CAST({} AS tsquery)"
    branches = [match.format(param("tsquery"))]
    branches += [match.format(param(f"w{i}")) for i in range(count)]
    branches.append("SELECT 1 FROM knowledge_chunks c")
    return "EXPLAIN (FORMAT JSON) " + " UNION ALL ".join(branches)


def estimates_params(tsquery: str) -> dict[str, str]:
    words = query_words(tsquery)[:_TIER_WORDS]
    return {"tsquery": tsquery, **{f"w{i}": w for i, w in enumerate(words)}}


def plan_estimates(plan: Any, tsquery: str) -> list[float] | None:
    """The row estimates of `estimates_sql`'s plan: the whole query, each
    of its first words, the table; None when the plan is not that shape."""
    words = len(query_words(tsquery)[:_TIER_WORDS])
    try:
        branches = [b["Plan Rows"] for b in plan[0]["Plan"]["Plans"]]
        if len(branches) != words + 2:
            raise ValueError(branches)
        return [float(b) for b in branches]
    except (TypeError, KeyError, IndexError, ValueError):
        return None


def tiers_from_plan(plan: Any, tsquery: str, limit: int) -> list[tuple[int, list[str]]]:
    """Rank-all or tiers, from the plan of `estimates_sql`: below
    RANK_ALL_BELOW estimated matches every match is ranked."""
    estimates = plan_estimates(plan, tsquery)
    if estimates is None:
        return keyword_tiers(tsquery)
    if estimates[0] <= RANK_ALL_BELOW:
        return [(1, [tsquery])]
    return keyword_tiers(tsquery, tier_start(estimates[1:-1], estimates[-1], limit))


# A first tier whose GIN searches decode more postings than this (the
# planner's per-word estimates summed over its groups: each group's search
# reads every list of its words) is searched in two halves at once, on two
# connections (`search_postgres`): ~20 ms of GIN work on one core here. At
# 1M chunks a query with two words in 8-9 % of the chunks decodes ~560,000
# postings in its pairs (65 ms) and ranks 9,400 matches (35 ms; issue 16).
SPLIT_FIRST_TIER_ABOVE = 200_000


def first_tier_halves(
    plan: Any, tsquery: str, tiers: Sequence[tuple[int, list[str]]]
) -> tuple[list[str], list[str]] | None:
    """The first tier's groups in two halves of about equal estimated GIN
    work (largest first, each to the lighter half), when there are several
    tiers, the first has several groups and its work is above
    SPLIT_FIRST_TIER_ABOVE; None otherwise. The top `limit` of the tier is
    the top `limit` of the two halves' top `limit`s together."""
    estimates = plan_estimates(plan, tsquery)
    if estimates is None or len(tiers) < 2 or len(tiers[0][1]) < 2:
        return None
    postings = dict(zip(query_words(tsquery), estimates[1:-1], strict=False))

    def work(group: str) -> float:
        return sum(postings.get(word.strip(), 0.0) for word in group.split("&"))

    groups = sorted(tiers[0][1], key=work, reverse=True)
    if sum(map(work, groups)) <= SPLIT_FIRST_TIER_ABOVE:
        return None
    halves: tuple[list[str], list[str]] = ([], [])
    loads = [0.0, 0.0]
    for group in groups:
        lighter = 0 if loads[0] <= loads[1] else 1
        halves[lighter].append(group)
        loads[lighter] += work(group)
    return halves


async def _ranked(
    session: AsyncSession,
    tsquery: str,
    condition: list[str],
    project_id: uuid.UUID,
    document_ids: Sequence[uuid.UUID],
    *,
    exclude: list[uuid.UUID],
    limit: int,
    cap: int | None,
) -> list[Any]:
    """Chunks matching any of `condition`, ranked by the whole query. Parsed queries
    go in as constants, so the planner sees their selectivity and uses the GIN
    index (a subquery hides it). ts_rank, not ts_rank_cd: with ORed words every
    cover is a single word, so cover density adds nothing and costs twice as
    much. With `cap`, only that many matching chunks are ranked."""
    bound = "LIMIT :cap" if cap is not None else ""
    sql = text(
        f"""
        WITH candidates AS MATERIALIZED (
            SELECT {CHUNK_COLUMNS}, c.tsv
            FROM knowledge_chunks c
            WHERE c.project_id = :project
              AND (c.document_id = ANY(:documents)) IS TRUE
              AND c.tsv @@ ANY(CAST(:condition AS tsquery[]))
              AND NOT (c.id = ANY(:exclude))
            {bound}
        )
        SELECT c.id, c.document_id, c.ordinal, c.text, c.heading, c.page,
               c.page_end, ts_rank(c.tsv, CAST(:tsquery AS tsquery), 32) AS score
        FROM candidates c
        ORDER BY score DESC, c.id
        LIMIT :limit
        """  # noqa: S608 (only constants)
    )
    params: dict[str, Any] = {
        "tsquery": tsquery,
        "condition": condition,
        "project": project_id,
        "documents": list(document_ids),
        "exclude": exclude,
        "limit": limit,
    }
    if cap is not None:
        params["cap"] = cap
    return list((await session.execute(sql, params)).all())


def vector_literal(embedding: Sequence[float]) -> str:
    return "[" + ",".join(f"{float(x):.7g}" for x in embedding) + "]"


class PostgresKnowledgeStore(PostgresFacts):
    name = "postgres"

    def __init__(self, sessionmaker: SessionMaker) -> None:
        self._sessionmaker = sessionmaker

    async def ping(self) -> None:
        try:
            async with self._sessionmaker() as session:
                await session.execute(text("SELECT 1"))
        except OperationalError:
            raise KnowledgeStoreUnavailable("PostgreSQL is unreachable") from None

    async def put_document(self, document: DocumentRef) -> None:
        return None  # the document row is written by the service, in PostgreSQL

    async def put_chunks(
        self, document: DocumentRef, chunks: Sequence[ChunkRecord]
    ) -> None:
        if not chunks:
            return
        rows = [
            {
                "id": c.id,
                "document_id": c.document_id,
                "project_id": c.project_id,
                "ordinal": c.ordinal,
                "text": c.text,
                "heading": c.heading,
                "page": c.page,
                "page_end": c.page_end,
                "token_count": c.tokens,
                "ts_config": c.ts_config,
                "dimensions": len(c.embedding),
                "embedding": c.embedding,
            }
            for c in chunks
        ]
        statement = insert(Chunk).values(rows)
        statement = statement.on_conflict_do_update(
            index_elements=[Chunk.id],
            set_={name: statement.excluded[name] for name in _UPDATABLE},
        )
        async with session_scope(self._sessionmaker) as session:
            await session.execute(statement)

    async def vector_search(
        self,
        project_id: uuid.UUID,
        embedding: Sequence[float],
        limit: int,
        document_ids: Sequence[uuid.UUID],
    ) -> list[ChunkHit]:
        if not document_ids or limit <= 0:
            return []
        sql = text(nearest_sql(len(embedding), lambda n: f":{n}"))
        params = {
            "query": vector_literal(embedding),
            "dims": len(embedding),
            "project": project_id,
            "documents": list(document_ids),
            "limit": limit,
        }
        async with self._sessionmaker() as session:
            # Transaction-local: the relaxed iterative scan keeps looking past
            # other projects' neighbours until `limit` rows pass the filter.
            await session.execute(
                text(
                    "SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true),"
                    " set_config('hnsw.ef_search', :ef, true)"
                ),
                {"ef": str(max(EF_SEARCH, limit))},
            )
            rows = (await session.execute(sql, params)).all()
        return hits(rows)

    async def keyword_search(
        self,
        project_id: uuid.UUID,
        query: str,
        limit: int,
        document_ids: Sequence[uuid.UUID],
        ts_configs: Sequence[str],
    ) -> list[ChunkHit]:
        if not document_ids or limit <= 0 or not query.strip():
            return []
        async with self._sessionmaker() as session:
            tsquery = await _parsed_query(session, query, ts_configs)
            if not tsquery:
                return []  # only stop words
            # Few matches (the planner's estimate from the GIN statistics,
            # over every project, so at least this project's): rank them all.
            plan = await session.scalar(
                text(estimates_sql(len(query_words(tsquery)), lambda n: f":{n}")),
                estimates_params(tsquery),
            )
            tiers = tiers_from_plan(plan, tsquery, limit)
            found: list[Any] = []
            for tier, condition in tiers:
                need = limit - len(found)
                if need <= 0:
                    break
                found.extend(
                    await _ranked(
                        session,
                        tsquery,
                        condition,
                        project_id,
                        document_ids,
                        exclude=[row.id for row in found],
                        limit=need,
                        # the last tier (any one word) is the only large one
                        cap=(
                            KEYWORD_CANDIDATES if tier == 1 and len(tiers) > 1 else None
                        ),
                    )
                )
        return hits(found)

    async def snippets(
        self,
        project_id: uuid.UUID,
        query: str,
        chunk_ids: Sequence[uuid.UUID],
        ts_configs: Sequence[str],
        texts: Mapping[uuid.UUID, str] | None = None,
    ) -> dict[uuid.UUID, str]:
        # ts_headline needs the server's stemming: `texts` is not used.
        if not chunk_ids:
            return {}
        params: dict[str, Any] = {
            "query": query,
            "project": project_id,
            "ids": list(chunk_ids),
            "options": _HEADLINE_OPTIONS,
        }
        tsquery = _tsquery_sql(ts_configs, params)
        sql = text(
            f"""
            SELECT c.id, ts_headline(CAST(c.ts_config AS regconfig), c.text,
                                     q.query, :options) AS snippet
            FROM knowledge_chunks c, (SELECT {tsquery} AS query) q
            WHERE c.project_id = :project AND c.id = ANY(:ids)
            """  # noqa: S608 (only constants and ints)
        )
        async with self._sessionmaker() as session:
            rows = (await session.execute(sql, params)).all()
        return {row.id: marked_to_html(row.snippet) for row in rows}

    async def adjacent_chunks(
        self, project_id: uuid.UUID, chunk_id: uuid.UUID, window: int
    ) -> list[ChunkHit]:
        sql = text(
            f"""
            SELECT {CHUNK_COLUMNS}, 0.0 AS score
            FROM knowledge_chunks c
            JOIN knowledge_chunks anchor ON anchor.document_id = c.document_id
            WHERE anchor.id = :chunk AND anchor.project_id = :project
              AND c.ordinal BETWEEN anchor.ordinal - :window
                                AND anchor.ordinal + :window
            ORDER BY c.ordinal
            """  # noqa: S608 (only constants and ints)
        )
        params = {"chunk": chunk_id, "project": project_id, "window": window}
        async with self._sessionmaker() as session:
            rows = (await session.execute(sql, params)).all()
        return hits(rows)

    async def document_counts(self, document_id: uuid.UUID) -> DocumentCounts:
        async with self._sessionmaker() as session:
            chunks = await session.scalar(
                select(func.count()).where(Chunk.document_id == document_id)
            )
            entities = await session.scalar(
                select(func.count(func.distinct(Mention.entity_id))).where(
                    Mention.document_id == document_id
                )
            )
            relations = await session.scalar(
                select(func.count()).where(Relation.document_id == document_id)
            )
        return DocumentCounts(int(chunks or 0), int(entities or 0), int(relations or 0))

    async def delete_document(self, document_id: uuid.UUID) -> None:
        async with session_scope(self._sessionmaker) as session:
            touched = list(
                await session.scalars(
                    select(Mention.entity_id)
                    .where(Mention.document_id == document_id)
                    .distinct()
                )
            )
            # Mentions and relations go with their chunks (ON DELETE CASCADE).
            await session.execute(delete(Chunk).where(Chunk.document_id == document_id))
            if touched:
                orphaned = select(Mention.entity_id).where(
                    Mention.entity_id == Entity.id
                )
                await session.execute(
                    delete(Entity).where(Entity.id.in_(touched), ~orphaned.exists())
                )

    async def document_ids(self, project_id: uuid.UUID | None) -> set[uuid.UUID]:
        statement = select(Chunk.document_id).distinct()
        if project_id is not None:
            statement = statement.where(Chunk.project_id == project_id)
        async with self._sessionmaker() as session:
            return set(await session.scalars(statement))

    async def concept_graph_analytics(self, graph: ConceptGraph) -> GraphAnalytics:
        return analyse_in_process(graph)
