"""Persona memory: what a persona said before, recalled by meaning.

Every stored answer gets one embedding (`remember`, right after the answer is
stored, off the speaking path). Before a persona speaks, `recall` returns its
earlier answers nearest to the question's embedding (one embedding per
question, computed once and shared by every speaker) through the HNSW index of
the embedding size in use: this group's earlier questions and the project's
earlier groups, never another project's (one filter on `project_id`). Answers
not embedded yet (the last few seconds) are added from this group by recency,
so a persona is never blind to what it just said.

What is recalled is bounded: `RECALL_LIMIT` answers of at most
`RECALL_CHARS` characters each.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from sight.focus_groups.models import (
    FocusGroupResponse,
    TurnRole,
    TurnStatus,
    vector_cast,
)
from sight.llm.gateway import LLMGateway
from sight.llm.types import CallContext
from sight.postgres import SessionMaker, session_scope

RECALL_LIMIT = 4
RECALL_CHARS = 400
MEMORY_FLOW = "focus_groups.memory"


@dataclass(frozen=True)
class Memory:
    response_id: uuid.UUID
    focus_group_id: uuid.UUID
    question: str
    text: str
    distance: float | None

    def as_fact(self) -> dict[str, str]:
        return {
            "id": str(self.response_id),
            "question": self.question,
            "text": self.text,
        }


def vector_literal(vector: list[float]) -> str:
    return "[" + ",".join(f"{float(x):.7g}" for x in vector) + "]"


_RECALL_SQL = """
WITH people AS (SELECT unnest(CAST(:personas AS uuid[])) AS persona_id)
SELECT people.persona_id, m.id, m.focus_group_id, m.question_index, m.text,
       m.distance, g.questions -> m.question_index ->> 'text' AS question
FROM people
CROSS JOIN LATERAL (
    {inner}
) m
JOIN focus_groups g ON g.id = m.focus_group_id
"""

# Nearest by meaning, through the HNSW index of this embedding size.
_NEAREST = """
    SELECT r.id, r.focus_group_id, r.question_index, r.text,
           (r.embedding::{kind}) <=> CAST(:query AS {kind}) AS distance
    FROM focus_group_responses r
    WHERE r.embedding_dimensions = :dims AND r.project_id = :project
      AND r.persona_id = people.persona_id AND r.role = 'persona'
      AND r.status = 'ok'
      AND (r.focus_group_id <> :group OR r.question_index < :question)
    ORDER BY distance
    LIMIT :limit
"""

# Not embedded yet (the last seconds of this group): newest first.
_RECENT = """
    SELECT r.id, r.focus_group_id, r.question_index, r.text,
           CAST(NULL AS float8) AS distance
    FROM focus_group_responses r
    WHERE r.focus_group_id = :group AND r.project_id = :project
      AND r.persona_id = people.persona_id AND r.role = 'persona'
      AND r.status = 'ok' AND r.question_index < :question
      AND r.embedding IS NULL
    ORDER BY r.question_index DESC
    LIMIT :limit
"""


async def recall_many(
    session: AsyncSession,
    *,
    persona_ids: list[uuid.UUID],
    project_id: uuid.UUID,
    query: list[float] | None,
    before: tuple[uuid.UUID, int] | None = None,
    limit: int = RECALL_LIMIT,
) -> dict[uuid.UUID, list[Memory]]:
    """Each persona's earlier answers nearest to `query`, in one round trip
    per kind (a whole wave of speakers at once).

    `before=(group, question)` leaves out that group's answers to this and
    later questions (a persona does not "remember" the answer it is giving).
    """
    found: dict[uuid.UUID, list[Memory]] = {p: [] for p in persona_ids}
    if not persona_ids:
        return found
    group, question = before if before else (uuid.UUID(int=0), 0)
    params: dict[str, object] = {
        "personas": list(persona_ids),
        "project": project_id,
        "group": group,
        "question": question,
        "limit": limit,
    }
    if query is not None:
        kind = vector_cast(len(query))
        # Transaction-local: the relaxed iterative scan keeps walking the index
        # past other personas' answers until `limit` rows pass the filters.
        await session.execute(
            text("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true)")
        )
        sql = _RECALL_SQL.format(inner=_NEAREST.format(kind=kind))
        rows = await session.execute(
            text(sql),  # only constants and an int in the SQL text
            {**params, "query": vector_literal(query), "dims": len(query)},
        )
        for row in rows.all():
            found[row.persona_id].append(_memory(row))
    recent_possible = before is not None and before[1] > 0
    if recent_possible and any(len(m) < limit for m in found.values()):
        rows = await session.execute(text(_RECALL_SQL.format(inner=_RECENT)), params)
        for row in rows.all():
            if len(found[row.persona_id]) < limit:
                found[row.persona_id].append(_memory(row))
    return found


def _memory(row: Any) -> Memory:
    return Memory(
        row.id,
        row.focus_group_id,
        str(row.question or ""),
        str(row.text)[:RECALL_CHARS],
        None if row.distance is None else float(row.distance),
    )


async def recall(
    session: AsyncSession,
    *,
    persona_id: uuid.UUID,
    project_id: uuid.UUID,
    query: list[float] | None,
    before: tuple[uuid.UUID, int] | None = None,
    limit: int = RECALL_LIMIT,
) -> list[Memory]:
    """One persona's earlier answers nearest to `query` (see `recall_many`)."""
    found = await recall_many(
        session,
        persona_ids=[persona_id],
        project_id=project_id,
        query=query,
        before=before,
        limit=limit,
    )
    return found[persona_id]


async def remember(
    sessionmaker: SessionMaker,
    gateway: LLMGateway,
    ctx: CallContext,
    answers: list[tuple[uuid.UUID, str]],
) -> None:
    """Embed stored answers (one batch, one embedding each) and keep the vectors."""
    if not answers:
        return
    vectors = await gateway.embed([t for _, t in answers], ctx, flow=MEMORY_FLOW)
    embedder = await gateway.embedder()
    async with session_scope(sessionmaker) as session:
        for (response_id, _), vector in zip(answers, vectors, strict=True):
            await session.execute(
                update(FocusGroupResponse)
                .where(FocusGroupResponse.id == response_id)
                .values(
                    embedding=vector,
                    embedding_dimensions=len(vector),
                    embedding_model=f"{embedder.name}:{embedder.model}",
                )
            )


async def has_embedded(
    session: AsyncSession, project_id: uuid.UUID, persona_ids: list[uuid.UUID]
) -> bool:
    """Whether any of these personas has an embedded answer in the project."""
    found = await session.scalar(
        select(FocusGroupResponse.id)
        .where(
            FocusGroupResponse.project_id == project_id,
            FocusGroupResponse.persona_id.in_(persona_ids),
            FocusGroupResponse.embedding_dimensions.is_not(None),
        )
        .limit(1)
    )
    return found is not None


async def count_unembedded(session: AsyncSession, group_id: uuid.UUID) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(FocusGroupResponse)
            .where(
                FocusGroupResponse.focus_group_id == group_id,
                FocusGroupResponse.role == TurnRole.persona,
                FocusGroupResponse.status == TurnStatus.ok,
                FocusGroupResponse.embedding.is_(None),
            )
        )
        or 0
    )
