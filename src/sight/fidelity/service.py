"""Starting and reading fidelity runs. Services never commit."""

from __future__ import annotations

import random
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sight.fidelity import repository
from sight.fidelity.benchmark import (
    Benchmark,
    BenchmarkInvalid,
    available,
    build_benchmark,
    load_benchmark,
    scored_options,
)
from sight.fidelity.models import FidelityRun, FidelityStudy, RunStatus
from sight.fidelity.run import questionnaire
from sight.fidelity.sample import sampled_groups
from sight.fidelity.schemas import FidelityRunCreate, FidelityRunSummary
from sight.jobs.models import Job
from sight.jobs.service import create_job
from sight.kit.errors import Conflict
from sight.llm.gateway import LLMGateway
from sight.llm.types import CallContext
from sight.projects.models import Project
from sight.prompts import surveys as survey_prompts
from sight.surveys.answering import plan_parts

if TYPE_CHECKING:
    import procrastinate

JOB_KIND = "fidelity.run"
DEFAULT_BENCHMARK = "gss2018_us"


def study_benchmark(study: FidelityStudy) -> Benchmark:
    if study.status != "ready" or study.benchmark is None:
        raise Conflict(
            f"study {study.id} is not mapped yet; send its mapping first "
            f"(PUT /api/v1/fidelity/studies/{study.id}/mapping)"
        )
    stored = study.benchmark
    return build_benchmark(f"study:{study.name}", stored["data"], stored["spec"])


async def benchmark_of(session: AsyncSession, run: FidelityRun) -> Benchmark:
    params = run.params
    if run.study_id is not None:
        bench = study_benchmark(await repository.get_study(session, run.study_id))
    else:
        bench = load_benchmark(run.benchmark)
    return bench.select(params.get("questions"), params.get("groups"))


def respondents_needed(bench: Benchmark, per_group: int) -> int:
    return len(sampled_groups(bench)) * per_group


async def estimate(
    gateway: LLMGateway,
    ctx: CallContext,
    bench: Benchmark,
    respondents: int,
    volunteered: str,
) -> dict[str, Any]:
    prompt = 450 + sum(
        40 + 8 * len(scored_options(q, volunteered)) for q in bench.questions
    )
    output = 20 + 12 * len(bench.questions)
    route = await gateway.route("surveys.answer", ctx)
    parts = len(plan_parts(questionnaire(bench, volunteered), False, route.max_tokens))
    cost = await gateway.estimate(
        "surveys.answer",
        respondents * parts,
        ctx,
        input_tokens=prompt // parts + 200,
        output_tokens=output // parts,
    )
    return {
        "calls": cost.calls,
        "input_tokens": cost.input_tokens,
        "output_tokens": cost.output_tokens,
        "usd": cost.usd,
        "priced": cost.priced,
        "provider": cost.provider,
        "model": cost.model,
        "calls_per_respondent": parts,
        "note": "one call per respondent (a questionnaire longer than the model's "
        "output limit in consecutive parts); repairs of invalid answers may add calls",
    }


async def prepare(
    session: AsyncSession,
    project: Project | None,
    data: FidelityRunCreate,
) -> tuple[Benchmark, FidelityStudy | None]:
    study: FidelityStudy | None = None
    if data.study_id is not None:
        study = await session.get(FidelityStudy, data.study_id)
        if study is None or project is None or study.project_id != project.id:
            raise BenchmarkInvalid(
                [
                    {
                        "loc": ["body", "study_id"],
                        "field": "study_id",
                        "msg": f"no uploaded study {data.study_id} in this project",
                        "type": "unknown_study",
                    }
                ]
            )
        bench = study_benchmark(study)
    else:
        bench = load_benchmark(data.benchmark or DEFAULT_BENCHMARK)
    return bench.select(data.questions, data.groups), study


async def create_run(
    session: AsyncSession,
    gateway: LLMGateway,
    ctx: CallContext,
    bench: Benchmark,
    data: FidelityRunCreate,
    *,
    project: Project | None,
    user_id: uuid.UUID | None,
    study: FidelityStudy | None,
) -> FidelityRun:
    """The run's row: what will be asked, of whom, by which model."""
    route = await gateway.route("surveys.answer", ctx)
    seed = (
        data.seed
        if data.seed is not None
        else random.SystemRandom().randrange(2**31 - 1)
    )
    run = FidelityRun(
        project_id=project.id if project else None,
        created_by=user_id,
        study_id=study.id if study else None,
        status=RunStatus.queued,
        benchmark=study.name if study else bench.name,
        country=bench.country,
        params={
            "per_group": data.per_group,
            "seed": seed,
            "questions": [q.id for q in bench.questions] if data.questions else None,
            "groups": [g.id for g in bench.groups] if data.groups else None,
            "volunteered": data.volunteered,
        },
        provider=route.provider,
        model=route.model,
        prompt_version=survey_prompts.PROMPT_VERSION,
        offline=route.provider == "offline",
        calls=0,
        cost_usd=0.0,
    )
    session.add(run)
    await session.flush()
    await session.refresh(run)
    return run


async def start_run(
    session: AsyncSession,
    queue_app: procrastinate.App,
    gateway: LLMGateway,
    project: Project,
    user_id: uuid.UUID,
    data: FidelityRunCreate,
) -> tuple[FidelityRun, Job, dict[str, Any], int]:
    bench, study = await prepare(session, project, data)
    ctx = CallContext(user_id=user_id, project_id=project.id)
    respondents = respondents_needed(bench, data.per_group)
    cost = await estimate(gateway, ctx, bench, respondents, data.volunteered)
    await gateway.ensure_budget(ctx, cost["usd"])  # 402 before anything runs
    run = await create_run(
        session,
        gateway,
        ctx,
        bench,
        data,
        project=project,
        user_id=user_id,
        study=study,
    )
    job = await create_job(
        session,
        queue_app,
        user_id=user_id,
        kind=JOB_KIND,
        project_id=project.id,
        params={"run_id": str(run.id)},
    )
    run.job_id = job.id
    await session.flush()
    await session.refresh(run)
    return run, job, cost, respondents


async def summary(session: AsyncSession, run: FidelityRun) -> dict[str, Any]:
    out = FidelityRunSummary.model_validate(run).model_dump()
    if run.job_id is not None:
        job = await session.scalar(select(Job).where(Job.id == run.job_id))
        if job is not None:
            out["progress"] = job.progress
            out["progress_message"] = job.progress_message
            if run.status in (RunStatus.queued, RunStatus.running):
                # A job that ended without the run hearing of it.
                out["status"] = {
                    "running": RunStatus.running,
                    "succeeded": run.status,
                    "failed": RunStatus.failed,
                    "cancelled": RunStatus.cancelled,
                }.get(job.status, run.status)
                if job.status == "failed" and not out["error"]:
                    out["error"] = job.error
    return out


def benchmarks() -> list[dict[str, Any]]:
    out = []
    for name in available():
        bench = load_benchmark(name)
        out.append(
            {
                "name": name,
                "title": bench.title,
                "country": bench.country,
                "questions": len(bench.questions),
                "groups": [g.id for g in bench.groups],
                "question_ids": [q.short or q.id for q in bench.questions],
                "citation": bench.citation,
            }
        )
    return out


async def latest_fidelity(
    session: AsyncSession, *, model: str, country: str
) -> dict[str, Any] | None:
    """The latest completed fidelity figure for a model and population, for
    reports: `model` as the gateway names it ("gpt-4.1-mini") or as
    `generated_by` does ("openai:gpt-4.1-mini"). None when none was measured."""
    name = model.split(":", 1)[1] if ":" in model else model
    run = await repository.latest_completed(
        session, model=name, country=country.lower()
    )
    if run is None:
        return None
    summary_ = (run.result or {}).get("summary", {})
    return {
        "run_id": str(run.id),
        "benchmark": run.benchmark,
        "model": run.model,
        "provider": run.provider,
        "country": run.country,
        "score": run.score,
        "uniform_baseline": summary_.get("uniform_baseline"),
        "overall_as_prediction": summary_.get("overall_as_prediction"),
        "perfect_at_n": summary_.get("perfect_at_n"),
        "per_group": run.params.get("per_group"),
        "offline": run.offline,
        "date": (run.finished_at or run.created_at).date().isoformat(),
    }
