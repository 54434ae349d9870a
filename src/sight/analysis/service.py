"""Starting an analysis and reading its results. Services never commit."""

from __future__ import annotations

import math
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sight.analysis import repository
from sight.analysis.annotate import FLOW as ANNOTATE_FLOW
from sight.analysis.annotate import LLM_BATCH
from sight.analysis.models import ResultKind
from sight.analysis.summary import summary_flow
from sight.focus_groups.models import ACTIVE_STATUSES, FocusGroup, FocusGroupResponse
from sight.jobs.models import TERMINAL_STATUSES, Job
from sight.jobs.service import create_job
from sight.kit.errors import Conflict, SightError
from sight.llm.gateway import LLMGateway
from sight.llm.types import CallContext

if TYPE_CHECKING:
    import procrastinate


class AnalysisAlreadyRunning(Conflict):
    pass


class NoAnswersYet(Conflict):
    pass


class NotComputed(SightError):
    status_code = 404


async def _answers(session: AsyncSession, group_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(FocusGroupResponse)
        .where(
            FocusGroupResponse.focus_group_id == group_id,
            FocusGroupResponse.role == "persona",
            FocusGroupResponse.status == "ok",
        )
    )
    return int(count or 0)


async def estimate(
    llm: LLMGateway, ctx: CallContext, answers: int, *, summary: bool, pro: bool
) -> dict[str, Any]:
    annotate_route = await llm.route(ANNOTATE_FLOW, ctx)
    parts = []
    if annotate_route.provider != "offline":
        calls = math.ceil(answers / LLM_BATCH)
        parts.append(await llm.estimate(ANNOTATE_FLOW, calls, ctx))
    if summary:
        parts.append(await llm.estimate(summary_flow(pro), 1, ctx))
    return {
        "usd": round(sum(p.usd for p in parts), 6),
        "calls": sum(p.calls for p in parts),
        "flows": [p.model_dump() for p in parts],
    }


async def start(
    session: AsyncSession,
    queue_app: procrastinate.App,
    llm: LLMGateway,
    group: FocusGroup,
    user_id: uuid.UUID,
    *,
    summary: bool,
    use_pro_model: bool = True,
    include_recommendations: bool = True,
) -> tuple[Job, dict[str, Any]]:
    if group.status in ACTIVE_STATUSES:
        raise Conflict(
            "the focus group is still running; analyse it when it has finished"
        )
    answers = await _answers(session, group.id)
    if answers == 0:
        raise NoAnswersYet("the focus group has no answers to analyse yet")
    running = await repository.latest_job(session, group.id)
    if running is not None and running.status not in TERMINAL_STATUSES:
        raise AnalysisAlreadyRunning(
            f"an analysis of this focus group is already running (job {running.id})"
        )
    ctx = CallContext(user_id=user_id, project_id=group.project_id)
    cost = await estimate(llm, ctx, answers, summary=summary, pro=use_pro_model)
    await llm.ensure_budget(ctx, cost["usd"])
    job = await create_job(
        session,
        queue_app,
        user_id=user_id,
        kind=repository.JOB_KIND,
        params={
            "focus_group_id": str(group.id),
            "summary": summary,
            "use_pro_model": use_pro_model,
            "include_recommendations": include_recommendations,
        },
        project_id=group.project_id,
    )
    return job, cost


async def stored(
    session: AsyncSession, group_id: uuid.UUID, kind: ResultKind, what: str
) -> dict[str, Any]:
    row = await repository.result(session, group_id, kind)
    if row is None:
        raise NotComputed(
            f"no {what} for focus group {group_id} yet; start it with "
            f"POST /api/v1/focus-groups/{group_id}/"
            f"{'ai-summary' if kind == ResultKind.summary else 'analysis'}"
        )
    return row.content
