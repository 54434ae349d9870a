"""The Neo4j knowledge store.

Graph: `(:Chunk)-[:PART_OF]->(:Document)`, `(:Chunk)-[:NEXT]->(:Chunk)` in
reading order, `(:Chunk)-[:MENTIONS]->(:Entity)` and
`(:Entity)-[:RELATED {type, description, chunk_id, document_id}]->(:Entity)`.
Entity and relation types are properties from fixed whitelists, never labels
or relationship types, and all Cypher is written here with parameters.

Searches use the indexes `sight init-graph` creates (`chunk_vector_idx`,
`chunk_text_ft`); a missing one is reported with that command. Neither index
can filter by project in Neo4j 5, so they are queried with 10 times the wanted rows
(growing tenfold while filtering leaves too few) and the vector search falls back to
an exact scan of the allowed documents when the index cannot fill `limit`.
The adapter adds the range indexes and the entity uniqueness constraint it
needs for its own lookups (idempotent, at first use).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, LiteralString

from neo4j.exceptions import (
    ClientError,
)

from sight.knowledge.analytics import ConceptGraph, GraphAnalytics, analyse_in_process
from sight.knowledge.highlight import highlight, query_terms
from sight.knowledge.neo4j_base import MAX_CANDIDATES, OVERSAMPLE, Neo4jBase
from sight.knowledge.neo4j_gds import gds_analytics, has_gds
from sight.knowledge.store import (
    ChunkFacts,
    ChunkHit,
    ChunkRecord,
    DocumentCounts,
    DocumentRef,
    EntitySummary,
    RelationSummary,
)

FIRST_OVERSAMPLE = 2
_CHUNK_FIELDS: LiteralString = (
    "c.id AS id, c.document_id AS document_id, c.ordinal AS ordinal, "
    "c.text AS text, c.heading AS heading, c.page AS page, c.page_end AS page_end"
)


def _hits(rows: Sequence[dict[str, Any]], cosine: bool = False) -> list[ChunkHit]:
    hits = []
    for rank, row in enumerate(rows, start=1):
        score = float(row["score"])
        hits.append(
            ChunkHit(
                chunk_id=uuid.UUID(row["id"]),
                document_id=uuid.UUID(row["document_id"]),
                ordinal=int(row["ordinal"]),
                text=row["text"],
                heading=row["heading"] or "",
                page=row["page"],
                page_end=row["page_end"],
                # Neo4j scales cosine to (1 + cos) / 2; report plain cosine as
                # PostgreSQL does.
                score=2 * score - 1 if cosine else score,
                rank=rank,
                via=tuple(sorted(row.get("via") or ())),
            )
        )
    return hits


def lucene_query(query: str) -> str:
    """Words only, lower-cased (so AND/OR/NOT stay words), ORed: user text
    never reaches Lucene's query syntax."""
    return " OR ".join(term.lower() for term in query_terms(query))


def _first_candidates(limit: int) -> int:
    return max(limit * FIRST_OVERSAMPLE, 20)


def _filtered_sql(index_call: LiteralString, raw: str, rows: str) -> LiteralString:
    """An index call's hits kept to the project's allowed documents (the
    first `$limit`), with how many the index gave (`raw`)."""
    # `raw` and `rows` are fixed names from this module.
    return (
        index_call + " YIELD node, score "
        "WITH collect({node: node, score: score}) AS found "
        f"WITH size(found) AS {raw}, [f IN found WHERE f.node.project_id = $project "
        "AND f.node.document_id IN $documents] AS kept "
        f"RETURN {raw}, [f IN kept[0..$limit] | {{id: f.node.id, "
        "document_id: f.node.document_id, ordinal: f.node.ordinal, "
        "text: f.node.text, heading: f.node.heading, page: f.node.page, "
        f"page_end: f.node.page_end, score: f.score}}] AS {rows}"
    )


_VECTOR_CALL: LiteralString = (
    "CALL db.index.vector.queryNodes('chunk_vector_idx', $candidates, $embedding)"
)
_FULLTEXT_CALL: LiteralString = (
    "CALL db.index.fulltext.queryNodes('chunk_text_ft', $lucene, {limit: $candidates})"
)
_VECTOR_ONLY_SQL: LiteralString = (
    "CALL () { " + _filtered_sql(_VECTOR_CALL, "vraw", "vrows") + " } "
    "RETURN vraw, vrows"
)
_HYBRID_SQL: LiteralString = (
    "CALL () { " + _filtered_sql(_VECTOR_CALL, "vraw", "vrows") + " } "
    "CALL () { " + _filtered_sql(_FULLTEXT_CALL, "kraw", "krows") + " } "
    "RETURN vraw, vrows, kraw, krows"
)


class Neo4jKnowledgeStore(Neo4jBase):
    name = "neo4j"

    async def put_document(self, document: DocumentRef) -> None:
        await self._ensure_schema()
        await self._write(
            (
                "MERGE (d:Document {id: $id}) "
                "SET d.project_id = $project_id, d.title = $title",
                {
                    "id": str(document.id),
                    "project_id": str(document.project_id),
                    "title": document.title,
                },
            )
        )

    async def put_chunks(
        self, document: DocumentRef, chunks: Sequence[ChunkRecord]
    ) -> None:
        if not chunks:
            return
        await self._require_indexes(len(chunks[0].embedding))
        rows = [
            {
                "id": str(c.id),
                "previous": str(uuid.uuid5(c.document_id, f"chunk:{c.ordinal - 1}"))
                if c.ordinal
                else None,
                "document_id": str(c.document_id),
                "project_id": str(c.project_id),
                "ordinal": c.ordinal,
                "text": c.text,
                "heading": c.heading,
                "page": c.page,
                "page_end": c.page_end,
                "tokens": c.tokens,
                "language": c.ts_config,
                "embedding": [float(x) for x in c.embedding],
            }
            for c in chunks
        ]
        await self._write(
            (
                "MATCH (d:Document {id: $document}) "
                "UNWIND $rows AS row "
                "MERGE (c:Chunk {id: row.id}) "
                "SET c.document_id = row.document_id, c.project_id = row.project_id, "
                "c.ordinal = row.ordinal, c.text = row.text, c.heading = row.heading, "
                "c.page = row.page, c.page_end = row.page_end, c.tokens = row.tokens, "
                "c.language = row.language, c.dimensions = size(row.embedding), "
                "c.embedding = row.embedding "
                "MERGE (c)-[:PART_OF]->(d) "
                "WITH c, row "
                "OPTIONAL MATCH (p:Chunk {id: row.previous}) "
                "FOREACH (_ IN CASE WHEN p IS NULL THEN [] ELSE [1] END | "
                "  MERGE (p)-[:NEXT]->(c))",
                {"document": str(document.id), "rows": rows},
            )
        )

    async def put_facts(
        self, document: DocumentRef, facts: Sequence[ChunkFacts]
    ) -> None:
        entities: dict[tuple[str, str], dict[str, str]] = {}
        mentions: list[dict[str, str]] = []
        relations: list[dict[str, str]] = []
        for chunk in facts:
            for e in chunk.entities:
                entities.setdefault(
                    (e.type, e.key),
                    {
                        "type": e.type,
                        "key": e.key,
                        "name": e.name,
                        "description": e.description,
                    },
                )
                mentions.append(
                    {"chunk_id": str(chunk.chunk_id), "type": e.type, "key": e.key}
                )
            for r in chunk.relations:
                relations.append(
                    {
                        "source_type": r.source[0],
                        "source_key": r.source[1],
                        "target_type": r.target[0],
                        "target_key": r.target[1],
                        "type": r.type,
                        "description": r.description,
                        "chunk_id": str(chunk.chunk_id),
                    }
                )
        if not entities:
            return
        await self._ensure_schema()
        common = {"project": str(document.project_id), "document": str(document.id)}
        await self._write(
            (
                "UNWIND $rows AS row "
                "MERGE (e:Entity {project_id: $project, type: row.type, key: row.key}) "
                "ON CREATE SET e.name = row.name, e.description = row.description "
                "ON MATCH SET e.description = CASE WHEN coalesce(e.description, '') "
                "= '' THEN row.description ELSE e.description END",
                {**common, "rows": [entities[k] for k in sorted(entities)]},
            ),
            (
                "UNWIND $rows AS row "
                "MATCH (c:Chunk {id: row.chunk_id}) "
                "MATCH (e:Entity {project_id: $project, type: row.type, key: row.key}) "
                "MERGE (c)-[m:MENTIONS]->(e) SET m.document_id = $document",
                {**common, "rows": mentions},
            ),
            (
                "UNWIND $rows AS row "
                "MATCH (a:Entity {project_id: $project, type: row.source_type, "
                "key: row.source_key}) "
                "MATCH (b:Entity {project_id: $project, type: row.target_type, "
                "key: row.target_key}) "
                "MERGE (a)-[r:RELATED {chunk_id: row.chunk_id, type: row.type}]->(b) "
                "SET r.description = row.description, r.document_id = $document",
                {**common, "rows": relations},
            ),
        )

    async def _filtered(
        self, index_call: LiteralString, limit: int, **params: Any
    ) -> tuple[list[dict[str, Any]], bool]:
        """Run an index query with growing oversampling until `limit` rows
        survive the project filter; the flag says whether the index ran dry."""
        query: LiteralString = _filtered_sql(index_call, "raw", "rows")
        # Most projects own most of the index: twice the wanted rows usually
        # survive the filter; a crowded index grows the request (issue 16:
        # asking for 10x every time made a 10k-chunk search 105 ms at P95).
        candidates = _first_candidates(limit)
        while True:
            result = (
                await self._read(query, candidates=candidates, limit=limit, **params)
            )[0]
            rows: list[dict[str, Any]] = result["rows"]
            exhausted = result["raw"] < candidates
            if len(rows) >= limit or exhausted or candidates >= MAX_CANDIDATES:
                return rows, exhausted
            candidates = min(candidates * OVERSAMPLE, MAX_CANDIDATES)

    async def hybrid_candidates(
        self,
        project_id: uuid.UUID,
        query: str,
        embedding: Sequence[float],
        limit: int,
        document_ids: Sequence[uuid.UUID],
    ) -> tuple[list[ChunkHit], list[ChunkHit]]:
        """`vector_search` and `keyword_search` with the same results, both
        first index requests in one Cypher statement and one auto-commit
        transaction: one Bolt round trip instead of four (issue 16). A side
        whose first request leaves too few rows runs its own method."""
        if not document_ids or limit <= 0:
            return [], []
        await self._require_indexes(len(embedding))
        lucene = lucene_query(query)
        candidates = _first_candidates(limit)
        statement = _HYBRID_SQL if lucene else _VECTOR_ONLY_SQL
        row = (
            await self._read_autocommit(
                statement,
                embedding=[float(x) for x in embedding],
                lucene=lucene,
                candidates=candidates,
                limit=limit,
                project=str(project_id),
                documents=[str(d) for d in document_ids],
            )
        )[0]
        vector_rows: list[dict[str, Any]] = row["vrows"]
        if len(vector_rows) < limit and row["vraw"] >= candidates:
            vector = await self.vector_search(
                project_id, embedding, limit, document_ids
            )
        else:
            vector = _hits(vector_rows, cosine=True)
        if not lucene:
            return vector, []
        keyword_rows: list[dict[str, Any]] = row["krows"]
        if len(keyword_rows) < limit and row["kraw"] >= candidates:
            keyword = await self.keyword_search(
                project_id, query, limit, document_ids, []
            )
        else:
            keyword = _hits(keyword_rows)
        return vector, keyword

    async def vector_search(
        self,
        project_id: uuid.UUID,
        embedding: Sequence[float],
        limit: int,
        document_ids: Sequence[uuid.UUID],
    ) -> list[ChunkHit]:
        if not document_ids or limit <= 0:
            return []
        await self._require_indexes(len(embedding))
        params = {
            "embedding": [float(x) for x in embedding],
            "project": str(project_id),
            "documents": [str(d) for d in document_ids],
        }
        rows, exhausted = await self._filtered(
            _VECTOR_CALL,
            limit,
            **params,
        )
        if len(rows) < limit and not exhausted:
            # The index is crowded by other projects: scan this one exactly.
            rows = await self._read(
                "MATCH (c:Chunk) WHERE c.document_id IN $documents "
                "AND c.project_id = $project "
                "WITH c, vector.similarity.cosine(c.embedding, $embedding) AS score "
                f"RETURN {_CHUNK_FIELDS}, score ORDER BY score DESC, id LIMIT $limit",
                limit=limit,
                **params,
            )
        return _hits(rows, cosine=True)

    async def keyword_search(
        self,
        project_id: uuid.UUID,
        query: str,
        limit: int,
        document_ids: Sequence[uuid.UUID],
        ts_configs: Sequence[str],
    ) -> list[ChunkHit]:
        lucene = lucene_query(query)
        if not document_ids or limit <= 0 or not lucene:
            return []
        await self._require_indexes()
        rows, _ = await self._filtered(
            _FULLTEXT_CALL,
            limit,
            lucene=lucene,
            project=str(project_id),
            documents=[str(d) for d in document_ids],
        )
        return _hits(rows)

    async def snippets(
        self,
        project_id: uuid.UUID,
        query: str,
        chunk_ids: Sequence[uuid.UUID],
        ts_configs: Sequence[str],
        texts: Mapping[uuid.UUID, str] | None = None,
    ) -> dict[uuid.UUID, str]:
        if not chunk_ids:
            return {}
        if texts is not None and all(c in texts for c in chunk_ids):
            return {c: highlight(texts[c], query) for c in chunk_ids}
        rows = await self._read(
            "MATCH (c:Chunk) WHERE c.id IN $ids AND c.project_id = $project "
            "RETURN c.id AS id, c.text AS text",
            ids=[str(c) for c in chunk_ids],
            project=str(project_id),
        )
        return {uuid.UUID(r["id"]): highlight(r["text"], query) for r in rows}

    async def linked_chunks(
        self,
        project_id: uuid.UUID,
        chunk_ids: Sequence[uuid.UUID],
        limit: int,
        document_ids: Sequence[uuid.UUID],
    ) -> list[ChunkHit]:
        if not chunk_ids or not document_ids or limit <= 0:
            return []
        rows = await self._read(
            "MATCH (s:Chunk)-[:MENTIONS]->(e:Entity) WHERE s.id IN $ids "
            "WITH collect(DISTINCT e) AS seeds "
            "CALL { WITH seeds UNWIND seeds AS e RETURN e AS x "
            "  UNION WITH seeds UNWIND seeds AS e "
            "  MATCH (e)-[:RELATED]-(r:Entity) RETURN r AS x } "
            "WITH DISTINCT x "
            "MATCH (x)<-[:MENTIONS]-(c:Chunk) "
            "WHERE c.project_id = $project AND c.document_id IN $documents "
            "AND NOT c.id IN $ids "
            "WITH c, collect(DISTINCT x.name) AS via "
            f"RETURN {_CHUNK_FIELDS}, size(via) AS score, via "
            "ORDER BY score DESC, id LIMIT $limit",
            ids=[str(c) for c in chunk_ids],
            project=str(project_id),
            documents=[str(d) for d in document_ids],
            limit=limit,
        )
        return _hits(rows)

    async def adjacent_chunks(
        self, project_id: uuid.UUID, chunk_id: uuid.UUID, window: int
    ) -> list[ChunkHit]:
        rows = await self._read(
            "MATCH (a:Chunk {id: $id}) WHERE a.project_id = $project "
            "MATCH (c:Chunk {document_id: a.document_id}) "
            "WHERE c.ordinal >= a.ordinal - $window "
            "AND c.ordinal <= a.ordinal + $window "
            f"RETURN {_CHUNK_FIELDS}, 0.0 AS score ORDER BY c.ordinal",
            id=str(chunk_id),
            project=str(project_id),
            window=window,
        )
        return _hits(rows)

    async def document_counts(self, document_id: uuid.UUID) -> DocumentCounts:
        rows = await self._read(
            "OPTIONAL MATCH (c:Chunk {document_id: $id}) WITH count(c) AS chunks "
            "OPTIONAL MATCH (:Chunk {document_id: $id})-[:MENTIONS]->(e:Entity) "
            "WITH chunks, count(DISTINCT e) AS entities "
            "OPTIONAL MATCH (:Chunk {document_id: $id})-[:MENTIONS]->(:Entity)"
            "-[r:RELATED]->() WHERE r.document_id = $id "
            "RETURN chunks, entities, count(DISTINCT r) AS relations",
            id=str(document_id),
        )
        row = rows[0]
        return DocumentCounts(row["chunks"], row["entities"], row["relations"])

    async def entities(
        self,
        project_id: uuid.UUID,
        limit: int,
        document_ids: Sequence[uuid.UUID] | None = None,
    ) -> list[EntitySummary]:
        rows = await self._read(
            "MATCH (e:Entity {project_id: $project})<-[m:MENTIONS]-(c:Chunk) "
            "WHERE $documents IS NULL OR c.document_id IN $documents "
            "RETURN e.type AS type, e.name AS name, e.key AS key, "
            "count(m) AS mentions, count(DISTINCT c.document_id) AS documents "
            "ORDER BY mentions DESC, name LIMIT $limit",
            project=str(project_id),
            documents=[str(d) for d in document_ids]
            if document_ids is not None
            else None,
            limit=limit,
        )
        return [
            EntitySummary(r["type"], r["name"], r["key"], r["mentions"], r["documents"])
            for r in rows
        ]

    async def relations(
        self,
        project_id: uuid.UUID,
        limit: int,
        document_ids: Sequence[uuid.UUID] | None = None,
    ) -> list[RelationSummary]:
        rows = await self._read(
            "MATCH (a:Entity {project_id: $project})-[r:RELATED]->(b:Entity) "
            "WHERE $documents IS NULL OR r.document_id IN $documents "
            "RETURN a.name AS source, a.type AS source_type, b.name AS target, "
            "b.type AS target_type, r.type AS type, r.description AS description, "
            "r.document_id AS document_id, r.chunk_id AS chunk_id "
            "ORDER BY source, target, chunk_id LIMIT $limit",
            project=str(project_id),
            documents=[str(d) for d in document_ids]
            if document_ids is not None
            else None,
            limit=limit,
        )
        return [
            RelationSummary(
                r["source"],
                r["source_type"],
                r["target"],
                r["target_type"],
                r["type"],
                r["description"] or "",
                uuid.UUID(r["document_id"]),
                uuid.UUID(r["chunk_id"]),
            )
            for r in rows
        ]

    async def delete_document(self, document_id: uuid.UUID) -> None:
        params = {"id": str(document_id)}
        await self._write(
            (
                "MATCH (:Chunk {document_id: $id})-[:MENTIONS]->(e:Entity)"
                "-[r:RELATED]-() WHERE r.document_id = $id DELETE r",
                params,
            ),
            (
                "MATCH (c:Chunk {document_id: $id}) "
                "OPTIONAL MATCH (c)-[:MENTIONS]->(e:Entity) "
                "WITH collect(DISTINCT c) AS chunks, collect(DISTINCT e) AS entities "
                "FOREACH (c IN chunks | DETACH DELETE c) "
                "WITH entities UNWIND entities AS e "
                "WITH e WHERE NOT (e)<-[:MENTIONS]-() DETACH DELETE e",
                params,
            ),
            ("MATCH (d:Document {id: $id}) DETACH DELETE d", params),
        )

    async def document_ids(self, project_id: uuid.UUID | None) -> set[uuid.UUID]:
        rows = await self._read(
            "MATCH (d:Document) WHERE $project IS NULL OR d.project_id = $project "
            "RETURN d.id AS id",
            project=str(project_id) if project_id is not None else None,
        )
        return {uuid.UUID(r["id"]) for r in rows}

    async def concept_graph_analytics(self, graph: ConceptGraph) -> GraphAnalytics:
        if self._gds is None:
            self._gds = await has_gds(self.driver, self.database)
        if not self._gds or not graph.nodes:
            return analyse_in_process(graph)
        try:
            async with self._guard():
                return await gds_analytics(self.driver, self.database, graph)
        except ClientError:
            # A GDS that cannot run this graph (licence, memory): same answer
            # from the in-process implementation.
            return analyse_in_process(graph)
