"""The `surveys.run` job: every respondent answers the questionnaire in one
structured call, concurrently within the provider's limits; each respondent's
answers and its stream events are stored together (answers ready together
share one transaction, `_store_answers`); the stream shows who answers
(`respondents`, `answering`, `respondent`, `respondent_failed`) and partial
results once a second; open answers are embedded for the themes as they
arrive; at the end the statistics and bias guards are computed in a worker
thread while the last embeddings finish, and the full results (themes
included) are stored once (`results`, `completed`).

Resumable: the respondent list is a checkpoint, and a response is unique per
(survey, persona), so a retried or re-queued attempt answers only for the
personas that have no response yet, and never twice.
"""

from __future__ import annotations

import asyncio
import logging
import math
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from sight import streams
from sight.demographics import load_census
from sight.jobs.registry import job_handler, worker_warm_up
from sight.jobs.runtime import JobCancelled, JobContext
from sight.kit.errors import SightError
from sight.llm.budget import BudgetExceeded
from sight.personas.models import Persona
from sight.postgres import SessionMaker, session_scope
from sight.projects.models import Project
from sight.prompts import surveys as prompts
from sight.streams import CancelledEvent, CompletedEvent, FailedEvent, ProgressEvent
from sight.surveys import offline as _offline  # noqa: F401 (registers composers)
from sight.surveys import repository, sharding
from sight.surveys.answering import (
    Answered,
    RunSetup,
    answer_questionnaire,
    persona_facts,
)
from sight.surveys.batching import EmbeddingBatcher
from sight.surveys.events import (
    PartialResults,
    Respondent,
    RespondentAnswered,
    RespondentFailed,
    RespondentsAnswering,
    RespondentsListed,
    ResultsReady,
    survey_stream,
)
from sight.surveys.mapping import anchor_statements, flatten
from sight.surveys.models import Survey, SurveyStatus
from sight.surveys.repository import DEMOGRAPHIC_COLUMNS
from sight.surveys.schemas import Question, Respondents
from sight.surveys.service import (
    compute_results_in_thread,
    partial_results_in_thread,
    warm_statistics,
    with_themes_in_thread,
)

logger = logging.getLogger("sight.surveys")

worker_warm_up(warm_statistics)

PARTIAL_EVERY_SECONDS = 1.0
ANSWERING_EVERY_SECONDS = 0.1
BURST_QUIET_SECONDS = 0.25
# Open answers per embedding request for the themes.
THEMES_BATCH = 128


@dataclass
class _Answer:
    """A respondent's validated answers, waiting for their commit."""

    persona: Persona
    answered: Answered


StoreBatch = Callable[
    [AsyncSession, list[_Answer]], Awaitable[list[bool | BaseException]]
]


class _GroupCommit:
    """Respondents whose answers are ready within `window` of each other are
    stored in one transaction by `store` (one insert for all, their events in
    one write): answers arriving together no longer commit one after another,
    each holding the survey stream's lock to its commit."""

    def __init__(
        self,
        sessionmaker: SessionMaker,
        store: StoreBatch,
        window: float = 0.02,
        on_idle: Callable[[], None] | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._store = store
        self._window = window
        self._on_idle = on_idle
        self._items: list[tuple[_Answer, asyncio.Future[bool]]] = []
        self._task: asyncio.Task[None] | None = None

    async def run(self, item: _Answer) -> bool:
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._items.append((item, done))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush())
        return await done

    async def _flush(self) -> None:
        await asyncio.sleep(self._window)
        while self._items:
            batch, self._items = self._items, []
            try:
                async with session_scope(self._sessionmaker) as session:
                    outcome = await self._store(session, [item for item, _ in batch])
            except Exception as exc:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for (_, done), result in zip(batch, outcome, strict=True):
                if done.done():
                    continue
                if isinstance(result, BaseException):
                    done.set_exception(result)
                else:
                    done.set_result(result)
        if self._on_idle is not None:
            self._on_idle()  # nothing left to store now


@dataclass
class _Run:
    ctx: JobContext
    survey_id: uuid.UUID
    setup: RunSetup
    total: int
    done: int
    traits: dict[uuid.UUID, dict[str, Any]]
    failures: list[dict[str, str]] = field(default_factory=list)
    # Open answers embedded as they arrive (for the themes at the end), by
    # (question, persona): the text embedded and its vector.
    text_vectors: dict[tuple[str, str], tuple[str, list[float]]] = field(
        default_factory=dict
    )
    embedding: set[asyncio.Task[None]] = field(default_factory=set)
    text_batcher: EmbeddingBatcher | None = None
    new_answers: asyncio.Event = field(default_factory=asyncio.Event)
    # At most this many respondents' calls at once: the provider's concurrency,
    # so "answering" on the stream means the call is under way, not queued.
    slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(10))
    answering: list[uuid.UUID] = field(default_factory=list)
    announcer: asyncio.Task[None] | None = None
    commits: _GroupCommit | None = None
    # Other jobs answer this survey too (sharding.py): `done` is counted from
    # the table, not by this job.
    shared: bool = False
    embedding_asked: set[tuple[str, str]] = field(default_factory=set)
    listed: asyncio.Task[None] | None = None


@job_handler(sharding.SHARD_KIND)
async def run_shard(ctx: JobContext) -> dict[str, Any]:
    """Part of a large run (sharding.py); its parent job reports."""
    return await _run(ctx, uuid.UUID(ctx.params["survey_id"]))


@job_handler("surveys.run")
async def run_survey(ctx: JobContext) -> dict[str, Any]:
    survey_id = uuid.UUID(ctx.params["survey_id"])
    key = survey_stream(survey_id)
    try:
        return await _run(ctx, survey_id)
    except JobCancelled:
        await _finish(
            ctx,
            survey_id,
            SurveyStatus.cancelled,
            CancelledEvent(reason="cancelled by user; the answers so far are kept"),
        )
        raise
    except asyncio.CancelledError:
        raise  # the worker is stopping; the job is re-queued and resumes
    except Exception as exc:
        final = (
            not (not isinstance(exc, SightError) or exc.status_code >= 500)
            or ctx.attempt >= ctx.runtime.settings.jobs.max_attempts
        )
        if final:
            message = (
                str(exc.detail)
                if isinstance(exc, SightError)
                else "internal error; see the server log"
            )
            await _finish(
                ctx, survey_id, SurveyStatus.failed, FailedEvent(error=message)
            )
        else:
            logger.warning("survey run attempt failed; it will be retried: %s", key)
        raise


async def _finish(
    ctx: JobContext, survey_id: uuid.UUID, status: str, event: Any
) -> None:
    async with session_scope(ctx.sessionmaker) as session:
        await session.execute(
            update(Survey).where(Survey.id == survey_id).values(status=status)
        )
        await streams.publish(session, survey_stream(survey_id), event)


async def _run(ctx: JobContext, survey_id: uuid.UUID) -> dict[str, Any]:
    async with ctx.sessionmaker() as session:
        survey = await repository.get_survey(session, survey_id)
        project = await session.get(Project, survey.project_id)
        if project is None:
            raise SightError("the project was deleted", status_code=404)
        who = Respondents.model_validate(survey.respondents)
        shard = ctx.params.get("persona_ids") if sharding.is_shard(ctx) else None
        ids = shard or ctx.checkpoint("respondents")
        if ids is None:
            ids = [
                str(i)
                for i in await repository.respondent_ids(session, project.id, who)
            ]
            await ctx.save_checkpoint("respondents", ids, session=session)
            await session.commit()
        answered = await repository.answered_persona_ids(session, survey_id)
        everyone = await repository.personas(session, [uuid.UUID(i) for i in ids])
        people = [p for p in everyone if p.id not in answered]
        questions = [Question.model_validate(q) for q in survey.questions]
        settings = dict(survey.settings)
        title, description = survey.title, survey.description
        country, language = project.country, project.language
    setup = RunSetup(
        questions=questions,
        language=language,
        title=title,
        description=description,
        shuffle=bool(settings.get("shuffle_options", True)),
        rating_words=bool(ctx.params.get("rating_words")),
        seed=int(settings.get("seed") or 0),
    )
    if setup.rating_words:
        await _embed_anchors(ctx, setup)
        setup.batcher = EmbeddingBatcher(
            lambda texts: ctx.llm.embed(
                texts, ctx.call_context, flow="surveys.rating_map"
            )
        )
    run = _Run(
        ctx,
        survey_id,
        setup,
        total=int(ctx.params["total"]) if shard else len(ids),
        done=len(answered),
        traits=_traits(people, country),
        shared=shard is not None or len(people) > sharding.SHARD_ABOVE,
    )
    run.commits = _GroupCommit(
        ctx.sessionmaker,
        lambda session, items: _store_answers(run, session, items),
        on_idle=lambda: run.text_batcher.flush() if run.text_batcher else None,
    )
    if shard is None:  # the parent embeds every open answer for the themes
        run.text_batcher = EmbeddingBatcher(
            lambda texts: ctx.llm.embed(
                texts, ctx.call_context, flow="surveys.themes", in_provider_slots=True
            ),
            # Sent as soon as a burst of answers is stored (the group commit
            # has nothing left: `on_idle`), or when 128 are waiting: the local
            # model's CPU then works between bursts instead of slowing the
            # storing of answers, and the batch is as large as the burst.
            window=math.inf,
            max_batch=THEMES_BATCH,
        )
    if shard is None:
        # Written while the first calls start (the respondents' events wait
        # for it, `_listed`), not before them.
        run.listed = asyncio.create_task(_publish_listed(run, everyone, answered))
    route = await ctx.llm.route("surveys.answer", ctx.call_context)
    setup.max_tokens = route.max_tokens
    limits = ctx.runtime.settings.llm.limits.get(route.provider)
    run.slots = asyncio.Semaphore(limits.concurrency if limits else 10)
    if shard is not None:
        return await _answer_shard(run, people)
    # SciPy's first import takes over a second: done while the model answers,
    # not after the last answer.
    warm = asyncio.create_task(asyncio.to_thread(warm_statistics))
    publisher = asyncio.create_task(_publish_partials(run))
    try:
        if run.shared:
            run.failures.extend(
                await sharding.answer_in_shards(
                    ctx,
                    survey_id,
                    people,
                    run.total,
                    lambda some: _answer_all(run, some),
                    lambda done, records: _shards_progress(run, done, records),
                    concurrency=limits.concurrency if limits else 10,
                )
            )
            run.done = await _answered(run)
        else:
            await _answer_all(run, people)
    except* JobCancelled:
        raise JobCancelled from None
    except* BudgetExceeded as budget:
        first = budget.exceptions[0]
        detail = first.detail if isinstance(first, BudgetExceeded) else str(first)
        raise BudgetExceeded(
            f"{detail}; stopped after {run.done} of {run.total} respondents"
        ) from None
    finally:
        publisher.cancel()
        if run.announcer is not None:
            run.announcer.cancel()
        await warm
        await _listed(run)
    if run.done == 0 and run.failures:
        raise SightError(
            f"no respondent could answer: {run.failures[0]['reason']}",
            status_code=502,
        )
    summary = await _store_results(run, settings)
    return {
        "respondents": run.total,
        "answered": run.done,
        "failed": run.failures,
        "warnings": len(summary["guards"]["warnings"]),
    }


async def _publish_listed(
    run: _Run, everyone: list[Persona], answered: set[uuid.UUID]
) -> None:
    async with session_scope(run.ctx.sessionmaker) as session:
        await streams.publish(
            session,
            survey_stream(run.survey_id),
            RespondentsListed(
                respondents=[
                    Respondent(persona_id=p.id, persona_name=p.full_name)
                    for p in everyone
                ],
                answered=[p.id for p in everyone if p.id in answered],
            ),
        )
        await run.ctx.progress(
            run.done, run.total, "answering", stage="respondents", session=session
        )


async def _listed(run: _Run) -> None:
    """Wait until the run's respondents are on the stream (every other event
    of the run comes after them)."""
    if run.listed is not None:
        await asyncio.shield(run.listed)


async def _answer_all(run: _Run, people: list[Persona]) -> None:
    async with asyncio.TaskGroup() as group:
        pending = [group.create_task(_respondent(run, p)) for p in people]
        group.create_task(_watch_cancel(run, pending))


async def _answer_shard(run: _Run, people: list[Persona]) -> dict[str, Any]:
    """A shard job: answer its respondents; the parent does the rest."""
    try:
        await _answer_all(run, people)
    except* BudgetExceeded as budget:
        first = budget.exceptions[0]
        detail = first.detail if isinstance(first, BudgetExceeded) else str(first)
        raise BudgetExceeded(detail) from None
    except* JobCancelled:
        raise JobCancelled from None
    return {"answered": len(people) - len(run.failures), "failed": run.failures}


async def _answered(run: _Run) -> int:
    async with run.ctx.sessionmaker() as session:
        return await repository.answered_count(session, run.survey_id)


async def _shards_progress(run: _Run, done: int, records: list[dict[str, Any]]) -> None:
    """The parent of a sharded run: progress from the table, and open answers
    (of every shard) embedded for the themes as they arrive."""
    run.done = done
    run.new_answers.set()
    await _listed(run)
    # Shards count in their own transactions, so only the table's count here
    # is sure to reach the total.
    async with session_scope(run.ctx.sessionmaker) as session:
        await streams.publish(
            session,
            survey_stream(run.survey_id),
            ProgressEvent(stage="respondents", done=done, total=run.total),
        )
        await run.ctx.progress(
            done, run.total, "answering", stage="respondents", session=session
        )
    for record in records:
        persona_id = str(record["persona_id"])
        texts = [
            (q.id, record["answers"][q.id])
            for q in run.setup.questions
            if q.type == "open-text"
            and record["answers"].get(q.id)
            and (q.id, persona_id) not in run.text_vectors
            and (q.id, persona_id) not in run.embedding_asked
        ]
        if texts and run.text_batcher is not None:
            _embed_later(run, persona_id, texts)
    if done >= run.total and run.text_batcher is not None:
        # Everyone has answered: the last open answers go now, not after the
        # last shard's job has ended and been seen (scheduled after the
        # `_embed_later` tasks above have queued their texts).
        asyncio.get_running_loop().call_soon(run.text_batcher.flush)


async def _embed_anchors(ctx: JobContext, setup: RunSetup) -> None:
    for question in setup.questions:
        if question.type != "rating-scale":
            continue
        texts, owners = flatten(anchor_statements(question, setup.language))
        vectors = await ctx.llm.embed(
            texts, ctx.call_context, flow="surveys.rating_map"
        )
        setup.anchors[question.id] = (vectors, owners)


def _traits(people: list[Persona], country: str) -> dict[uuid.UUID, dict[str, Any]]:
    """Each persona's position (0..1) on the traits answers may depend on."""
    census = load_census(country)

    def rank(dimension: str, key: str) -> float:
        keys = [c.key for c in census.dimensions[dimension].categories]
        return keys.index(key) / max(1, len(keys) - 1) if key in keys else 0.5

    return {
        p.id: {
            "age": min(1.0, max(0.0, (p.age - 18) / 62)),
            "income": rank("income", p.income_band),
            "education": rank("education", p.education),
            "urban": 1.0 if p.urban_rural == "urban" else 0.0,
            "female": 1.0 if p.gender == "female" else 0.0,
            "big_five": (p.profile or {}).get("big_five", {}),
        }
        for p in people
    }


def _announce(run: _Run, persona_id: uuid.UUID) -> None:
    """Tell the stream this respondent's call started (batched)."""
    run.answering.append(persona_id)
    if run.announcer is None or run.announcer.done():
        run.announcer = asyncio.create_task(_publish_answering(run))


async def _publish_answering(run: _Run) -> None:
    await asyncio.sleep(ANSWERING_EVERY_SECONDS)
    await _listed(run)
    ids, run.answering = run.answering, []
    if not ids:
        return
    try:
        async with session_scope(run.ctx.sessionmaker) as session:
            await streams.publish(
                session,
                survey_stream(run.survey_id),
                RespondentsAnswering(persona_ids=ids),
            )
    except Exception:  # a progress display only: the answers go on
        logger.warning("could not publish respondents answering", exc_info=True)


async def _answering_first(run: _Run, session: Any, persona_id: uuid.UUID) -> None:
    """A respondent faster than the batched `answering` event gets its own,
    in its answer's transaction: a client sees answering before answered."""
    if persona_id in run.answering:
        run.answering.remove(persona_id)
        await streams.publish(
            session,
            survey_stream(run.survey_id),
            RespondentsAnswering(persona_ids=[persona_id]),
        )


async def _respondent(run: _Run, persona: Persona) -> None:
    ctx = run.ctx
    try:
        async with run.slots:
            _announce(run, persona.id)
            answered = await answer_questionnaire(
                ctx.llm,
                ctx.call_context,
                run.setup,
                persona_facts(persona, run.traits[persona.id]),
                str(persona.id),
            )
    except BudgetExceeded:
        raise
    except SightError as exc:
        reason = str(exc.detail)
        run.failures.append({"persona_id": str(persona.id), "reason": reason})
        await _listed(run)
        async with session_scope(ctx.sessionmaker) as session:
            await _answering_first(run, session, persona.id)
            await streams.publish(
                session,
                survey_stream(run.survey_id),
                RespondentFailed(
                    persona_id=persona.id,
                    persona_name=persona.full_name,
                    reason=reason,
                ),
            )
        return
    texts = [
        (q.id, answered.answers[q.id])
        for q in run.setup.questions
        if q.type == "open-text" and answered.answers.get(q.id)
    ]
    if texts and run.text_batcher is not None:
        # Queued for the themes; embedded once this burst of answers is stored.
        _embed_later(run, str(persona.id), texts)
    # Answers finishing together share one commit (`_store_answers`).
    assert run.commits is not None  # noqa: S101 (set when the run starts)
    await _listed(run)
    if await run.commits.run(_Answer(persona, answered)):
        run.new_answers.set()


async def _store_answers(
    run: _Run, session: AsyncSession, items: list[_Answer]
) -> list[bool | BaseException]:
    """Store a batch of respondents' answers with their stream events and the
    job's progress, in the caller's transaction: one insert for all of them
    (one savepoint each only if that fails, so one bad row spoils no other),
    one write of their events."""
    ctx = run.ctx
    rows = [
        {
            "id": uuid.uuid4(),
            "survey_id": run.survey_id,
            "persona_id": item.persona.id,
            "job_id": ctx.job_id,
            "persona_name": item.persona.full_name,
            "demographics": {c: getattr(item.persona, c) for c in DEMOGRAPHIC_COLUMNS},
            "answers": item.answered.answers,
            "details": item.answered.details,
            "raw_output": item.answered.raw_output,
            "generated_by": item.answered.generated_by,
            "prompt_version": prompts.PROMPT_VERSION,
        }
        for item in items
    ]
    outcome: list[bool | BaseException] = []
    try:
        async with session.begin_nested():
            stored = await repository.insert_responses(session, rows)
        outcome = [item.persona.id in stored for item in items]
    except Exception:
        logger.warning("a batch of answers failed; storing them one by one")
        for row in rows:
            try:
                async with session.begin_nested():
                    outcome.append(await repository.insert_response(session, row))
            except Exception as exc:
                outcome.append(exc)
    # A respondent already stored by an earlier attempt that committed late
    # gets no events.
    fresh = [item for item, ok in zip(items, outcome, strict=True) if ok is True]
    if not fresh:
        return outcome
    if run.shared:  # other jobs answer too: the table has the count
        run.done = await repository.answered_count(session, run.survey_id)
    else:
        run.done += len(fresh)
    first = run.done - len(fresh)
    events: list[Any] = []
    # Respondents faster than the batched `answering` event get theirs here,
    # in the same transaction: a client sees answering before answered.
    early = [item.persona.id for item in fresh if item.persona.id in run.answering]
    if early:
        run.answering = [p for p in run.answering if p not in early]
        events.append(RespondentsAnswering(persona_ids=early))
    events.extend(
        RespondentAnswered(
            persona_id=item.persona.id,
            persona_name=item.persona.full_name,
            done=first + number,
            total=run.total,
            repaired=item.answered.repaired,
            unusable=item.answered.unusable,
            generated_by=item.answered.generated_by,
        )
        for number, item in enumerate(fresh, 1)
    )
    events.append(ProgressEvent(stage="respondents", done=run.done, total=run.total))
    await streams.publish_many(session, survey_stream(run.survey_id), events)
    # The job's own progress, in the same transaction.
    await ctx.progress(
        run.done,
        run.total,
        f"{fresh[-1].persona.full_name} answered",
        stage="respondents",
        session=session,
    )
    return outcome


def _embed_later(run: _Run, persona_id: str, texts: list[tuple[str, str]]) -> None:
    run.embedding_asked.update((q, persona_id) for q, _ in texts)
    task = asyncio.create_task(_embed_texts(run, persona_id, texts))
    run.embedding.add(task)
    task.add_done_callback(run.embedding.discard)


async def _watch_cancel(run: _Run, pending: list[asyncio.Task[None]]) -> None:
    """A cancel request stops the run within a second (one query a second, not
    one per respondent); raising here cancels every respondent still waiting."""
    while not all(task.done() for task in pending):
        await run.ctx.check_cancelled()
        # Ends as soon as the last respondent does (not up to a second later).
        await asyncio.wait(pending, timeout=1.0)


async def _embed_texts(
    run: _Run, persona_id: str, texts: list[tuple[str, str]]
) -> None:
    assert run.text_batcher is not None  # noqa: S101 (checked by the caller)
    try:
        vectors = await run.text_batcher.embed([text for _, text in texts])
    except SightError:
        return  # embedded again at the end, or themes fall back to keywords
    for (question_id, text), vector in zip(texts, vectors, strict=True):
        run.text_vectors[(question_id, persona_id)] = (text, vector)


async def _publish_partials(run: _Run) -> None:
    """At most one partial-results event per second while answers arrive;
    the statistics run in a worker thread."""
    while True:
        await run.new_answers.wait()
        # A second's answers per snapshot, the first a second after the first
        # answer, and only once a burst of answers has been stored (none for
        # `BURST_QUIET_SECONDS`): the statistics' CPU does not slow the storing,
        # and a run whose answers all arrive in one burst spends nothing on
        # snapshots that its final results replace at once.
        await asyncio.sleep(PARTIAL_EVERY_SECONDS)
        while run.new_answers.is_set():
            run.new_answers.clear()
            await asyncio.sleep(BURST_QUIET_SECONDS)
        await _publish_partial(run)


async def _publish_partial(run: _Run) -> None:
    async with run.ctx.sessionmaker() as session:
        records = await repository.respondent_records(session, run.survey_id)
    stats = await asyncio.to_thread(
        partial_results_in_thread, run.setup.questions, records
    )
    async with session_scope(run.ctx.sessionmaker) as session:
        await streams.publish(
            session,
            survey_stream(run.survey_id),
            PartialResults(answered=len(records), total=run.total, questions=stats),
        )


async def _store_results(run: _Run, settings: dict[str, Any]) -> dict[str, Any]:
    """The full results, stored once: the statistics are computed (worker
    thread) while the last open answers' embeddings finish, then the themes
    are added and everything is stored with `results` and `completed`."""
    ctx = run.ctx
    async with ctx.sessionmaker() as session:
        records = await repository.respondent_records(session, run.survey_id)
    open_text = any(q.type == "open-text" for q in run.setup.questions)
    rating_mode = "two-pass" if run.setup.rating_words else "direct"
    statistics = asyncio.create_task(
        asyncio.to_thread(
            compute_results_in_thread,
            run.setup.questions,
            records,
            settings=settings,
            rating_mode=rating_mode,
            seed=run.setup.seed,
            themes_later=open_text,
        )
    )
    vectors = await _text_vectors(run, records) if open_text else {}
    results: dict[str, Any] = await statistics
    if open_text:
        results = await asyncio.to_thread(
            with_themes_in_thread,
            results,
            run.setup.questions,
            records,
            text_vectors=vectors,
            seed=run.setup.seed,
        )
    await _store(run, results, len(records))
    return results


async def _store(run: _Run, results: dict[str, Any], answered: int) -> None:
    key = survey_stream(run.survey_id)
    async with session_scope(run.ctx.sessionmaker) as session:
        await session.execute(
            update(Survey)
            .where(Survey.id == run.survey_id)
            .values(
                results=results,
                results_answered=answered,
                status=SurveyStatus.completed,
            )
        )
        await streams.publish_many(
            session,
            key,
            [
                # The last snapshot (a fast run can end before the
                # once-a-second publisher wrote one), from the final statistics.
                PartialResults(
                    answered=answered,
                    total=run.total,
                    questions=[
                        q for q in results["questions"] if q["type"] != "open-text"
                    ],
                ),
                ResultsReady(answered=answered, total=run.total, themes_pending=False),
                CompletedEvent(
                    result={
                        "answered": answered,
                        "total": run.total,
                        "failed": len(run.failures),
                        "warnings": len(results["guards"]["warnings"]),
                    }
                ),
            ],
        )


async def _text_vectors(
    run: _Run, records: list[Any]
) -> dict[str, list[list[float]] | None]:
    """The open answers' vectors by question, in the records' order. Most were
    embedded as the answers arrived; whatever is missing (answers of an
    earlier attempt) is embedded now, in one call. Empty if the embedder
    fails (themes then fall back to shared keywords)."""
    ctx = run.ctx
    if run.text_batcher is not None:
        run.text_batcher.flush()  # what is left of the open answers, now
    await asyncio.gather(*list(run.embedding), return_exceptions=True)
    wanted = [
        ((question.id, r["persona_id"]), r["answers"][question.id])
        for question in run.setup.questions
        if question.type == "open-text"
        for r in records
        if r["answers"].get(question.id) is not None
    ]
    # A vector counts only for the text stored (an earlier attempt's answer
    # may have been stored instead of this attempt's).
    missing = [
        (key, text)
        for key, text in wanted
        if run.text_vectors.get(key, ("", []))[0] != text
    ]
    vectors: dict[str, list[list[float]] | None] = {}
    try:
        # In requests of THEMES_BATCH sent together: the run's last wait is
        # one request, not one after another.
        parts = [
            missing[i : i + THEMES_BATCH] for i in range(0, len(missing), THEMES_BATCH)
        ]
        embedded = await asyncio.gather(
            *(
                ctx.llm.embed(
                    [text for _, text in part],
                    ctx.call_context,
                    flow="surveys.themes",
                    in_provider_slots=True,
                )
                for part in parts
            )
        )
        for part, part_vectors in zip(parts, embedded, strict=True):
            for (key, text), vector in zip(part, part_vectors, strict=True):
                run.text_vectors[key] = (text, vector)
        for key, _ in wanted:
            found = vectors.setdefault(key[0], [])
            assert found is not None  # noqa: S101 (built here)
            found.append(run.text_vectors[key][1])
    except SightError:
        return {}
    return vectors
