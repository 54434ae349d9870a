"""Analysis of a focus group: the AI summary (original shape), per-answer
sentiment and themes with their aggregates, and the concept graph."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, status

from sight.analysis import repository, service
from sight.analysis.dependencies import GroupReader, GroupWriter
from sight.analysis.models import ResultKind
from sight.analysis.schemas import (
    AISummary,
    AnalysisAccepted,
    AnalysisStatusRead,
    ConceptGraphRead,
    SentimentReport,
    ThemeReport,
)
from sight.deps import CurrentUser, DbSession, State
from sight.kit.routers import domain_router
from sight.kit.routing import API_PREFIX

router = domain_router(prefix=API_PREFIX, tags=["analysis"])


def _accepted(
    group_id: object, job_id: object, kind: str, cost: dict[str, object]
) -> AnalysisAccepted:
    return AnalysisAccepted.model_validate(
        {
            "focus_group_id": group_id,
            "job_id": job_id,
            "kind": kind,
            "status_url": f"{API_PREFIX}/jobs/{job_id}",
            "events_url": f"{API_PREFIX}/jobs/{job_id}/events",
            "estimate": cost,
        }
    )


@router.post(
    "/focus-groups/{focus_group_id}/ai-summary",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=AnalysisAccepted,
)
async def start_summary(
    group: GroupWriter,
    user: CurrentUser,
    state: State,
    session: DbSession,
    use_pro_model: Annotated[
        bool, Query(description="The strong model tier (else the fast one).")
    ] = True,
    include_recommendations: Annotated[
        bool, Query(description="Write recommendations (else left empty).")
    ] = True,
) -> AnalysisAccepted:
    """Analyse the group and write its AI summary (a job; follow `events_url`).
    Sentiment, themes and the concept graph are computed on the way."""
    job, cost = await service.start(
        session,
        state.queue_app,
        state.llm,
        group,
        user.id,
        summary=True,
        use_pro_model=use_pro_model,
        include_recommendations=include_recommendations,
    )
    return _accepted(group.id, job.id, repository.JOB_KIND, cost)


@router.get("/focus-groups/{focus_group_id}/ai-summary", response_model=AISummary)
async def get_summary(group: GroupReader, session: DbSession) -> AISummary:
    content = await service.stored(session, group.id, ResultKind.summary, "summary")
    return AISummary.model_validate(content)


@router.post(
    "/focus-groups/{focus_group_id}/analysis",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=AnalysisAccepted,
)
async def start_analysis(
    group: GroupWriter, user: CurrentUser, state: State, session: DbSession
) -> AnalysisAccepted:
    """Sentiment, themes and the concept graph only (no summary call)."""
    job, cost = await service.start(
        session, state.queue_app, state.llm, group, user.id, summary=False
    )
    return _accepted(group.id, job.id, repository.JOB_KIND, cost)


@router.get(
    "/focus-groups/{focus_group_id}/analysis", response_model=AnalysisStatusRead
)
async def analysis_status(group: GroupReader, session: DbSession) -> AnalysisStatusRead:
    """What is computed for the group, and the latest analysis job."""
    job = await repository.latest_job(session, group.id)
    kinds = await repository.result_kinds(session, group.id)
    return AnalysisStatusRead(
        focus_group_id=group.id,
        job_id=job.id if job else None,
        status=job.status if job else None,
        error=job.error if job else None,
        has_summary=ResultKind.summary in kinds,
        has_sentiment=ResultKind.sentiment in kinds,
        has_concept_graph=ResultKind.concept_graph in kinds,
    )


@router.get("/focus-groups/{focus_group_id}/sentiment", response_model=SentimentReport)
async def get_sentiment(group: GroupReader, session: DbSession) -> SentimentReport:
    """Per answer, per question and per segment, with the method that made it."""
    content = await service.stored(
        session, group.id, ResultKind.sentiment, "sentiment analysis"
    )
    return SentimentReport.model_validate(content)


@router.get("/focus-groups/{focus_group_id}/themes", response_model=ThemeReport)
async def get_themes(group: GroupReader, session: DbSession) -> ThemeReport:
    content = await service.stored(session, group.id, ResultKind.themes, "themes")
    return ThemeReport.model_validate(content)


@router.get(
    "/focus-groups/{focus_group_id}/concept-graph", response_model=ConceptGraphRead
)
async def get_concept_graph(group: GroupReader, session: DbSession) -> ConceptGraphRead:
    content = await service.stored(
        session, group.id, ResultKind.concept_graph, "concept graph"
    )
    return ConceptGraphRead.model_validate(content)
