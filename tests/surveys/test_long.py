"""A 100-question questionnaire fits the model's output limit: its answers are
asked in as few consecutive parts as fit `surveys.answer`'s max_tokens (600),
every question gets an answer, and the estimate counts the calls."""

from __future__ import annotations

import json
from typing import Any

import httpx

from sight.surveys.answering import OUTPUT_HEADROOM, output_tokens, plan_parts
from sight.surveys.schemas import Question
from tests.personas.test_generation import wait_job
from tests.surveys.conftest import project_with_personas, read_stream


def _questions(n: int) -> list[dict[str, Any]]:
    kinds = ["single-choice", "open-text", "rating-scale", "multiple-choice"]
    out: list[dict[str, Any]] = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        q: dict[str, Any] = {"id": f"q{i}", "type": kind, "title": f"Question {i}?"}
        if kind in ("single-choice", "multiple-choice"):
            q["options"] = ["Yes", "No", "Maybe"]
        if kind == "rating-scale":
            q |= {"scaleMin": 1, "scaleMax": 5}
        if kind == "open-text":
            q["required"] = False
        out.append(q)
    return out


def test_parts_keep_order_and_fit_the_output_limit() -> None:
    questions = [Question.model_validate(q) for q in _questions(100)]
    for words in (False, True):
        parts = plan_parts(questions, words, 600)
        assert len(parts) > 1
        assert [q.id for part in parts for q in part] == [q.id for q in questions]
        for part in parts:
            assert (
                20 + sum(output_tokens(q, words) for q in part) <= 600 * OUTPUT_HEADROOM
            )
    # An ordinary questionnaire stays one call.
    assert len(plan_parts(questions[:10], True, 600)) == 1


async def test_a_hundred_questions_are_all_answered(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    project = await project_with_personas(client, auth, count=3)
    questions = _questions(100)
    created = await client.post(
        f"/api/v1/projects/{project['id']}/surveys",
        json={"title": "Long", "questions": questions},
        headers=auth,
    )
    assert created.status_code == 201, created.text
    survey = created.json()
    run = await client.post(f"/api/v1/surveys/{survey['id']}/run", headers=auth)
    assert run.status_code == 202, run.text
    estimate = run.json()["estimate"]
    parts = estimate["parts"]
    assert parts > 1
    assert estimate["calls"] == 3 * parts
    events = await read_stream(client, run.json()["events_url"], auth)
    assert events[-1]["event"] == "completed", events[-1]
    job = await wait_job(client, run.json()["job_id"], auth)
    assert job["status"] == "succeeded", job
    responses = (
        await client.get(f"/api/v1/surveys/{survey['id']}/responses", headers=auth)
    ).json()["items"]
    assert len(responses) == 3
    for r in responses:
        answers = r["answers"]
        assert set(answers) == {q["id"] for q in questions}
        assert all(answers[q["id"]] is not None for q in questions), answers
        assert r["raw_output"].count("--- part ") == parts
        first = r["raw_output"].split("--- part 2 of")[0].split("\n", 1)[1]
        assert json.loads(first)  # each part is the model's own JSON
