"""SQL of analysis: reading a group's answers, storing annotations and results."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from sight.analysis.annotate import Annotation
from sight.analysis.inputs import DIMENSIONS, AnswerRecord, GroupRecord
from sight.analysis.models import AnalysisAnnotation, AnalysisResult, ResultKind
from sight.demographics import load_census
from sight.focus_groups.models import FocusGroup, FocusGroupResponse
from sight.jobs.models import Job
from sight.personas.models import Persona
from sight.projects.models import Project

JOB_KIND = "analysis.run"


def _labels(country: str, language: str) -> dict[str, dict[str, str]]:
    """Census labels of demographic keys in the group's language."""
    try:
        census = load_census(country)
    except (KeyError, ValueError, FileNotFoundError):
        return {}
    labels: dict[str, dict[str, str]] = {}
    for dimension in DIMENSIONS:
        name = "income" if dimension == "income_band" else dimension
        spec = census.dimensions.get(name)
        if spec is None:
            continue
        labels[dimension] = {
            c.key: str(getattr(c.labels, language, c.key)) for c in spec.categories
        }
    return labels


async def load_group(session: AsyncSession, group_id: uuid.UUID) -> GroupRecord | None:
    """The group's persona answers that were spoken (status ok), in order."""
    group = await session.get(FocusGroup, group_id)
    if group is None:
        return None
    project = await session.get(Project, group.project_id)
    country = project.country if project is not None else "PL"
    rows = (
        await session.execute(
            select(FocusGroupResponse, Persona)
            .join(Persona, Persona.id == FocusGroupResponse.persona_id)
            .where(
                FocusGroupResponse.focus_group_id == group_id,
                FocusGroupResponse.role == "persona",
                FocusGroupResponse.status == "ok",
            )
            .order_by(
                FocusGroupResponse.question_index,
                FocusGroupResponse.round,
                FocusGroupResponse.position,
            )
        )
    ).all()
    questions = [str(q.get("text", "")) for q in group.questions]
    answers = [
        AnswerRecord(
            id=turn.id,
            persona_id=persona.id,
            persona_name=persona.full_name,
            segment=persona.segment,
            demographics={d: str(getattr(persona, d)) for d in DIMENSIONS},
            question_index=turn.question_index,
            question=(
                questions[turn.question_index]
                if turn.question_index < len(questions)
                else ""
            ),
            text=turn.text,
            round=turn.round,
            reply_to_id=turn.reply_to_id,
        )
        for turn, persona in rows
        if turn.text.strip()
    ]
    stimulus = group.stimulus or {}
    return GroupRecord(
        id=group.id,
        project_id=group.project_id,
        name=group.name,
        language=group.language,
        country=country,
        questions=questions,
        answers=answers,
        stimulus=" ".join(
            str(stimulus.get(k, "")) for k in ("title", "content")
        ).strip(),
        labels=_labels(country, group.language),
    )


def _annotation(row: AnalysisAnnotation) -> Annotation:
    return Annotation(
        response_id=row.response_id,
        sentiment=row.sentiment,  # type: ignore[arg-type]
        score=row.score,
        confidence=row.confidence,
        themes=tuple(row.themes),
        concepts=tuple(row.concepts),
        method=row.method,
    )


async def load_annotations(
    session: AsyncSession, group_id: uuid.UUID
) -> dict[uuid.UUID, Annotation]:
    rows = await session.scalars(
        select(AnalysisAnnotation).where(AnalysisAnnotation.focus_group_id == group_id)
    )
    return {row.response_id: _annotation(row) for row in rows}


async def save_annotations(
    session: AsyncSession,
    group: GroupRecord,
    items: Sequence[Annotation],
) -> None:
    """Insert or replace (by response): a re-run overwrites, never duplicates."""
    by_id = {a.id: a for a in group.answers}
    for item in items:
        answer = by_id[item.response_id]
        values: dict[str, Any] = {
            "focus_group_id": group.id,
            "response_id": item.response_id,
            "persona_id": answer.persona_id,
            "question_index": answer.question_index,
            "sentiment": item.sentiment,
            "score": item.score,
            "confidence": item.confidence,
            "themes": list(item.themes),
            "concepts": list(item.concepts),
            "method": item.method,
        }
        statement = insert(AnalysisAnnotation).values(id=uuid.uuid4(), **values)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[AnalysisAnnotation.response_id],
                set_={k: v for k, v in values.items() if k != "response_id"},
            )
        )


async def delete_annotations(session: AsyncSession, group_id: uuid.UUID) -> None:
    await session.execute(
        delete(AnalysisAnnotation).where(AnalysisAnnotation.focus_group_id == group_id)
    )


async def save_result(
    session: AsyncSession,
    group: GroupRecord,
    kind: ResultKind,
    content: dict[str, Any],
    generated_by: str,
    job_id: uuid.UUID | None,
) -> None:
    values: dict[str, Any] = {
        "focus_group_id": group.id,
        "project_id": group.project_id,
        "kind": str(kind),
        "content": content,
        "generated_by": generated_by,
        "job_id": job_id,
    }
    statement = insert(AnalysisResult).values(id=uuid.uuid4(), **values)
    await session.execute(
        statement.on_conflict_do_update(
            constraint="uq_analysis_results_kind",
            set_={
                "content": content,
                "generated_by": generated_by,
                "job_id": job_id,
                "updated_at": func.now(),
            },
        )
    )


async def result(
    session: AsyncSession, group_id: uuid.UUID, kind: ResultKind
) -> AnalysisResult | None:
    row: AnalysisResult | None = await session.scalar(
        select(AnalysisResult).where(
            AnalysisResult.focus_group_id == group_id,
            AnalysisResult.kind == str(kind),
        )
    )
    return row


async def result_kinds(session: AsyncSession, group_id: uuid.UUID) -> set[str]:
    rows = await session.scalars(
        select(AnalysisResult.kind).where(AnalysisResult.focus_group_id == group_id)
    )
    return set(rows)


async def latest_job(session: AsyncSession, group_id: uuid.UUID) -> Job | None:
    job: Job | None = await session.scalar(
        select(Job)
        .where(
            Job.kind == JOB_KIND,
            Job.params["focus_group_id"].astext == str(group_id),
        )
        .order_by(Job.created_at.desc())
        .limit(1)
    )
    return job
