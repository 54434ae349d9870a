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

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from sight.focus_groups.models import (
    FocusGroup,
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


async def _nearest(
    session: AsyncSession,
    persona_id: uuid.UUID,
    project_id: uuid.UUID,
    query: list[float],
    before: tuple[uuid.UUID, int] | None,
    limit: int,
) -> list[Memory]:
    kind = vector_cast(len(query))
    # Transaction-local: the relaxed iterative scan keeps walking the index past
    # other personas' answers until `limit` rows pass the filters.
    await session.execute(
        text("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true)")
    )
    rows = await session.execute(
        text(
            f"""
            SELECT id, focus_group_id, question_index, text,
                   (embedding::{kind}) <=> CAST(:query AS {kind}) AS distance
            FROM focus_group_responses
            WHERE embedding_dimensions = :dims AND project_id = :project
              AND persona_id = :persona AND role = 'persona' AND status = 'ok'
              AND (CAST(:group AS uuid) IS NULL OR focus_group_id <> :group
                   OR question_index < :question)
            ORDER BY distance
            LIMIT :limit
            """  # noqa: S608 (only constants and ints)
        ),
        {
            "query": vector_literal(query),
            "dims": len(query),
            "project": project_id,
            "persona": persona_id,
            "group": before[0] if before else None,
            "question": before[1] if before else 0,
            "limit": limit,
        },
    )
    return [
        Memory(r.id, r.focus_group_id, str(r.question_index), r.text, float(r.distance))
        for r in rows.all()
    ]


async def recall(
    session: AsyncSession,
    *,
    persona_id: uuid.UUID,
    project_id: uuid.UUID,
    query: list[float] | None,
    before: tuple[uuid.UUID, int] | None = None,
    limit: int = RECALL_LIMIT,
) -> list[Memory]:
    """The persona's earlier answers nearest to `query`.

    `before=(group, question)` leaves out that group's answers to this and
    later questions (a persona does not "remember" the answer it is giving).
    """
    base = [
        FocusGroupResponse.persona_id == persona_id,
        FocusGroupResponse.project_id == project_id,
        FocusGroupResponse.role == TurnRole.persona,
        FocusGroupResponse.status == TurnStatus.ok,
    ]
    if before is not None:
        group_id, question_index = before
        base.append(
            (FocusGroupResponse.focus_group_id != group_id)
            | (FocusGroupResponse.question_index < question_index)
        )
    found: list[Memory] = []
    if query is not None:
        found = await _nearest(session, persona_id, project_id, query, before, limit)
    if len(found) < limit and before is not None:
        # Not embedded yet: this group's latest answers, newest first.
        rows = await session.execute(
            select(
                FocusGroupResponse.id,
                FocusGroupResponse.focus_group_id,
                FocusGroupResponse.question_index,
                FocusGroupResponse.text,
            )
            .where(
                *base,
                FocusGroupResponse.focus_group_id == before[0],
                FocusGroupResponse.embedding.is_(None),
            )
            .order_by(FocusGroupResponse.question_index.desc())
            .limit(limit - len(found))
        )
        for row in rows.all():
            found.append(
                Memory(
                    row.id, row.focus_group_id, str(row.question_index), row.text, None
                )
            )
    return [await _with_question(session, m) for m in found]


async def _with_question(session: AsyncSession, memory: Memory) -> Memory:
    questions = await session.scalar(
        select(FocusGroup.questions).where(FocusGroup.id == memory.focus_group_id)
    )
    index = int(memory.question)
    question = (
        str(questions[index]["text"]) if questions and index < len(questions) else ""
    )
    return Memory(
        memory.response_id,
        memory.focus_group_id,
        question,
        memory.text[:RECALL_CHARS],
        memory.distance,
    )


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
