"""Defining, checking, running and reading surveys. Services never commit."""

from __future__ import annotations

import asyncio
import random
import uuid
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from sight import streams
from sight.demographics import load_census
from sight.jobs.models import Job
from sight.jobs.service import create_job
from sight.kit.errors import Conflict, SightError
from sight.llm.gateway import LLMGateway
from sight.llm.types import CallContext
from sight.projects.models import Project
from sight.prompts import surveys as prompts
from sight.surveys import repository
from sight.surveys.answering import output_tokens, plan_parts
from sight.surveys.events import RunStarted, survey_stream
from sight.surveys.models import Survey, SurveyStatus
from sight.surveys.schemas import (
    SEGMENT_FIELDS,
    Problem,
    Question,
    Respondents,
    SurveyCheck,
    SurveyCreate,
)
from sight.surveys.validation import check_definition

if TYPE_CHECKING:
    import procrastinate

JOB_KIND = "surveys.run"


class SurveyInvalid(SightError):
    """422 in the API's validation shape: every problem with its field path."""

    status_code = 422

    @property
    def kind(self) -> str:
        return "ValidationError"


class SurveyRunning(Conflict):
    pass


def questions_of(survey: Survey) -> list[Question]:
    return [Question.model_validate(q) for q in survey.questions]


async def _respondent_problems(
    session: AsyncSession, project: Project, who: Respondents
) -> list[Problem]:
    if who.mode != "personas" or not who.persona_ids:
        return []
    missing = await repository.missing_persona_ids(session, project.id, who.persona_ids)
    return [
        Problem(
            loc=["body", "respondents", "persona_ids", who.persona_ids.index(m)],
            field=f"respondents.persona_ids.{who.persona_ids.index(m)}",
            msg=f"persona {m} is not a live persona of this project",
            type="unknown_persona",
        )
        for m in missing
    ]


async def create_survey(
    session: AsyncSession, project: Project, user_id: uuid.UUID, data: SurveyCreate
) -> Survey:
    questions, problems = check_definition(data)
    problems += await _respondent_problems(session, project, data.respondents)
    if problems:
        raise SurveyInvalid([p.model_dump() for p in problems])
    settings = data.settings.model_dump()
    if settings["seed"] is None:
        # Stored, so a resumed or repeated run shuffles options the same way.
        settings["seed"] = random.SystemRandom().randrange(2**31 - 1)
    survey = Survey(
        project_id=project.id,
        created_by=user_id,
        title=data.title,
        description=data.description,
        questions=[q.model_dump(mode="json", exclude_none=True) for q in questions],
        respondents=data.respondents.model_dump(mode="json"),
        settings=settings,
        status=SurveyStatus.draft,
        target=0,
        results_answered=0,
        prompt_version=prompts.PROMPT_VERSION,
    )
    session.add(survey)
    await session.flush()
    await session.refresh(survey)
    return survey


def _token_guess(questions: list[Question], words: bool) -> tuple[int, int]:
    """Expected tokens of one respondent's answers (for the cost estimate)."""
    prompt = 450
    output = 20
    for q in questions:
        prompt += 40 + 8 * len(q.options or [])
        output += output_tokens(q, words)
    return prompt, output


async def estimate(
    gateway: LLMGateway,
    ctx: CallContext,
    questions: list[Question],
    respondents: int,
    rating_mode: str = "auto",
) -> dict[str, Any]:
    words = await two_pass(gateway, ctx, rating_mode)
    prompt, output = _token_guess(questions, words)
    route = await gateway.route("surveys.answer", ctx)
    # A questionnaire too long for one answer is asked in parts: each call
    # repeats the persona (the prompt) and carries its share of the answers.
    parts = len(plan_parts(questions, words, route.max_tokens))
    cost = await gateway.estimate(
        "surveys.answer",
        respondents * parts,
        ctx,
        input_tokens=(prompt + (parts - 1) * 450) // parts,
        output_tokens=-(-output // parts),
    )
    return {
        "calls": cost.calls,
        "input_tokens": cost.input_tokens,
        "output_tokens": cost.output_tokens,
        "usd": cost.usd,
        "priced": cost.priced,
        "price_date": cost.price_date,
        "provider": cost.provider,
        "model": cost.model,
        "rating_mode": "two-pass" if words else "direct",
        "parts": parts,
        "note": (
            "one call per respondent; repairs of invalid answers may add calls"
            if parts == 1
            else f"{parts} calls per respondent (the answers to this many questions"
            " do not fit in one model answer); repairs may add calls"
        ),
    }


async def two_pass(gateway: LLMGateway, ctx: CallContext, rating_mode: str) -> bool:
    """Ratings in words mapped by similarity: the default with a real model."""
    if rating_mode == "auto":
        route = await gateway.route("surveys.answer", ctx)
        return route.provider != "offline"
    return rating_mode == "two-pass"


async def check_survey(
    session: AsyncSession,
    gateway: LLMGateway,
    project: Project,
    user_id: uuid.UUID,
    body: dict[str, Any],
) -> SurveyCheck:
    """The builder's live check: every problem, the sample size and the cost."""
    try:
        data = TypeAdapter(SurveyCreate).validate_python(body)
    except ValidationError as exc:
        problems = [
            Problem(
                loc=["body", *err["loc"]],
                field=".".join(str(p) for p in err["loc"]),
                msg=err["msg"],
                type=err["type"],
            )
            for err in exc.errors()
        ]
        # The sample size still helps while the questions are being written.
        try:
            who = Respondents.model_validate(body.get("respondents") or {})
            known = all(
                field in SEGMENT_FIELDS and values
                for segment in who.segments or []
                for field, values in segment.filters.items()
            )
            count = (
                len(await repository.respondent_ids(session, project.id, who))
                if known
                else 0
            )
        except ValidationError:
            count = 0
        return SurveyCheck(
            valid=False, problems=problems, respondents=count, estimate=None
        )
    questions, problems = check_definition(data)
    problems += await _respondent_problems(session, project, data.respondents)
    ids = (
        []
        if any(p.field.startswith("respondents") for p in problems)
        else await repository.respondent_ids(session, project.id, data.respondents)
    )
    ctx = CallContext(user_id=user_id, project_id=project.id)
    cost = await estimate(gateway, ctx, questions, len(ids), data.settings.rating_mode)
    return SurveyCheck(
        valid=not problems, problems=problems, respondents=len(ids), estimate=cost
    )


async def start_run(
    session: AsyncSession,
    queue_app: procrastinate.App,
    gateway: LLMGateway,
    survey: Survey,
    user_id: uuid.UUID,
) -> tuple[Job, dict[str, Any], int, int]:
    if survey.status == SurveyStatus.running:
        raise SurveyRunning(f"survey {survey.id} is already running")
    who = Respondents.model_validate(survey.respondents)
    ids = await repository.respondent_ids(session, survey.project_id, who)
    done = await repository.answered_persona_ids(session, survey.id)
    remaining = [i for i in ids if i not in done]
    if not ids:
        raise Conflict("no respondents: the project has no matching live personas")
    if not remaining:
        raise Conflict(f"all {len(ids)} respondents have already answered this survey")
    ctx = CallContext(user_id=user_id, project_id=survey.project_id)
    questions = questions_of(survey)
    mode = str(survey.settings.get("rating_mode", "auto"))
    cost = await estimate(gateway, ctx, questions, len(remaining), mode)
    await gateway.ensure_budget(ctx, cost["usd"])  # 402 before anything runs
    job = await create_job(
        session,
        queue_app,
        user_id=user_id,
        kind=JOB_KIND,
        project_id=survey.project_id,
        params={
            "survey_id": str(survey.id),
            "rating_words": cost["rating_mode"] == "two-pass",
        },
    )
    survey.status = SurveyStatus.running
    survey.job_id = job.id
    survey.target = len(done) + len(remaining)
    # A new run starts the survey's stream afresh (see events.py).
    key = survey_stream(survey.id)
    await streams.delete_stream(session, key)
    await streams.publish(
        session,
        key,
        RunStarted(job_id=job.id, total=survey.target, already_answered=len(done)),
    )
    await session.flush()
    await session.refresh(survey)
    return job, cost, survey.target, len(done)


async def delete_survey(session: AsyncSession, survey: Survey) -> None:
    if survey.status == SurveyStatus.running:
        raise SurveyRunning("the survey is running; cancel its job before deleting it")
    await streams.delete_stream(session, survey_stream(survey.id))
    await repository.delete_survey(session, survey)


def labeller(country: str, language: str) -> Any:
    census = load_census(country)

    def label(field: str, value: str) -> str:
        dimension = {"income_band": "income"}.get(field, field)
        if dimension not in census.dimensions:
            return value
        for category in census.dimensions[dimension].categories:
            if category.key == value:
                return str(getattr(category.labels, language))
        return value

    return label


async def results(
    session: AsyncSession, survey: Survey, project: Project
) -> dict[str, Any]:
    """Stored results when current; otherwise computed now in a worker thread
    (answers arrived since, e.g. during a run)."""
    answered = await repository.answered_count(session, survey.id)
    if survey.results is not None and survey.results_answered == answered:
        return {**survey.results, "status": survey.status, "stale": False}
    records = await repository.respondent_records(session, survey.id)
    computed = await asyncio.to_thread(
        compute_results_in_thread,
        questions_of(survey),
        records,
        settings=survey.settings,
        rating_mode=str(survey.settings.get("rating_mode", "auto")),
        seed=int(survey.settings.get("seed") or 0),
    )
    return {**computed, "status": survey.status, "stale": survey.status == "running"}


async def crosstab_of(
    session: AsyncSession,
    survey: Survey,
    project: Project,
    question_id: str,
    by: list[str],
) -> dict[str, Any]:
    questions = {q.id: q for q in questions_of(survey)}
    if question_id not in questions:
        raise SurveyInvalid(
            [
                {
                    "loc": ["query", "question"],
                    "field": "question",
                    "msg": f"no question {question_id!r}; allowed: "
                    + ", ".join(questions),
                    "type": "unknown_question",
                }
            ]
        )
    records = await repository.respondent_records(session, survey.id)
    return await asyncio.to_thread(
        crosstab_in_thread,
        questions[question_id],
        records,
        by,
        labels=labeller(project.country, project.language),
        seed=int(survey.settings.get("seed") or 0),
    )


# SciPy takes over a second to import: the statistics modules are imported
# on first use, in the worker thread that computes, not when the app starts.


def compute_results_in_thread(*args: Any, **kwargs: Any) -> dict[str, Any]:
    from sight.surveys.results import compute_results

    return compute_results(*args, **kwargs)


def with_themes_in_thread(*args: Any, **kwargs: Any) -> dict[str, Any]:
    from sight.surveys.results import with_themes

    return with_themes(*args, **kwargs)


def crosstab_in_thread(*args: Any, **kwargs: Any) -> dict[str, Any]:
    from sight.surveys.crosstabs import crosstab

    return crosstab(*args, **kwargs)


def partial_results_in_thread(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:
    from sight.surveys.results import partial_results

    return partial_results(*args, **kwargs)


def warm_statistics() -> None:
    import sight.surveys.results  # noqa: F401
