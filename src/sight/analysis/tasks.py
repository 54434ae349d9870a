"""The `analysis.run` job: annotate → reports → concept graph → AI summary.

Params: `focus_group_id`, `summary` (write the AI summary too),
`use_pro_model`, `include_recommendations`.

Resumable: annotations are stored per answer as each batch finishes, so a
retried attempt annotates only the answers still missing; the reports and the
graph are recomputed from the table (cheap), and the summary is one call. A
new run (attempt 1) starts from scratch so a changed transcript or model is
picked up. Progress per stage on the job's stream: `annotations` (answers),
then `reports` (steps).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from sight.analysis import aggregate, concept_graph, repository
from sight.analysis.annotate import (
    LLM_BATCH,
    LOCAL_BATCH,
    Annotation,
    LocalAnnotator,
    annotate_with_model,
    uses_model,
)
from sight.analysis.concept_graph_neo4j import keep_in_store
from sight.analysis.inputs import GroupRecord
from sight.analysis.models import ResultKind
from sight.analysis.schemas import SentimentReport, ThemeReport
from sight.analysis.summary import write_summary
from sight.jobs.registry import job_handler
from sight.jobs.runtime import JobContext
from sight.kit.errors import SightError
from sight.knowledge.runtime import analyse_concept_graph, backend_for
from sight.postgres import session_scope

logger = logging.getLogger("sight.analysis")


class NothingToAnalyse(SightError):
    status_code = 409


@job_handler(repository.JOB_KIND)
async def run_analysis(ctx: JobContext) -> dict[str, Any]:
    group_id = uuid.UUID(str(ctx.params["focus_group_id"]))
    async with ctx.sessionmaker() as session:
        group = await repository.load_group(session, group_id)
    if group is None:
        raise SightError("the focus group was deleted", status_code=404)
    if not group.answers:
        raise NothingToAnalyse("the focus group has no answers to analyse yet")
    if not ctx.checkpoint("started"):
        async with session_scope(ctx.sessionmaker) as session:
            await repository.delete_annotations(session, group.id)
            await ctx.save_checkpoint("started", True, session=session)
    notes, method = await _annotate(ctx, group)
    steps = 3 if ctx.params.get("summary") else 2
    await ctx.progress(0, steps, "sentiment and themes", stage="reports")
    sentiment, themes = await asyncio.to_thread(_reports, group, notes, method)
    async with session_scope(ctx.sessionmaker) as session:
        for kind, report in (
            (ResultKind.sentiment, sentiment),
            (ResultKind.themes, themes),
        ):
            await repository.save_result(
                session,
                group,
                kind,
                report.model_dump(mode="json"),
                method,
                ctx.job_id,
            )
    await ctx.progress(1, steps, "concept graph", stage="reports")
    graph = await _concept_graph(ctx, group, notes, method)
    result: dict[str, Any] = {
        "focus_group_id": str(group.id),
        "responses_analyzed": len(notes),
        "sentiment_method": method,
        "concepts": len(graph["nodes"]),
    }
    if ctx.params.get("summary"):
        await ctx.check_cancelled()
        await ctx.progress(2, steps, "AI summary", stage="reports")
        summary = await write_summary(
            ctx.llm,
            ctx.call_context,
            group,
            notes,
            use_pro_model=bool(ctx.params.get("use_pro_model", True)),
            include_recommendations=bool(
                ctx.params.get("include_recommendations", True)
            ),
            sentiment_method=method,
        )
        async with session_scope(ctx.sessionmaker) as session:
            await repository.save_result(
                session,
                group,
                ResultKind.summary,
                summary.model_dump(mode="json"),
                summary.metadata.generated_by,
                ctx.job_id,
            )
        result["insights"] = len(summary.key_insights)
        result["generated_by"] = summary.metadata.generated_by
    await ctx.progress(steps, steps, "done", stage="reports")
    return result


async def _annotate(
    ctx: JobContext, group: GroupRecord
) -> tuple[dict[uuid.UUID, Annotation], str]:
    async with ctx.sessionmaker() as session:
        notes = await repository.load_annotations(session, group.id)
    local = LocalAnnotator(
        ctx.llm, ctx.call_context, group.language, [a.text for a in group.answers]
    )
    with_model = await uses_model(ctx.llm, ctx.call_context)
    batch_size = LLM_BATCH if with_model else LOCAL_BATCH
    missing = [a for a in group.answers if a.id not in notes]
    total = len(group.answers)
    await ctx.progress(len(notes), total, "annotating answers", stage="annotations")
    for start in range(0, len(missing), batch_size):
        await ctx.check_cancelled()
        batch = missing[start : start + batch_size]
        if with_model:
            items = await annotate_with_model(
                ctx.llm, ctx.call_context, group.language, batch, local
            )
        else:
            items = await local.annotate(batch)
        async with session_scope(ctx.sessionmaker) as session:
            await repository.save_annotations(session, group, items)
            notes.update({item.response_id: item for item in items})
            await ctx.progress(
                len(notes),
                total,
                "annotating answers",
                stage="annotations",
                session=session,
            )
    methods = sorted({n.method for n in notes.values()})
    return notes, " + ".join(methods) if methods else local.method


def _reports(
    group: GroupRecord, notes: dict[uuid.UUID, Annotation], method: str
) -> tuple[SentimentReport, ThemeReport]:
    by_answer = {a.id: a for a in group.answers}
    per_question = aggregate.per_question(group, notes)
    generated_by = "offline-engine" if method.startswith("local") else method
    sentiment = SentimentReport(
        focus_group_id=group.id,
        method=method,
        generated_by=generated_by,
        overall=aggregate.overall(list(notes.values())),
        per_question=per_question,
        per_segment=aggregate.per_segment(group, notes),
        responses=[
            {
                "response_id": n.response_id,
                "persona_id": by_answer[n.response_id].persona_id,
                "question_index": by_answer[n.response_id].question_index,
                "sentiment": n.sentiment,
                "score": n.score,
                "confidence": n.confidence,
                "themes": list(n.themes),
                "method": n.method,
            }
            for n in notes.values()
            if n.response_id in by_answer
        ],
        computed_at=datetime.now(UTC),
    )
    themes = ThemeReport(
        focus_group_id=group.id,
        method=method,
        generated_by=generated_by,
        themes=aggregate.theme_counts(group, notes),
        per_question=per_question,
    )
    return sentiment, themes


async def _concept_graph(
    ctx: JobContext,
    group: GroupRecord,
    notes: dict[uuid.UUID, Annotation],
    method: str,
) -> dict[str, Any]:
    settings, sessionmaker = ctx.runtime.settings, ctx.sessionmaker
    data = await asyncio.to_thread(concept_graph.build, group, notes)
    analytics = await analyse_concept_graph(
        settings, sessionmaker, data.nodes, data.edges
    )
    backend = backend_for(settings, sessionmaker)
    graph = concept_graph.assemble(
        group, data, analytics, method=method, store=backend.store_name
    )
    content = graph.model_dump(mode="json")
    async with session_scope(sessionmaker) as session:
        await repository.save_result(
            session, group, ResultKind.concept_graph, content, method, ctx.job_id
        )
    # With Neo4j as the knowledge store the group's graph is kept there too.
    await keep_in_store(backend.store, str(group.project_id), group.name, graph)
    return content
