"""The analysis API end to end: a real group run by the offline engine in the
live server, analysed by a job, read back and checked against the transcript."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx

from tests.conftest import register_user
from tests.focus_groups.conftest import make_group, project_with_personas
from tests.personas.test_generation import wait_job


async def _completed_group(
    client: httpx.AsyncClient, auth: dict[str, str], **project: Any
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    created, personas = await project_with_personas(client, auth, n=8, **project)
    group = await make_group(client, auth, created["id"], [p["id"] for p in personas])
    run = await client.post(f"/api/v1/focus-groups/{group['id']}/run", headers=auth)
    assert run.status_code == 202, run.text
    job = await wait_job(client, run.json()["job_id"], auth, within=120)
    assert job["status"] == "succeeded", job
    return created, group, personas


async def test_summary_is_grounded_in_the_transcript(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    _, group, personas = await _completed_group(client, auth)
    gid = group["id"]

    missing = await client.get(f"/api/v1/focus-groups/{gid}/ai-summary", headers=auth)
    assert missing.status_code == 404
    assert "ai-summary" in missing.json()["detail"]

    started = await client.post(
        f"/api/v1/focus-groups/{gid}/ai-summary?include_recommendations=false",
        headers=auth,
    )
    assert started.status_code == 202, started.text
    again = await client.post(f"/api/v1/focus-groups/{gid}/ai-summary", headers=auth)
    assert again.status_code == 409  # one analysis of a group at a time
    job = await wait_job(client, started.json()["job_id"], auth, within=120)
    assert job["status"] == "succeeded", job

    summary = (
        await client.get(f"/api/v1/focus-groups/{gid}/ai-summary", headers=auth)
    ).json()
    transcript = (
        await client.get(f"/api/v1/focus-groups/{gid}/responses", headers=auth)
    ).json()
    texts = {
        r["id"]: r["response"]
        for q in transcript["questions"]
        for r in q["responses"]
        if r["role"] == "persona" and r["status"] == "ok"
    }
    assert 3 <= len(summary["key_insights"]) <= 7
    for insight in summary["key_insights"]:
        assert insight["type"] in {"opportunity", "risk", "trend", "pattern"}
        assert 0 <= insight["confidence"] <= 1
        assert insight["evidence"]
        for evidence in insight["evidence"]:
            text = texts[evidence["response_id"]]
            assert evidence["quote"] in text
            assert text[evidence["start"] : evidence["end"]] == evidence["quote"]
    assert summary["recommendations"] == []
    meta = summary["metadata"]
    assert meta["generated_by"] == "offline-engine"
    assert meta["language"] == "pl"
    assert meta["include_recommendations"] is False
    assert meta["responses_analyzed"] == len(texts)
    assert "uczestników" in summary["executive_summary"]

    # Segment counts equal the data: people and answers per gender.
    by_id = {p["id"]: p for p in personas}
    answers_by_gender: Counter[str] = Counter()
    people_by_gender: dict[str, set[str]] = {}
    for q in transcript["questions"]:
        for r in q["responses"]:
            if r["role"] == "persona" and r["status"] == "ok":
                gender = by_id[r["persona_id"]]["gender"]
                answers_by_gender[gender] += 1
                people_by_gender.setdefault(gender, set()).add(r["persona_id"])
    dims = {d["dimension"]: d for d in summary["segment_analysis"]["dimensions"]}
    genders = {s["key"]: s for s in dims["gender"]["segments"]}
    assert {k: s["responses"] for k, s in genders.items()} == dict(answers_by_gender)
    assert {k: s["personas"] for k, s in genders.items()} == {
        k: len(v) for k, v in people_by_gender.items()
    }
    for s in genders.values():
        assert s["positive"] + s["neutral"] + s["negative"] == s["responses"]

    sentiment = (
        await client.get(f"/api/v1/focus-groups/{gid}/sentiment", headers=auth)
    ).json()
    assert sentiment["method"].startswith("local:embedding-anchors+lexicon")
    assert {r["response_id"] for r in sentiment["responses"]} == set(texts)
    assert sum(q["responses"] for q in sentiment["per_question"]) == len(texts)

    themes = (
        await client.get(f"/api/v1/focus-groups/{gid}/themes", headers=auth)
    ).json()
    assert themes["themes"], "an offline group about coffee prices has themes"
    top = themes["themes"][0]
    assert top["responses"] == top["positive"] + top["neutral"] + top["negative"]

    graph = (
        await client.get(f"/api/v1/focus-groups/{gid}/concept-graph", headers=auth)
    ).json()
    assert graph["store"] == "postgres"
    assert graph["engine"] == "in-process"
    assert graph["nodes"]
    names = {n["concept"] for n in graph["nodes"]}
    for edge in graph["edges"]:
        assert {edge["source"], edge["target"]} <= names
    assert graph["influential_personas"][0]["influence"] == 1.0
    status = (
        await client.get(f"/api/v1/focus-groups/{gid}/analysis", headers=auth)
    ).json()
    assert status["has_summary"]
    assert status["status"] == "succeeded"

    # Another user sees nothing of it: the same 404 as a missing group.
    other = await register_user(client)
    other_auth = {"Authorization": other["authorization"]}
    for path in ("ai-summary", "sentiment", "themes", "concept-graph", "analysis"):
        response = await client.get(
            f"/api/v1/focus-groups/{gid}/{path}", headers=other_auth
        )
        assert response.status_code == 404, path
    denied = await client.post(
        f"/api/v1/focus-groups/{gid}/ai-summary", headers=other_auth
    )
    assert denied.status_code == 404


async def test_a_group_that_has_not_run_cannot_be_analysed(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    created, personas = await project_with_personas(client, auth, n=4)
    group = await make_group(client, auth, created["id"], [p["id"] for p in personas])
    response = await client.post(
        f"/api/v1/focus-groups/{group['id']}/analysis", headers=auth
    )
    assert response.status_code == 409
    assert "no answers" in response.json()["detail"]
    flag = await client.post(
        f"/api/v1/focus-groups/{group['id']}/ai-summary?use_pro_model=maybe",
        headers=auth,
    )
    assert flag.status_code == 422
    assert "use_pro_model" in flag.text
