"""The PostgreSQL store's entity side: entities shared per project, mentions
linking them to chunks, relations citing the chunk they came from, and graph
expansion over them. Mixed into `PostgresKnowledgeStore`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert

from sight.knowledge.models import Entity, Mention, Relation
from sight.knowledge.store import (
    ChunkFacts,
    ChunkHit,
    DocumentRef,
    EntitySummary,
    RelationSummary,
)
from sight.postgres import SessionMaker, session_scope

CHUNK_COLUMNS = "c.id, c.document_id, c.ordinal, c.text, c.heading, c.page, c.page_end"


def hits(rows: Sequence[Any]) -> list[ChunkHit]:
    # Only graph expansion selects `via`; asking a row without it for the
    # attribute raised and caught an exception per row (issue 16).
    with_via = bool(rows) and "via" in rows[0]._fields
    return [
        ChunkHit(
            chunk_id=row.id,
            document_id=row.document_id,
            ordinal=row.ordinal,
            text=row.text,
            heading=row.heading,
            page=row.page,
            page_end=row.page_end,
            score=float(row.score),
            rank=rank,
            via=tuple((row.via or ()) if with_via else ()),
        )
        for rank, row in enumerate(rows, start=1)
    ]


class PostgresFacts:
    _sessionmaker: SessionMaker

    async def put_facts(
        self, document: DocumentRef, facts: Sequence[ChunkFacts]
    ) -> None:
        entities: dict[tuple[str, str], dict[str, Any]] = {}
        for chunk in facts:
            for entity in chunk.entities:
                entities.setdefault(
                    (entity.type, entity.key),
                    {
                        "id": uuid.uuid4(),
                        "project_id": document.project_id,
                        "type": entity.type,
                        "name": entity.name,
                        "key": entity.key,
                        "description": entity.description,
                    },
                )
        if not entities:
            return
        # Sorted, so concurrent ingestions lock shared entities in one order.
        rows = [entities[k] for k in sorted(entities)]
        values = insert(Entity).values(rows)
        upsert = values.on_conflict_do_update(
            index_elements=[Entity.project_id, Entity.type, Entity.key],
            set_={
                "description": func.coalesce(
                    func.nullif(Entity.description, ""), values.excluded.description
                )
            },
        ).returning(Entity.id, Entity.type, Entity.key)
        async with session_scope(self._sessionmaker) as session:
            ids = {(r.type, r.key): r.id for r in await session.execute(upsert)}
            mentions = {
                (ids[(e.type, e.key)], chunk.chunk_id)
                for chunk in facts
                for e in chunk.entities
            }
            if mentions:
                await session.execute(
                    insert(Mention)
                    .values(
                        [
                            {"entity_id": e, "chunk_id": c, "document_id": document.id}
                            for e, c in sorted(mentions)
                        ]
                    )
                    .on_conflict_do_nothing()
                )
            relations = [
                {
                    "id": uuid.uuid4(),
                    "project_id": document.project_id,
                    "document_id": document.id,
                    "chunk_id": chunk.chunk_id,
                    "source_id": ids[r.source],
                    "target_id": ids[r.target],
                    "type": r.type,
                    "description": r.description,
                }
                for chunk in facts
                for r in chunk.relations
                if r.source in ids and r.target in ids
            ]
            if relations:
                await session.execute(
                    insert(Relation).values(relations).on_conflict_do_nothing()
                )

    async def linked_chunks(
        self,
        project_id: uuid.UUID,
        chunk_ids: Sequence[uuid.UUID],
        limit: int,
        document_ids: Sequence[uuid.UUID],
    ) -> list[ChunkHit]:
        if not chunk_ids or not document_ids or limit <= 0:
            return []
        sql = text(
            f"""
            WITH seed AS (
                SELECT DISTINCT m.entity_id FROM knowledge_mentions m
                WHERE m.chunk_id = ANY(:ids)
            ), linked AS (
                SELECT entity_id FROM seed
                UNION SELECT r.target_id FROM knowledge_relations r
                      JOIN seed s ON r.source_id = s.entity_id
                UNION SELECT r.source_id FROM knowledge_relations r
                      JOIN seed s ON r.target_id = s.entity_id
            )
            SELECT {CHUNK_COLUMNS}, count(DISTINCT e.id) AS score,
                   array_agg(DISTINCT e.name ORDER BY e.name) AS via
            FROM linked l
            JOIN knowledge_entities e ON e.id = l.entity_id
            JOIN knowledge_mentions m ON m.entity_id = l.entity_id
            JOIN knowledge_chunks c ON c.id = m.chunk_id
            WHERE c.project_id = :project AND c.document_id = ANY(:documents)
              AND NOT (c.id = ANY(:ids))
            GROUP BY c.id
            ORDER BY score DESC, c.id
            LIMIT :limit
            """  # noqa: S608 (only constants and ints)
        )
        params = {
            "ids": list(chunk_ids),
            "project": project_id,
            "documents": list(document_ids),
            "limit": limit,
        }
        async with self._sessionmaker() as session:
            rows = (await session.execute(sql, params)).all()
        return hits(rows)

    async def entities(
        self,
        project_id: uuid.UUID,
        limit: int,
        document_ids: Sequence[uuid.UUID] | None = None,
    ) -> list[EntitySummary]:
        statement = (
            select(
                Entity.type,
                Entity.name,
                Entity.key,
                func.count(Mention.chunk_id).label("mentions"),
                func.count(func.distinct(Mention.document_id)).label("documents"),
            )
            .join(Mention, Mention.entity_id == Entity.id)
            .where(Entity.project_id == project_id)
            .group_by(Entity.id)
            .order_by(func.count(Mention.chunk_id).desc(), Entity.name)
            .limit(limit)
        )
        if document_ids is not None:
            statement = statement.where(Mention.document_id.in_(list(document_ids)))
        async with self._sessionmaker() as session:
            rows = (await session.execute(statement)).all()
        return [
            EntitySummary(r.type, r.name, r.key, int(r.mentions), int(r.documents))
            for r in rows
        ]

    async def relations(
        self,
        project_id: uuid.UUID,
        limit: int,
        document_ids: Sequence[uuid.UUID] | None = None,
    ) -> list[RelationSummary]:
        source = Entity.__table__.alias("source")
        target = Entity.__table__.alias("target")
        statement = (
            select(
                source.c.name.label("source"),
                source.c.type.label("source_type"),
                target.c.name.label("target"),
                target.c.type.label("target_type"),
                Relation.type,
                Relation.description,
                Relation.document_id,
                Relation.chunk_id,
            )
            .join(source, source.c.id == Relation.source_id)
            .join(target, target.c.id == Relation.target_id)
            .where(Relation.project_id == project_id)
            .order_by(source.c.name, target.c.name, Relation.chunk_id)
            .limit(limit)
        )
        if document_ids is not None:
            statement = statement.where(Relation.document_id.in_(list(document_ids)))
        async with self._sessionmaker() as session:
            rows = (await session.execute(statement)).all()
        return [RelationSummary(*row) for row in rows]
