"""One fidelity run, the same for the API's job and `sight eval fidelity`.

The persona sample is drawn per group (`sample.py`); every respondent answers
the whole questionnaire in one structured call through the surveys'
answering path (`sight.surveys.answering.answer_questionnaire`: options
shuffled per respondent and mapped back, invalid answers repaired); each
answer is stored as it arrives, so a resumed run asks only those who have not
answered. The measures are computed in a worker thread and stored with the
run.

No database session is held across a model call.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update

from sight.config import Settings
from sight.fidelity import repository
from sight.fidelity.benchmark import Benchmark, scored_options
from sight.fidelity.models import FidelityRun, RunStatus
from sight.fidelity.sample import (
    Respondent,
    draw_sample,
    overall_mixture,
    sample_digest,
    sample_summary,
)
from sight.kit.errors import SightError
from sight.llm.budget import BudgetExceeded
from sight.llm.gateway import LLMGateway
from sight.llm.types import CallContext
from sight.postgres import SessionMaker, session_scope
from sight.prompts import surveys as survey_prompts
from sight.surveys.answering import RunSetup, answer_questionnaire
from sight.surveys.schemas import Question

logger = logging.getLogger("sight.fidelity")

# The framing of the questionnaire and personas below; recorded with each run
# beside the surveys' prompt version.
FIDELITY_VERSION = "fidelity-2026-12-01.1"
SURVEY_TITLE = {"en": "Opinion survey", "pl": "Badanie opinii"}
PROGRESS_EVERY = 1.0
# Respondents answering at once. The provider's own limit (concurrency C)
# bounds the calls, but every call also needs database connections (cache,
# budget, usage) and the answer its own transaction: with all 3,600
# respondents of a full GSS run started at once (and again with 128 at once on
# a machine at load 19), calls waited longer than the pool's 30 s timeout for
# a connection. Twice C keeps the provider busy (a respondent's second part
# waits for its first).
MAX_IN_FLIGHT = 128


def in_flight_for(settings: Settings, provider: str) -> int:
    limits = settings.llm.limits.get(provider)
    concurrency = limits.concurrency if limits is not None else 10
    return max(4, min(MAX_IN_FLIGHT, 2 * concurrency))


Progress = Callable[[int, int, str], Awaitable[None]]
Check = Callable[[], Awaitable[None]]


@dataclass
class Hooks:
    progress: Progress
    check_cancelled: Check


@dataclass
class _State:
    total: int
    done: int
    failures: list[str] = field(default_factory=list)
    reported_at: float = 0.0


def questionnaire(bench: Benchmark, volunteered: str) -> list[Question]:
    return [
        Question(
            id=q.id,
            type="single-choice",
            title=q.text,
            options=[q.options[i] for i in scored_options(q, volunteered)],
        )
        for q in bench.questions
    ]


def _indices(
    answers: dict[str, Any], questions: list[Question]
) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for q in questions:
        value = answers.get(q.id)
        options = q.options or []
        out[q.id] = options.index(value) if value in options else None
    return out


async def execute(
    sessionmaker: SessionMaker,
    llm: LLMGateway,
    ctx: CallContext,
    run_id: uuid.UUID,
    bench: Benchmark,
    hooks: Hooks,
    *,
    in_flight: int = 16,
) -> dict[str, Any]:
    async with sessionmaker() as session:
        run = await repository.get_run(session, run_id)
        params = dict(run.params)
        answered = await repository.answered_keys(session, run_id)
        started_at = run.created_at
        job_id = run.job_id
    per_group, seed = int(params["per_group"]), int(params["seed"])
    volunteered = str(params.get("volunteered", "omit"))
    respondents = await asyncio.to_thread(draw_sample, bench, per_group, seed)
    questions = questionnaire(bench, volunteered)
    setup = RunSetup(
        questions=questions,
        language=bench.language,
        title=SURVEY_TITLE.get(bench.language, SURVEY_TITLE["en"]),
        description="",
        shuffle=True,
        rating_words=False,
        seed=seed,
    )
    # A questionnaire too long for the model's output limit is asked in
    # consecutive parts (the surveys' rule), e.g. the 57 GSS questions in two.
    setup.max_tokens = (await llm.route("surveys.answer", ctx)).max_tokens
    state = _State(total=len(respondents), done=len(answered))
    await hooks.progress(state.done, state.total, "answering")
    remaining = [r for r in respondents if r.key not in answered]
    slots = asyncio.Semaphore(in_flight)

    async def one(respondent: Respondent) -> None:
        async with slots:
            await _one(sessionmaker, llm, ctx, run_id, setup, respondent, state, hooks)

    try:
        async with asyncio.TaskGroup() as group:
            pending = [group.create_task(one(r)) for r in remaining]
            group.create_task(_watch(hooks, pending))
    except* BudgetExceeded as budget:
        first = budget.exceptions[0]
        detail = first.detail if isinstance(first, BudgetExceeded) else str(first)
        raise BudgetExceeded(
            f"{detail}; stopped after {state.done} of {state.total} respondents"
        ) from None
    if state.done == 0:
        reason = state.failures[0] if state.failures else "no respondents"
        raise SightError(f"no respondent could answer: {reason}", status_code=502)
    await hooks.progress(state.total, state.total, "computing the measures")
    return await _finish(
        sessionmaker,
        run_id,
        bench,
        questions,
        volunteered,
        respondents,
        job_id=job_id,
        started_at=started_at,
        params=params,
    )


async def _watch(hooks: Hooks, pending: list[asyncio.Task[None]]) -> None:
    while not all(task.done() for task in pending):
        await hooks.check_cancelled()
        await asyncio.sleep(1.0)


async def _one(
    sessionmaker: SessionMaker,
    llm: LLMGateway,
    ctx: CallContext,
    run_id: uuid.UUID,
    setup: RunSetup,
    respondent: Respondent,
    state: _State,
    hooks: Hooks,
) -> None:
    try:
        result = await answer_questionnaire(
            llm, ctx, setup, respondent.persona, respondent.key
        )
    except BudgetExceeded:
        raise
    except SightError as exc:
        state.failures.append(str(exc.detail))
        logger.warning("fidelity respondent %s failed: %s", respondent.key, exc.detail)
        return
    async with session_scope(sessionmaker) as session:
        stored = await repository.insert_response(
            session,
            {
                "id": uuid.uuid4(),
                "run_id": run_id,
                "respondent": respondent.key,
                "group_id": respondent.group,
                "answers": _indices(result.answers, setup.questions),
                "generated_by": result.generated_by,
            },
        )
    if stored:
        state.done += 1
        # At most one progress write a second (each is a transaction and a
        # stream event); the last answer always reports.
        now = time.monotonic()
        if now - state.reported_at >= PROGRESS_EVERY or state.done == state.total:
            state.reported_at = now
            await hooks.progress(
                state.done, state.total, f"{respondent.group} answered"
            )


async def _finish(
    sessionmaker: SessionMaker,
    run_id: uuid.UUID,
    bench: Benchmark,
    questions: list[Question],
    volunteered: str,
    respondents: list[Respondent],
    *,
    job_id: uuid.UUID | None,
    started_at: datetime,
    params: dict[str, Any],
) -> dict[str, Any]:
    async with sessionmaker() as session:
        rows = await repository.responses(session, run_id)
        calls, cost = await repository.usage(session, job_id=job_id, since=started_at)
        run = await repository.get_run(session, run_id)
        provider, model, offline = run.provider, run.model, run.offline
        prompt_version = run.prompt_version
    counts: dict[str, dict[str, list[int]]] = {}
    dropped: dict[str, int] = {}
    generated_by: set[str] = set()
    for group, answers, by in rows:
        generated_by.add(by)
        by_question = counts.setdefault(group, {})
        for q in questions:
            k = len(q.options or [])
            tally = by_question.setdefault(q.id, [0] * k)
            index = answers.get(q.id)
            if isinstance(index, int) and 0 <= index < k:
                tally[index] += 1
            else:
                dropped[q.id] = dropped.get(q.id, 0) + 1
    mixture = overall_mixture(bench)
    report = await asyncio.to_thread(
        _compute,
        bench,
        counts,
        volunteered,
        mixture,
        dropped,
        len(rows),
        int(params["seed"]),
    )
    finished = datetime.now(UTC)
    offline = offline or any(b.startswith("offline") for b in generated_by)
    report["repeatability"] = {
        "benchmark": bench.name,
        "provider": provider,
        "model": model,
        "generated_by": sorted(generated_by),
        "prompt_version": prompt_version,
        "fidelity_version": FIDELITY_VERSION,
        "persona_sample": {
            **sample_summary(bench, int(params["per_group"]), int(params["seed"])),
            "respondents": len(respondents),
            "digest": sample_digest(respondents),
        },
        "seed": int(params["seed"]),
        "questions": [q.id for q in questions],
        "groups": [g.id for g in bench.groups],
        "volunteered_options": volunteered,
        "options_shuffled": True,
        "calls": calls,
        "cost_usd": round(cost, 6),
        "started_at": started_at.isoformat(),
        "finished_at": finished.isoformat(),
    }
    report["offline"] = offline
    report["benchmark"] = {
        "name": bench.name,
        "title": bench.title,
        "country": bench.country,
        "citation": bench.citation,
        "source": bench.source,
    }
    async with session_scope(sessionmaker) as session:
        await session.execute(
            update(FidelityRun)
            .where(FidelityRun.id == run_id)
            .values(
                status=RunStatus.completed,
                result=report,
                score=report["summary"]["score"],
                calls=calls,
                cost_usd=round(cost, 6),
                offline=offline,
                finished_at=finished,
            )
        )
    return {
        "score": report["summary"]["score"],
        "respondents": len(rows),
        "calls": calls,
        "offline": offline,
    }


def _compute(
    bench: Benchmark,
    counts: dict[str, dict[str, list[int]]],
    volunteered: str,
    mixture: dict[str, float] | None,
    dropped: dict[str, int],
    asked: int,
    seed: int,
) -> dict[str, Any]:
    from sight.fidelity.report import compute_report  # SciPy: in this thread

    return compute_report(
        bench,
        counts,
        volunteered=volunteered,
        mixture=mixture,
        dropped=dropped,
        asked=asked,
        seed=seed,
    )


async def mark(
    sessionmaker: SessionMaker, run_id: uuid.UUID, status: str, error: str | None = None
) -> None:
    async with session_scope(sessionmaker) as session:
        await session.execute(
            update(FidelityRun)
            .where(FidelityRun.id == run_id)
            .values(status=status, error=error, finished_at=datetime.now(UTC))
        )


def version() -> str:
    return survey_prompts.PROMPT_VERSION
