"""Fidelity runs end to end: through the API (job, progress, result page
data) with the offline engine and with a real SDK against the fake provider;
a researcher's own Polish study uploaded, mapped and measured; the same run
from the command line."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from sight.cli import cli
from sight.config import get_settings
from sight.exports.compose_project import _fidelity_line
from sight.fidelity.service import latest_fidelity
from sight.postgres import create_engine, create_sessionmaker
from sight_testing.fake_llm import FakeLLM, FakeLLMConfig, running_fake_llm
from tests.fidelity.test_upload import OPTIONS, respondents_csv
from tests.personas.test_generation import make_project, wait_job
from tests.personas.test_generation_with_provider import use_fake

SMALL = {
    "per_group": 4,
    "seed": 7,
    "questions": ["HAPPY", "polviews", "gss2018_grass"],
    "groups": ["overall", "sex:male", "sex:female", "age:65+"],
}


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with running_fake_llm(FakeLLMConfig(latency=0.0)) as server:
        yield server


async def _run(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    project_id: str,
    body: dict[str, Any],
) -> dict[str, Any]:
    started = await client.post(
        f"/api/v1/projects/{project_id}/fidelity", json=body, headers=auth
    )
    assert started.status_code == 202, started.text
    accepted = started.json()
    job = await wait_job(client, accepted["job_id"], auth, within=120)
    assert job["status"] == "succeeded", job
    run: dict[str, Any] = (await client.get(accepted["run_url"], headers=auth)).json()
    assert run["status"] == "completed", run
    return run


async def test_offline_run_through_the_api(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    project = await make_project(client, auth, country="us", language="en")
    run = await _run(client, auth, project["id"], SMALL)
    result = run["result"]
    assert run["offline"] is True
    assert result["offline"] is True
    assert run["provider"] == "offline"
    assert [g["id"] for g in result["groups"]] == SMALL["groups"]
    for group in result["groups"]:
        for key in ("score", "uniform_baseline", "perfect_at_n"):
            assert 0 <= group[key] <= 1
    male = next(g for g in result["groups"] if g["id"] == "sex:male")
    assert male["overall_as_prediction"] is not None
    assert male["n_synthetic"] == 4
    rep = result["repeatability"]
    assert rep["seed"] == 7
    assert rep["calls"] == 12  # 3 sampled groups x 4, one call each
    assert rep["persona_sample"]["per_group"] == 4
    assert rep["prompt_version"]
    assert result["benchmark"]["citation"].startswith("Smith, Tom W.")
    assert len(result["worst"]["groups"]) == 3
    listed = (
        await client.get(f"/api/v1/projects/{project['id']}/fidelity", headers=auth)
    ).json()
    assert listed["total"] == 1
    assert listed["items"][0]["score"] == run["score"]


async def test_unknown_questions_and_groups_get_a_clear_422(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    project = await make_project(client, auth)
    response = await client.post(
        f"/api/v1/projects/{project['id']}/fidelity",
        json={"questions": ["HAPPY", "NOPE"], "groups": ["sex:other"]},
        headers=auth,
    )
    assert response.status_code == 422, response.text
    body = response.json()
    messages = {e["field"]: e["msg"] for e in body["errors"]}
    assert messages["questions.1"].startswith("unknown question 'NOPE'; allowed: HAPPY")
    assert "sex:female" in messages["groups.0"]


async def test_fake_provider_run_and_latest_fidelity(
    client: httpx.AsyncClient, user: dict[str, str], fake: FakeLLM, database_url: str
) -> None:
    auth = {"Authorization": user["authorization"]}
    project = await make_project(client, auth, country="us", language="en")
    await use_fake(client, auth, fake)
    before = fake.stats.count("openai.chat.completions")
    run = await _run(client, auth, project["id"], {**SMALL, "seed": 8})
    assert fake.stats.count("openai.chat.completions") - before == 12
    assert run["offline"] is False
    assert run["model"] == "gpt-4.1-mini"
    assert run["calls"] == 12
    result = run["result"]
    assert result["repeatability"]["generated_by"] == ["openai:gpt-4.1-mini"]
    assert result["summary"]["drop_rate"] == 0
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            latest = await latest_fidelity(
                session, model="openai:gpt-4.1-mini", country="US"
            )
            none = await latest_fidelity(session, model="no-such-model", country="us")
    finally:
        await engine.dispose()
    assert latest is not None
    assert latest["score"] == pytest.approx(run["score"])
    assert latest["date"] == run["finished_at"][:10]
    assert none is None
    # The project report's line (sight.exports) for this model and population.
    line = _fidelity_line(
        {"model": "openai:gpt-4.1-mini", "country": "us", "latest": latest}, "en"
    )
    assert line.startswith("Fidelity of openai:gpt-4.1-mini for the US population: ")
    assert latest["date"] in line
    assert "offline" not in line
    missing = _fidelity_line({"model": "x:y", "country": "pl", "latest": None}, "pl")
    assert "jeszcze niezmierzona" in missing


async def test_a_polish_study_uploaded_mapped_and_measured(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    project = await make_project(client, auth)  # Poland
    base = f"/api/v1/projects/{project['id']}/fidelity/studies"
    bad = await client.post(
        base,
        files={"file": ("raport.pdf", b"%PDF-1.4", "application/pdf")},
        headers=auth,
    )
    assert bad.status_code == 422
    assert "allowed: .csv, .xlsx" in bad.json()["detail"]
    uploaded = await client.post(
        base,
        files={"file": ("badanie.csv", respondents_csv(), "text/csv")},
        data={"name": "Zaufanie 2025"},
        headers=auth,
    )
    assert uploaded.status_code == 201, uploaded.text
    study = uploaded.json()
    assert study["status"] == "needs_mapping"
    assert study["country"] == "pl"
    columns = {c["name"]: c for c in study["columns"]}
    assert columns["email"]["kind"] == "identifier"
    assert columns["email"]["values"] == []
    url = f"/api/v1/fidelity/studies/{study['id']}/mapping"
    wrong = await client.put(
        url,
        json={
            "group_columns": [
                {
                    "column": "plec",
                    "values": [
                        {
                            "value": "Kobieta",
                            "dimension": "gender",
                            "categories": ["kobieta"],
                        }
                    ],
                }
            ],
            "question_columns": [{"column": "zaufanie", "options": OPTIONS}],
        },
        headers=auth,
    )
    assert wrong.status_code == 422
    assert "allowed: male, female" in wrong.json()["errors"][0]["msg"]
    mapped = await client.put(
        url,
        json={
            "group_columns": [
                {
                    "column": "plec",
                    "name": "sex",
                    "values": [
                        {
                            "value": "Kobieta",
                            "dimension": "gender",
                            "categories": ["female"],
                        },
                        {
                            "value": "Mężczyzna",
                            "dimension": "gender",
                            "categories": ["male"],
                        },
                    ],
                }
            ],
            "question_columns": [
                {"column": "zaufanie", "text": "Czy ufasz rządowi?", "options": OPTIONS}
            ],
        },
        headers=auth,
    )
    assert mapped.status_code == 200, mapped.text
    ready = mapped.json()
    assert ready["status"] == "ready"
    assert ready["questions"][0]["groups"] == {
        "overall": 6,
        "sex:Kobieta": 3,
        "sex:Mężczyzna": 3,
    }
    run = await _run(
        client,
        auth,
        project["id"],
        {"study_id": study["id"], "per_group": 3, "seed": 1},
    )
    assert run["country"] == "pl"
    assert run["benchmark"] == "Zaufanie 2025"
    assert [g["id"] for g in run["result"]["groups"]] == [
        "overall",
        "sex:Kobieta",
        "sex:Mężczyzna",
    ]
    assert run["result"]["repeatability"]["calls"] == 6  # overall = women + men


def _cli(*args: str) -> Any:
    get_settings.cache_clear()
    # The command points the root logger at CliRunner's stdout, closed when it
    # returns; the suite's live server would then log into a closed file.
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        return _invoke(*args)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def _invoke(*args: str) -> Any:
    return CliRunner().invoke(
        cli,
        [
            "eval",
            "fidelity",
            "--per-group",
            "3",
            "--questions",
            "happy,grass",
            "--groups",
            "overall,sex:male,sex:female",
            *args,
        ],
    )


def test_the_command_line_with_the_offline_engine_and_the_fake_provider(
    database_url: str, live_server: Any, fake: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    del live_server  # the database is migrated
    for name in list(os.environ):
        if name.startswith(("OPENAI", "GOOGLE", "GEMINI", "ANTHROPIC")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_URL", database_url)
    try:
        offline = _cli()
        assert offline.exit_code == 0, offline.output[-2000:]
        assert "NO MODEL ANSWERED" in offline.stdout
        assert "mean over groups" in offline.stdout
        assert "sex:female" in offline.stdout
        assert "General Social Surveys" in offline.stdout
        monkeypatch.setenv("OPENAI_API_KEY", "sk-fake")
        monkeypatch.setenv("OPENAI_BASE_URL", fake.openai_base_url)
        real = _cli("--seed", "3")
        assert real.exit_code == 0, real.output[-2000:]
        assert "NO MODEL ANSWERED" not in real.stdout
        assert "calls 6" in real.stdout
        assert fake.stats.count("openai.chat.completions") == 6
        wrong = _cli("--questions", "nope")
        assert wrong.exit_code == 1
        assert "unknown question 'nope'" in wrong.output
    finally:
        get_settings.cache_clear()
