"""Export a large project: 200 personas, 3 focus groups of 20 personas x 5
questions (analysed), 2 surveys of 200 respondents x 10 questions. The rows
are inserted directly (realistic Polish content, statistics computed by the
surveys domain), then the project report is read and rendered as the API
does it: time of reading (with the crosstab screening) and of rendering, and
the process's peak resident memory.

    uv run python -m bench.exports [--formats pdf docx] [--full]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import subprocess
import sys
import time
import uuid
from typing import Any

from bench.support import fresh_database, insert_user, machine
from sight.analysis.models import AnalysisResult
from sight.demographics.joint import build_joint
from sight.demographics.quota import quota_sample
from sight.demographics.target import Target
from sight.domains import load_models
from sight.focus_groups.models import FocusGroup, FocusGroupResponse
from sight.llm.models import LLMCall
from sight.personas.briefs import segment_name, segment_of
from sight.personas.models import Persona
from sight.postgres import create_engine, create_sessionmaker, session_scope
from sight.projects.models import Project
from sight.projects.service import normalise_target
from sight.surveys.models import Survey, SurveyResponse
from sight.surveys.schemas import SurveyCreate
from sight.surveys.validation import check_definition

FIRST = [
    "Anna",
    "Piotr",
    "Zofia",
    "Łukasz",
    "Małgorzata",
    "Jędrzej",
    "Agnieszka",
    "Paweł",
    "Katarzyna",
    "Michał",
    "Ewa",
    "Krzysztof",
    "Joanna",
    "Tomasz",
]
LAST = [
    "Nowak",
    "Wiśniewska",
    "Wójcik",
    "Kowalczyk",
    "Kamiński",
    "Lewandowska",
    "Zieliński",
    "Szymańska",
    "Woźniak",
    "Dąbrowski",
    "Kozłowska",
    "Jankowski",
]
JOBS = [
    "nauczycielka",
    "kierowca",
    "księgowa",
    "programista",
    "pielęgniarka",
    "sprzedawca",
    "emerytowany górnik",
    "studentka",
    "rolnik",
    "farmaceutka",
]
SENTENCES = [
    "Szczerze mówiąc, cena jest dla mnie najważniejsza i 49 zł to sporo.",
    "Dostawa do domu byłaby ogromną wygodą, bo rano nie mam czasu na zakupy.",
    "Nie ufam subskrypcjom, bo trudno z nich zrezygnować, a koszty rosną.",
    "Zwykle kupuję kawę w dyskoncie obok domu i nie widzę powodu, żeby to zmieniać.",
    "Jakość ziaren wygląda solidnie, ale boję się ukrytych opłat za przesyłkę.",
    "Gdyby można było wybierać palarnię i stopień zmielenia, chętnie bym spróbował.",
    "Ekologiczne opakowanie ma dla mnie znaczenie, plastik mnie zniechęca.",
    "Dla rodziny z dziećmi każda złotówka się liczy, więc raczej nie skorzystam.",
    "Lubię odkrywać nowe smaki, więc próbna paczka to dobry pomysł.",
    "Moja żona pije tylko bezkofeinową, więc musiałaby być taka opcja.",
]
QUESTIONS_FG = [
    "Co sądzicie o subskrypcji kawy dostarczanej do domu?",
    "Ile bylibyście gotowi zapłacić miesięcznie?",
    "Co musiałoby się stać, żebyście zrezygnowali z subskrypcji?",
    "Jak ważne jest dla was pochodzenie ziaren i ekologia?",
    "Komu polecilibyście taką usługę i dlaczego?",
]
THEMES = [
    "Cena",
    "Wygoda",
    "Zaufanie",
    "Jakość",
    "Ekologia",
    "Rodzina",
    "Smak",
    "Dostawa",
    "Czas",
    "Przyzwyczajenia",
]


def survey_questions(variant: int) -> list[dict[str, Any]]:
    return [
        {
            "id": "aware",
            "type": "single-choice",
            "title": "Czy słyszał(a) Pan/Pani o subskrypcjach kawy?",
            "options": ["Tak", "Nie"],
        },
        {
            "id": "buy",
            "type": "single-choice",
            "title": "Czy zamówił(a)by Pan/Pani comiesięczną dostawę kawy?",
            "options": ["Tak", "Nie", "Nie wiem"],
        },
        {
            "id": "often",
            "type": "single-choice",
            "title": "Jak często pije Pan/Pani kawę?",
            "options": ["Codziennie", "Kilka razy w tygodniu", "Rzadziej"],
        },
        {
            "id": "where",
            "type": "multiple-choice",
            "title": "Gdzie kupuje Pan/Pani kawę?",
            "options": ["Supermarket", "Dyskont", "Sklep internetowy", "Kawiarnia"],
        },
        {
            "id": "why",
            "type": "multiple-choice",
            "title": "Co zachęciłoby do subskrypcji?",
            "options": ["Niższa cena", "Darmowa dostawa", "Próbka", "Eko opakowanie"],
        },
        {
            "id": "price",
            "type": "rating-scale",
            "title": "Jak ważna jest cena kawy?",
            "scaleMin": 1,
            "scaleMax": 5,
        },
        {
            "id": "taste",
            "type": "rating-scale",
            "title": "Jak ważny jest smak?",
            "scaleMin": 1,
            "scaleMax": 7,
        },
        {
            "id": "pay",
            "type": "numeric",
            "title": "Ile zapłacił(a)by Pan/Pani miesięcznie?",
            "min": 0,
            "max": 200,
            "unit": "zł",
        },
        {
            "id": "rank",
            "type": "ranking",
            "title": "Uszereguj, co jest najważniejsze",
            "options": ["Cena", "Smak", "Eko opakowanie", "Szybka dostawa"],
        },
        {
            "id": "open",
            "type": "open-text",
            "title": f"Co przekonałoby Pana/Panią do spróbowania? ({variant})",
            "required": False,
        },
    ]


def answer(q: Any, persona: Persona, rng: random.Random) -> Any:
    older = persona.age >= 55
    if q.type == "single-choice":
        options = list(q.options)
        weights = [3 if older and i == 1 else 1 for i in range(len(options))]
        return rng.choices(options, weights)[0]
    if q.type == "multiple-choice":
        return rng.sample(list(q.options), rng.randint(1, 3))
    if q.type == "rating-scale":
        top = int(q.scale_max)
        return min(top, max(1, rng.randint(2, top) + (1 if older else 0)))
    if q.type == "numeric":
        return round(rng.uniform(10, 120 if not older else 60))
    if q.type == "ranking":
        return rng.sample(list(q.options), len(q.options))
    return " ".join(rng.sample(SENTENCES, 2))


async def build(url: str, user_id: uuid.UUID, rng: random.Random) -> uuid.UUID:
    load_models()
    engine = create_engine(url, pool_size=4)
    maker = create_sessionmaker(engine)
    demographics = {"age_group": {"25-34": 0.3, "35-44": 0.3, "55-64": 0.2, "65+": 0.2}}
    async with session_scope(maker) as session:
        project = Project(
            owner_id=user_id,
            name="Subskrypcja kawy: raport dla klienta",
            description="Czy dorośli w miastach zapłacą za subskrypcję kawy ziarnistej?",
            research_goal="Oszacować zainteresowanie i akceptowalną cenę subskrypcji kawy.",
            language="pl",
            country="pl",
            target_sample_size=200,
            target_demographics=demographics,
            target_distribution=normalise_target(demographics, "pl"),
            llm_overrides={},
        )
        session.add(project)
        await session.flush()
        target = Target.model_validate(project.target_distribution)
        cells = quota_sample(build_joint(target), 200, seed=5)
        personas = []
        for index, cell in enumerate(cells):
            a = cell.attributes
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            personas.append(
                Persona(
                    project_id=project.id,
                    slot=index,
                    age=cell.age,
                    age_group=a["age_group"],
                    gender=a["gender"],
                    location=a["location"],
                    urban_rural=a["urban_rural"],
                    education=a["education"],
                    income_band=a["income"],
                    income=cell.income,
                    income_currency=cell.income_currency,
                    full_name=name,
                    occupation=rng.choice(JOBS),
                    language="pl",
                    segment=segment_name(segment_of(a)),
                    generated_by="offline-engine",
                    prompt_version="bench",
                    citations=[{"document_id": "gus-2021", "title": "GUS NSP 2021"}],
                    validation={},
                    profile={
                        "background_story": " ".join(rng.sample(SENTENCES, 5)),
                        "values": rng.sample(
                            ["rodzina", "oszczędność", "wygoda", "zdrowie", "ekologia"],
                            3,
                        ),
                        "interests": rng.sample(
                            ["gotowanie", "rower", "ogród", "kino", "podróże"], 3
                        ),
                        "needs": rng.sample(SENTENCES, 2),
                        "pain_points": rng.sample(SENTENCES, 2),
                        "media_habits": ["Facebook", "radio rano"],
                        "shopping_habits": ["dyskont raz w tygodniu", "promocje"],
                        "big_five": {
                            k: round(rng.random(), 2)
                            for k in (
                                "openness",
                                "conscientiousness",
                                "extraversion",
                                "agreeableness",
                                "neuroticism",
                            )
                        },
                        "hofstede": {
                            k: round(rng.random(), 2)
                            for k in (
                                "power_distance",
                                "individualism",
                                "masculinity",
                                "uncertainty_avoidance",
                                "long_term_orientation",
                                "indulgence",
                            )
                        },
                        "quote": rng.choice(SENTENCES),
                    },
                )
            )
        session.add_all(personas)
        await session.flush()
        from sight.demographics.fit import fit_report

        project.fit_report = fit_report(cells, target).model_dump(mode="json")
        for g in range(3):
            members = rng.sample(personas, 20)
            group = FocusGroup(
                project_id=project.id,
                created_by=user_id,
                name=f"Grupa {g + 1}: kawa w subskrypcji",
                description="Dyskusja o subskrypcji kawy ziarnistej.",
                project_context="",
                persona_ids=[str(p.id) for p in members],
                questions=[{"text": q, "follow_up": "auto"} for q in QUESTIONS_FG],
                stimulus={
                    "kind": "price_point",
                    "title": "Kawa co miesiąc",
                    "content": "Dwie paczki za 49 zł.",
                },
                language="pl",
                mode="normal",
                wave_size=5,
                turn_words=50,
                status="completed",
            )
            session.add(group)
            await session.flush()
            quotes = []
            for qi, question in enumerate(QUESTIONS_FG):
                session.add(
                    FocusGroupResponse(
                        focus_group_id=group.id,
                        project_id=project.id,
                        persona_id=None,
                        role="moderator",
                        question_index=qi,
                        round=0,
                        wave=0,
                        position=0,
                        text=question,
                        status="ok",
                        word_count=len(question.split()),
                        generated_by="offline-engine",
                        prompt_version="bench",
                        details={},
                    )
                )
                for pos, person in enumerate(members, start=1):
                    text = " ".join(rng.sample(SENTENCES, 3))
                    quotes.append((person.full_name, text.split(". ")[0]))
                    session.add(
                        FocusGroupResponse(
                            focus_group_id=group.id,
                            project_id=project.id,
                            persona_id=person.id,
                            role="persona",
                            question_index=qi,
                            round=0,
                            wave=pos // 5,
                            position=pos,
                            text=text,
                            status="ok",
                            word_count=len(text.split()),
                            generated_by="offline-engine",
                            prompt_version="bench",
                            details={},
                        )
                    )
            per_q = [
                {
                    "question_index": i,
                    "question": q,
                    "positive": rng.randint(5, 10),
                    "neutral": rng.randint(2, 6),
                    "negative": rng.randint(3, 8),
                    "mean_score": round(rng.uniform(-0.3, 0.4), 3),
                    "responses": 20,
                    "top_themes": rng.sample(THEMES, 3),
                }
                for i, q in enumerate(QUESTIONS_FG)
            ]
            contents = {
                "summary": {
                    "executive_summary": " ".join(rng.sample(SENTENCES, 4)),
                    "key_insights": [
                        {
                            "type": rng.choice(["opportunity", "risk", "pattern"]),
                            "title": f"„{t}” to ważny wątek",
                            "insight": " ".join(rng.sample(SENTENCES, 2)),
                            "confidence": round(rng.uniform(0.6, 0.95), 2),
                            "evidence": [
                                {"quote": q, "persona_name": n}
                                for n, q in rng.sample(quotes, 2)
                            ],
                        }
                        for t in rng.sample(THEMES, 5)
                    ],
                    "surprising_findings": rng.sample(SENTENCES, 2),
                    "recommendations": rng.sample(SENTENCES, 3),
                    "sentiment_narrative": " ".join(rng.sample(SENTENCES, 2)),
                },
                "sentiment": {
                    "overall": {
                        "positive": 40,
                        "neutral": 25,
                        "negative": 35,
                        "mean_score": 0.05,
                    },
                    "per_question": per_q,
                },
                "themes": {
                    "themes": [
                        {
                            "theme": t,
                            "responses": rng.randint(3, 60),
                            "personas": rng.randint(2, 20),
                            "positive": rng.randint(0, 20),
                            "neutral": rng.randint(0, 10),
                            "negative": rng.randint(0, 20),
                            "questions": [0, 1],
                        }
                        for t in THEMES
                    ]
                },
                "concept_graph": {
                    "nodes": [
                        {
                            "concept": c,
                            "mentions": rng.randint(2, 40),
                            "positive": rng.randint(0, 10),
                            "neutral": rng.randint(0, 5),
                            "negative": rng.randint(0, 10),
                        }
                        for c in [*THEMES, "abonament", "palarnia", "kurier", "ziarno"]
                    ],
                    "edges": [
                        {"source": a, "target": b, "weight": rng.randint(1, 9)}
                        for a, b in {tuple(rng.sample(THEMES, 2)) for _ in range(30)}
                    ],
                    "contested_concepts": ["Cena", "Zaufanie"],
                },
            }
            for kind, content in contents.items():
                session.add(
                    AnalysisResult(
                        focus_group_id=group.id,
                        project_id=project.id,
                        kind=kind,
                        content=content,
                        generated_by="offline-engine",
                    )
                )
        for s in range(2):
            questions, problems = check_definition(
                SurveyCreate.model_validate(
                    {"title": f"Ankieta {s + 1}", "questions": survey_questions(s)}
                )
            )
            assert not problems, problems
            survey = Survey(
                project_id=project.id,
                created_by=user_id,
                title=f"Ankieta {s + 1}: subskrypcja kawy",
                description="200 respondentów, 10 pytań.",
                questions=[
                    q.model_dump(mode="json", exclude_none=True) for q in questions
                ],
                respondents={"mode": "all"},
                settings={"seed": 7, "shuffle_options": True, "rating_mode": "direct"},
                status="completed",
                target=200,
                results_answered=0,
                prompt_version="bench",
            )
            session.add(survey)
            await session.flush()
            records = []
            for person in personas:
                answers = {q.id: answer(q, person, rng) for q in questions}
                demo = {
                    c: getattr(person, c)
                    for c in (
                        "age",
                        "age_group",
                        "gender",
                        "location",
                        "urban_rural",
                        "education",
                        "income_band",
                        "income",
                        "income_currency",
                        "segment",
                        "occupation",
                    )
                }
                session.add(
                    SurveyResponse(
                        survey_id=survey.id,
                        persona_id=person.id,
                        persona_name=person.full_name,
                        demographics=demo,
                        answers=answers,
                        details={},
                        raw_output="{}",
                        generated_by="offline-engine",
                        prompt_version="bench",
                    )
                )
                records.append(
                    {"answers": answers, "details": {}, "demographics": demo}
                )
            from sight.surveys.results import compute_results

            survey.results = compute_results(
                questions,
                records,
                settings=survey.settings,
                rating_mode="direct",
                seed=7,
            )
            survey.results_answered = 200
        for flow, calls in (
            ("personas.enrich", 200),
            ("focus_groups.answer", 300),
            ("surveys.answer", 400),
            ("analysis.summary", 3),
        ):
            for _ in range(calls // 50):
                session.add(
                    LLMCall(
                        user_id=user_id,
                        project_id=project.id,
                        flow=flow,
                        provider="offline",
                        model="offline-engine",
                        input_tokens=900,
                        output_tokens=300,
                        cost_usd=0,
                        outcome="ok",
                    )
                )
        project_id = project.id
    await engine.dispose()
    return project_id


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def export(url: str, project_id: uuid.UUID, fmt: str, full: bool) -> None:
    """One export in this (fresh) process, as an API worker would run it after
    its first export (imports done): wall and CPU time, then the process's
    peak RSS (Python, sight, SciPy, matplotlib and the export itself)."""
    from sight.exports import gather, service

    engine = create_engine(url, pool_size=2)
    maker = create_sessionmaker(engine)
    for run in ("first", "warm"):
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        start, cpu = time.perf_counter(), cpu_s()
        async with maker() as session:
            project = await session.get(Project, project_id)
            assert project is not None
            data = await gather.project_bundle(
                session, project, include_full_personas=full
            )
        read, read_cpu = time.perf_counter() - start, cpu_s() - cpu
        body = await service.render_async("project", fmt, data)
        total, total_cpu = time.perf_counter() - start, cpu_s() - cpu
        pages = ""
        if fmt == "pdf":
            import io

            import pypdf

            pages = f", {len(pypdf.PdfReader(io.BytesIO(body)).pages)} pages"
        print(
            f"{fmt}{' full' if full else ''} {run}: wall {total:.2f} s (read {read:.2f}, "
            f"render {total - read:.2f}); CPU {total_cpu:.2f} s (read {read_cpu:.2f}, "
            f"render {total_cpu - read_cpu:.2f}); {len(body) / 1e6:.2f} MB{pages}; "
            f"peak RSS {peak_mb():.0f} MB; load {load}",
            flush=True,
        )
    await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--formats", nargs="+", default=["pdf"])
    parser.add_argument("--full", action="store_true", help="every persona's profile")
    parser.add_argument("--export-only", nargs=2, metavar=("URL", "PROJECT_ID"))
    args = parser.parse_args()
    if args.export_only:
        url, project_id = args.export_only
        await export(url, uuid.UUID(project_id), args.formats[0], args.full)
        return
    print(machine())
    with fresh_database() as url:
        user = insert_user(url)
        t = time.perf_counter()
        project_id = await build(url, user, random.Random(3))
        print(f"rows inserted in {time.perf_counter() - t:.1f} s", flush=True)
        for fmt in args.formats:
            # A fresh process per format: its peak RSS is the export's, not
            # the benchmark's (the rows it built, its database client).
            command = [sys.executable, "-m", "bench.exports", "--formats", fmt]
            command += ["--full"] if args.full else []
            command += ["--export-only", url, str(project_id)]
            subprocess.run(command, check=True)  # noqa: ASYNC221 (nothing else runs)


if __name__ == "__main__":
    asyncio.run(main())
