"""Reading everything a report shows from stored rows, through the domains'
own services where they compute something (survey results and crosstabs,
the persona sample's fit, the transcript), so a report shows the API's
numbers. No model is called. The result is plain JSON-able data (the JSON
export is exactly this)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from sight.analysis import repository as analysis_repository
from sight.analysis.models import ResultKind
from sight.exports import repository
from sight.fidelity.service import latest_fidelity
from sight.focus_groups import repository as group_repository
from sight.focus_groups import service as group_service
from sight.focus_groups.models import FocusGroup
from sight.personas import service as persona_service
from sight.personas.models import Persona
from sight.personas.schemas import PersonaRead
from sight.projects.models import Project
from sight.surveys import repository as survey_repository
from sight.surveys import service as survey_service
from sight.surveys.models import Survey

OFFLINE = "offline-engine"
REPRESENTATIVE = 10
# Crosstabs worth the exact test: the chi-square screen is below this.
SCREEN_P = 0.2
MAX_CROSSTABS = 8
DIMENSIONS = (
    "age_group",
    "gender",
    "location",
    "urban_rural",
    "education",
    "income_band",
)

Progress = Callable[[int, int, str], Awaitable[None]]
_CROSSTABS: dict[tuple[str, int, str, str], list[dict[str, Any]]] = {}


def is_offline(generated_by: str | None) -> bool:
    return bool(generated_by) and str(generated_by).startswith(OFFLINE)


def _project(project: Project) -> dict[str, Any]:
    return {
        "id": str(project.id),
        "name": project.name,
        "description": project.description,
        "research_goal": project.research_goal,
        "language": project.language,
        "country": project.country,
        "target_sample_size": project.target_sample_size,
        "target_demographics": project.target_demographics,
    }


def _persona(persona: Persona, label: Callable[[str, str], str]) -> dict[str, Any]:
    data = PersonaRead.model_validate(persona).model_dump(mode="json")
    data["labels"] = {d: label(d, str(getattr(persona, d))) for d in DIMENSIONS}
    return data


def representative(personas: list[Persona], k: int = REPRESENTATIVE) -> list[Persona]:
    """The personas whose demographic cells are most common in the sample,
    one per segment before a second from any: typical, and still varied."""
    counts = {d: Counter(str(getattr(p, d)) for p in personas) for d in DIMENSIONS}
    total = max(len(personas), 1)

    def typicality(p: Persona) -> float:
        return sum(counts[d][str(getattr(p, d))] / total for d in DIMENSIONS)

    ranked = sorted(personas, key=lambda p: (-typicality(p), p.slot, str(p.id)))
    chosen: list[Persona] = []
    seen: set[str] = set()
    for p in ranked:
        if len(chosen) < k and p.segment not in seen:
            chosen.append(p)
            seen.add(p.segment)
    for p in ranked:
        if len(chosen) >= k:
            break
        if p not in chosen:
            chosen.append(p)
    return chosen


async def _labeller(project: Project) -> Callable[[str, str], str]:
    label: Callable[[str, str], str] = survey_service.labeller(
        project.country, project.language
    )
    return label


async def persona_bundle(
    session: AsyncSession, persona: Persona, user_id: Any
) -> dict[str, Any]:
    project = await session.get(Project, persona.project_id)
    assert project is not None  # noqa: S101 (authorised through it)
    label = await _labeller(project)
    groups: dict[str, dict[str, Any]] = {}
    for group, turn in await repository.persona_turns(session, persona.id):
        entry = groups.setdefault(
            str(group.id),
            {"id": str(group.id), "name": group.name, "answers": []},
        )
        questions = group.questions
        entry["answers"].append(
            {
                "question_index": turn.question_index,
                "question": str(questions[turn.question_index]["text"])
                if turn.question_index < len(questions)
                else "",
                "round": turn.round,
                "text": turn.text,
                "generated_by": turn.generated_by,
            }
        )
    surveys = []
    for survey, response in await repository.persona_survey_answers(
        session, persona.id
    ):
        asked = survey_service.questions_of(survey)
        surveys.append(
            {
                "id": str(survey.id),
                "title": survey.title,
                "generated_by": response.generated_by,
                "answers": [
                    {
                        "question_id": q.id,
                        "question": q.title,
                        "answer": response.answers.get(q.id),
                    }
                    for q in asked
                ],
            }
        )
    chat = await group_repository.chat_history(session, persona.id, user_id)
    return {
        "kind": "persona",
        "generated_at": datetime.now(UTC).isoformat(),
        "project": _project(project),
        "persona": _persona(persona, label),
        "focus_groups": list(groups.values()),
        "surveys": surveys,
        "interview": [
            {"role": m.role, "content": m.content, "generated_by": m.generated_by}
            for m in chat
        ],
    }


async def _analysis(session: AsyncSession, group_id: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in ResultKind:
        row = await analysis_repository.result(session, group_id, kind)
        out[str(kind)] = (
            None if row is None else {**row.content, "_by": row.generated_by}
        )
    return out


async def group_bundle(
    session: AsyncSession, group: FocusGroup, project: Project | None = None
) -> dict[str, Any]:
    if project is None:
        project = await session.get(Project, group.project_id)
        assert project is not None  # noqa: S101
    label = await _labeller(project)
    transcript = await group_service.transcript(session, group)
    people = await group_repository.personas(
        session, group.project_id, [p for p in _uuids(group.persona_ids)]
    )
    return {
        "kind": "focus_group",
        "generated_at": datetime.now(UTC).isoformat(),
        "project": _project(project),
        "focus_group": {
            "id": str(group.id),
            "name": group.name,
            "description": group.description,
            "project_context": group.project_context,
            "questions": group.questions,
            "stimulus": group.stimulus,
            # Bytes for the PDF/DOCX picture; dropped from the JSON export.
            "stimulus_image": (
                await group_repository.stimulus_image(session, group.id)
                if (group.stimulus or {}).get("image")
                else None
            ),
            "language": group.language,
            "mode": group.mode,
            "status": group.status,
            "started_at": group.started_at.isoformat() if group.started_at else None,
            "completed_at": (
                group.completed_at.isoformat() if group.completed_at else None
            ),
        },
        "participants": [
            {
                "id": str(p.id),
                "full_name": p.full_name,
                "age": p.age,
                "occupation": p.occupation,
                "segment": p.segment,
                "labels": {d: label(d, str(getattr(p, d))) for d in DIMENSIONS},
                "generated_by": p.generated_by,
            }
            for p in people.values()
        ],
        "transcript": transcript.model_dump(mode="json"),
        "analysis": await _analysis(session, group.id),
    }


def _uuids(values: list[str]) -> list[Any]:
    import uuid

    return [uuid.UUID(v) for v in values]


def significant_crosstabs(
    questions: list[Any],
    records: list[dict[str, Any]],
    label: Callable[[str, str], str],
    seed: int,
) -> list[dict[str, Any]]:
    """Every closed question by every demographic field, screened with the
    chi-square test; then, well-filled tables first and by p, the candidates computed
    exactly as the crosstab endpoint computes them (same function, same
    arguments) until `MAX_CROSSTABS` are significant, smallest p first.
    Exact tests (Fisher, 1999 permutations) cost up to a second each on wide
    tables, so only as many run as the report shows. CPU work: a thread."""
    from sight.surveys.crosstabs import DEMOGRAPHIC_FIELDS, CrosstabInvalid, crosstab

    candidates: list[tuple[bool, float, int, Any, str]] = []
    for order, question in enumerate(questions):
        if question.type == "open-text":
            continue
        for field in DEMOGRAPHIC_FIELDS:
            try:
                screen = crosstab(question, records, [field], exact=False)
            except CrosstabInvalid:
                break
            tests = [t for t in screen.get("tests") or [screen.get("test") or {}]]
            testable = [t for t in tests if t.get("testable")]
            p = min((t["p"] for t in testable), default=1.0)
            if p < SCREEN_P:
                sparse = any(t["small_expected"] for t in testable)
                candidates.append((sparse, p, order, question, field))
    # Tables whose expected counts suit the chi-square test first (the exact
    # test of a sparse table is slower and says less), then by p.
    candidates.sort(key=lambda c: (c[0], c[1], c[2], c[4]))
    found: list[tuple[float, dict[str, Any]]] = []
    for _, _, _, question, field in candidates:
        if len(found) >= MAX_CROSSTABS:
            break
        table = crosstab(question, records, [field], labels=label, seed=seed)
        tests = table.get("tests") or [table["test"]]
        significant = [t for t in tests if t.get("testable") and t["significant"]]
        if significant:
            table["question_title"] = question.title
            found.append((min(t["p_used"] for t in significant), table))
    found.sort(key=lambda pair: pair[0])
    return [table for _, table in found]


async def survey_bundle(
    session: AsyncSession,
    survey: Survey,
    project: Project | None = None,
    *,
    responses: bool = True,
) -> dict[str, Any]:
    if project is None:
        project = await session.get(Project, survey.project_id)
        assert project is not None  # noqa: S101
    label = await _labeller(project)
    results = await survey_service.results(session, survey, project)
    answered = await survey_repository.answered_count(session, survey.id)
    # The same answers give the same crosstabs: kept per process, keyed by
    # what would change them (a new run adds answers and moves updated_at).
    key = (str(survey.id), answered, survey.updated_at.isoformat(), project.language)
    crosstabs = _CROSSTABS.get(key)
    if crosstabs is None:
        records = await survey_repository.respondent_records(session, survey.id)
        crosstabs = await asyncio.to_thread(
            significant_crosstabs,
            survey_service.questions_of(survey),
            records,
            label,
            int(survey.settings.get("seed") or 0),
        )
        _CROSSTABS[key] = crosstabs
        while len(_CROSSTABS) > 64:
            _CROSSTABS.pop(next(iter(_CROSSTABS)))
    rows = await survey_repository.responses(session, survey.id) if responses else []
    generated_by = await repository.survey_generated_by(session, survey.id)
    return {
        "kind": "survey",
        "generated_at": datetime.now(UTC).isoformat(),
        "project": _project(project),
        "survey": {
            "id": str(survey.id),
            "title": survey.title,
            "description": survey.description,
            "questions": survey.questions,
            "respondents": survey.respondents,
            "settings": survey.settings,
            "status": survey.status,
            "prompt_version": survey.prompt_version,
        },
        "results": results,
        "crosstabs": crosstabs,
        "generated_by": generated_by,
        "responses": [
            {
                "id": str(r.id),
                "persona_id": str(r.persona_id),
                "persona_name": r.persona_name,
                "demographics": r.demographics,
                "answers": r.answers,
                "generated_by": r.generated_by,
            }
            for r in rows
        ],
    }


async def project_bundle(
    session: AsyncSession,
    project: Project,
    *,
    include_full_personas: bool,
    progress: Progress | None = None,
) -> dict[str, Any]:
    label = await _labeller(project)
    personas = await repository.alive_personas(session, project.id)
    groups = await repository.groups_of(session, project.id)
    surveys = await repository.surveys_of(session, project.id)
    steps = 2 + len(groups) + len(surveys)
    done = 0

    async def step(message: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            await progress(done, steps, message)

    summary = await persona_service.summary(session, project)
    profiled = personas if include_full_personas else representative(personas)
    await step("personas")
    group_bundles = []
    for group in groups:
        if await group_repository.count_turns(session, group.id):
            group_bundles.append(await group_bundle(session, group, project))
        await step(f"focus group {group.name}")
    survey_bundles = []
    for survey in surveys:
        if await survey_repository.answered_count(session, survey.id):
            survey_bundles.append(
                await survey_bundle(session, survey, project, responses=False)
            )
        await step(f"survey {survey.title}")
    documents = await repository.documents(session, project.id)
    cited: dict[str, dict[str, Any]] = {}
    for persona in personas:
        for citation in persona.citations or []:
            key = str(citation.get("document_id") or citation.get("title"))
            entry = cited.setdefault(key, {**citation, "personas": 0})
            entry["personas"] += 1
    usage = await repository.usage(session, project.id)
    fidelity = await _fidelity(session, project, usage)
    await step("sources and costs")
    return {
        "kind": "project",
        "generated_at": datetime.now(UTC).isoformat(),
        "project": _project(project),
        "include_full_personas": include_full_personas,
        "persona_summary": summary.model_dump(mode="json"),
        "fit": project.fit_report,
        "personas": [
            {
                "id": str(p.id),
                "full_name": p.full_name,
                "age": p.age,
                "occupation": p.occupation,
                "segment": p.segment,
                "labels": {d: label(d, str(getattr(p, d))) for d in DIMENSIONS},
                "generated_by": p.generated_by,
            }
            for p in personas
        ],
        "profiles": [_persona(p, label) for p in profiled],
        "focus_groups": group_bundles,
        "surveys": survey_bundles,
        "documents": [
            {
                "id": str(d.id),
                "title": d.title,
                "filename": d.filename,
                "pages": d.pages,
                "status": d.status,
                "chunks": d.chunk_count,
            }
            for d in documents
        ],
        "citations": list(cited.values()),
        "usage": usage,
        "fidelity": fidelity,
    }


async def _fidelity(
    session: AsyncSession, project: Project, usage: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The latest fidelity figure (or None) of each model that answered as the
    project's respondents, for the project's population."""
    used = {(u["provider"], u["model"]) for u in usage if "answer" in u["flow"]}
    used = used or {(u["provider"], u["model"]) for u in usage}
    return [
        {
            "model": f"{provider}:{model}",
            "country": project.country,
            "latest": await latest_fidelity(
                session, model=f"{provider}:{model}", country=project.country
            ),
        }
        for provider, model in sorted(used)
    ]
