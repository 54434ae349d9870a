"""The `personas.generate` job: plan → segment briefs → parallel enrichment →
validation (repair or report) → stored, each step streamed as an event.

Resumable: the demographic plan is a checkpoint, and each persona is stored
under its plan slot (unique per job), so a retried attempt enriches only the
slots that have no persona yet.

Per-persona events (type `item`): `{"slot", "stage": "started" | "enriched" |
"validated" | "saved" | "failed", "name"?, "persona_id"?, "reason"?}`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from sight import streams
from sight.demographics import (
    Cell,
    Census,
    Target,
    build_joint,
    fit_report,
    load_census,
    quota_sample,
)
from sight.jobs.registry import job_handler
from sight.jobs.runtime import JobCancelled, JobContext
from sight.kit.errors import SightError
from sight.knowledge.errors import EmbeddingSpaceMismatch, KnowledgeStoreUnavailable
from sight.knowledge.retrieval import retrieve
from sight.llm.budget import BudgetExceeded
from sight.personas import offline as _offline  # noqa: F401 (registers offline composers)
from sight.personas import repository
from sight.personas.briefs import (
    Brief,
    BriefCache,
    BriefGroup,
    brief_groups,
    brief_key,
    segment_labels,
    segment_name,
    segment_of,
    write_brief,
)
from sight.personas.schemas import EnrichedPersona
from sight.personas.validation import DuplicateGuard, PersonaFacts, check_rules
from sight.postgres import session_scope
from sight.projects.models import Project
from sight.prompts import personas as prompts
from sight.streams import ItemEvent

logger = logging.getLogger("sight.personas")

MAX_REPAIRS = 2


@dataclass
class _Run:
    ctx: JobContext
    project: Project
    census: Census
    guard: DuplicateGuard
    # One task per brief group; a persona awaits only its own group's brief,
    # so enrichment starts while other briefs are still being written.
    briefs: dict[str, asyncio.Task[Brief]]
    total: int
    groups: dict[str, BriefGroup] = field(default_factory=dict)
    saved: int = 0
    briefs_done: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    grounded: bool = True
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@job_handler("personas.generate")
async def generate_personas(ctx: JobContext) -> dict[str, Any]:
    async with ctx.sessionmaker() as session:
        project = await session.get(Project, ctx.project_id)
        if project is None:
            raise SightError("the project was deleted", status_code=404)
        session.expunge(project)
        grounded = await repository.has_ready_documents(session, project.id)
    target = Target.model_validate(project.target_distribution)
    census = load_census(project.country)
    plan = await _plan(ctx, target)
    done = await _done_slots(ctx)
    guard = await _existing_personas_guard(ctx, project.id)
    run = _Run(
        ctx,
        project,
        census,
        guard,
        briefs={},
        total=len(plan),
        saved=len(done),
        grounded=grounded,
    )
    remaining = [cell for cell in plan if cell.index not in done]
    # the occupation limit is a share of everyone in the project after this run
    guard.sample_size = guard.size + len(remaining)
    await ctx.check_cancelled()
    async with session_scope(ctx.sessionmaker) as session:
        await ctx.progress(
            run.saved,
            run.total,
            f"personas {run.saved}/{run.total}",
            stage="personas",
            session=session,
        )
        # Every persona's `started` event in one write (one lock, one insert),
        # not a transaction each on the job stream's lock that the briefs'
        # progress needs too, while the briefs are being written.
        await streams.publish_many(
            session,
            streams.StreamKey.job(ctx.job_id),
            [
                streams.validate_event(
                    streams.JobStreamEvent,
                    "item",
                    {"slot": cell.index, "stage": "started"},
                )
                for cell in remaining
            ],
        )
    try:
        async with asyncio.TaskGroup() as group:
            _start_briefs(run, plan, remaining, group)
            for cell in remaining:
                group.create_task(_one_persona(run, cell))
    except* JobCancelled:
        raise JobCancelled from None
    except* BudgetExceeded as budget:
        # Stop cleanly: what was saved stays; the job reports why it stopped.
        first = budget.exceptions[0]
        detail = first.detail if isinstance(first, BudgetExceeded) else str(first)
        # Counted from the table: a save cancelled mid-commit may still have landed.
        saved = len(await _done_slots(ctx))
        raise BudgetExceeded(
            f"{detail}; stopped after {saved} of {run.total} personas"
        ) from None
    fit = await _store_fit(ctx, project.id, target)
    return {
        "requested": run.total,
        "saved": run.saved,
        "failed": run.failures,
        "fit_verdict": fit.get("verdict"),
    }


async def _plan(ctx: JobContext, target: Target) -> list[Cell]:
    stored = ctx.checkpoint("plan")
    if stored is not None:
        return [Cell.model_validate(c) for c in stored]
    cells = quota_sample(
        build_joint(target), int(ctx.params["num_personas"]), int(ctx.params["seed"])
    )
    await ctx.save_checkpoint("plan", [c.model_dump() for c in cells])
    return cells


async def _done_slots(ctx: JobContext) -> set[int]:
    async with ctx.sessionmaker() as session:
        return await repository.slots_of_job(session, ctx.job_id)


async def _existing_personas_guard(
    ctx: JobContext, project_id: uuid.UUID
) -> DuplicateGuard:
    """Names and stories already in the project, so new personas differ from them."""
    async with ctx.sessionmaker() as session:
        rows = await repository.names_and_profiles(session, project_id)
    guard = DuplicateGuard()
    if rows:
        stories = [str(profile.get("background_story", "")) for _, profile in rows]
        vectors = await ctx.llm.embed(stories, ctx.call_context, flow="personas.dedupe")
        for (name, profile), vector in zip(rows, vectors, strict=True):
            guard.add(_stored(name, profile), vector)
    return guard


def _stored(name: str, profile: dict[str, Any]) -> EnrichedPersona | str:
    """A stored persona for the duplicate checks (its name alone if the profile
    predates the current schema)."""
    try:
        return EnrichedPersona.model_validate(profile)
    except ValueError:
        return name


def _start_briefs(
    run: _Run, plan: list[Cell], cells: list[Cell], group: asyncio.TaskGroup
) -> None:
    project, ctx = run.project, run.ctx
    cache = BriefCache(ctx.sessionmaker, ctx.runtime.services.get("redis"))
    # Groups come from the whole plan, so a resumed attempt finds the same
    # groups (and their cached briefs); only groups with work left are written.
    run.groups = brief_groups(
        (c.attributes for c in plan),
        age_order=run.census.dimensions["age_group"].category_keys,
    )
    segments = {
        run.groups[segment_name(segment_of(c.attributes))].name: run.groups[
            segment_name(segment_of(c.attributes))
        ].segment
        for c in cells
    }

    async def one(segment: dict[str, Any]) -> Brief:
        labels = segment_labels(segment, run.census, project.language)
        documents = await _grounding(run, labels) if run.grounded else []
        grounding = ",".join(str(d["chunk_id"]) for d in documents)
        key = brief_key(project.id, segment, project.language, grounding=grounding)
        brief = await cache.get(key)
        if brief is None:
            brief = await write_brief(
                ctx.llm,
                ctx.call_context,
                segment=segment,
                labels=labels,
                country=project.country,
                language=project.language,
                research_goal=project.research_goal,
                documents=documents,
            )
            await cache.put(key, project.id, brief)
        run.briefs_done += 1
        await ctx.progress(
            run.briefs_done,
            len(segments),
            f"writing segment briefs {run.briefs_done}/{len(segments)}",
            stage="briefs",
        )
        return brief

    for name, segment in segments.items():
        run.briefs[name] = group.create_task(one(segment))


async def _grounding(run: _Run, labels: dict[str, str]) -> list[dict[str, Any]]:
    """The project's document chunks most relevant to a segment, if it has any.

    Retrieval problems (store down, documents embedded with another model) do
    not stop generation: the brief is then written without documents, and the
    job's event stream says so.
    """
    project, ctx = run.project, run.ctx
    query = " ".join([project.research_goal, *labels.values()]).strip()
    try:
        chunks = await retrieve(
            ctx.sessionmaker, ctx.llm, project.id, query, top_k=4, ctx=ctx.call_context
        )
    except (EmbeddingSpaceMismatch, KnowledgeStoreUnavailable) as exc:
        await ctx.emit(
            "log", {"message": f"briefs written without documents: {exc.detail}"}
        )
        return []
    return [
        {**chunk.citation(), "title": chunk.document_title, "text": chunk.text}
        for chunk in chunks
    ]


def _label(census: Census, dimension: str, key: str, language: str) -> str:
    for category in census.dimensions[dimension].categories:
        if category.key == key:
            return str(getattr(category.labels, language))
    return key


def _facts(run: _Run, cell: Cell) -> dict[str, Any]:
    language, census, a = run.project.language, run.census, cell.attributes
    return {
        "country": run.project.country,
        "language": language,
        "person": {
            "age": cell.age,
            "gender": a["gender"],
            "location": a["location"],
            "location_label": _label(census, "location", a["location"], language),
            "urban_rural": a["urban_rural"],
            "education": a["education"],
            "education_label": _label(census, "education", a["education"], language),
            "income": cell.income,
            "income_currency": cell.income_currency,
            "income_period": cell.income_period,
        },
        # what is researched, for needs, pain points and quotes about it
        "research": {"topic": run.project.name},
    }


def _income_rank(census: Census, band: str) -> float:
    keys = [c.key for c in census.dimensions["income"].categories]
    return keys.index(band) / max(1, len(keys) - 1) if band in keys else 0.5


async def _one_persona(run: _Run, cell: Cell) -> None:
    ctx, project = run.ctx, run.project
    segment = segment_name(segment_of(cell.attributes))
    brief = await run.briefs[run.groups[segment].name]
    facts = _facts(run, cell)
    base_prompt = prompts.enrich_prompt(facts, brief.details, project.research_goal)
    person_facts = PersonaFacts(
        age=cell.age,
        gender=cell.attributes["gender"],
        education=cell.attributes["education"],
        income_band=cell.attributes["income"],
        income_rank=_income_rank(run.census, cell.attributes["income"]),
        language=project.language,
        country=project.country,
    )
    problems: list[str] = []
    repairs: list[list[str]] = []
    for attempt in range(MAX_REPAIRS + 1):
        prompt = (
            base_prompt
            if not problems
            else prompts.repair_prompt(base_prompt, problems, attempt=attempt)
        )
        try:
            result = await ctx.llm.generate(
                "personas.enrich" if attempt == 0 else "personas.repair",
                EnrichedPersona,
                system=prompts.enrich_system(project.language),
                prompt=prompt,
                ctx=ctx.call_context,
                prompt_version=prompts.PROMPT_VERSION,
            )
        except BudgetExceeded:
            raise
        except SightError as exc:
            await _fail(run, cell, f"generation failed: {exc.detail}")
            return
        persona = result.output
        story_vector = (
            await ctx.llm.embed(
                [persona.background_story], ctx.call_context, flow="personas.dedupe"
            )
        )[0]
        async with run.lock:  # the duplicate checks see one consistent sample
            problems = check_rules(persona, person_facts) + run.guard.problems(
                persona, story_vector
            )
            if not problems:
                # Accepted: later checks compare against it from now on, while
                # it is stored (saves run side by side, not one at a time).
                run.guard.add(persona, story_vector)
        if not problems:
            # its `enriched` event commits with the persona (one transaction)
            if await _save(run, cell, persona, brief, result.generated_by, repairs):
                run.saved += 1
            return
        await ctx.emit(
            "item", {"slot": cell.index, "stage": "enriched", "name": persona.full_name}
        )
        repairs.append(problems)
    await _fail(run, cell, "; ".join(problems))


async def _fail(run: _Run, cell: Cell, reason: str) -> None:
    run.failures.append({"slot": cell.index, "reason": reason})
    await run.ctx.emit(
        "item", {"slot": cell.index, "stage": "failed", "reason": reason}
    )


async def _save(
    run: _Run,
    cell: Cell,
    persona: EnrichedPersona,
    brief: Brief,
    generated_by: str,
    repairs: list[list[str]],
) -> bool:
    """Store the persona with its `enriched`/`validated`/`saved` events and the
    progress in one transaction: after a crash a client sees every saved
    persona's events exactly once. False when the slot was already saved (a
    duplicate delivery)."""
    a = cell.attributes
    persona_id = uuid.uuid4()
    async with session_scope(run.ctx.sessionmaker) as session:
        inserted = await repository.insert_for_slot(
            session,
            dict(
                id=persona_id,
                project_id=run.project.id,
                job_id=run.ctx.job_id,
                slot=cell.index,
                age=cell.age,
                age_group=a["age_group"],
                gender=a["gender"],
                location=a["location"],
                urban_rural=a["urban_rural"],
                education=a["education"],
                income_band=a["income"],
                income=cell.income,
                income_currency=cell.income_currency,
                full_name=persona.full_name,
                occupation=persona.occupation,
                profile=persona.model_dump(),
                language=run.project.language,
                segment=segment_name(segment_of(a)),
                generated_by=generated_by,
                prompt_version=prompts.PROMPT_VERSION,
                citations=brief.citations,
                validation={
                    "passed": True,
                    "repairs": repairs,
                    "brief_generated_by": brief.generated_by,
                },
            ),
        )
        if not inserted:
            return False
        name = persona.full_name
        await run.ctx.emit(
            ItemEvent(stage="enriched", slot=cell.index, name=name), session=session
        )
        await run.ctx.emit(
            ItemEvent(stage="validated", slot=cell.index, name=name),
            session=session,
        )
        await run.ctx.emit(
            ItemEvent(
                stage="saved", slot=cell.index, name=name, persona_id=str(persona_id)
            ),
            session=session,
        )
        # Counted from the table, so concurrent savers report a true count.
        saved = await repository.count_of_job(session, run.ctx.job_id)
        await run.ctx.progress(
            saved,
            run.total,
            f"personas {saved}/{run.total}",
            stage="personas",
            session=session,
        )
    return True


async def _store_fit(
    ctx: JobContext, project_id: uuid.UUID, target: Target
) -> dict[str, Any]:
    async with session_scope(ctx.sessionmaker) as session:
        cells = await repository.demographic_cells(session, project_id)
        report = fit_report(cells, target).model_dump(mode="json") if cells else None
        project = await session.get(Project, project_id)
        if project is not None:
            project.fit_report = report
    return report or {}


def new_seed() -> int:
    return random.SystemRandom().randrange(2**31 - 1)
