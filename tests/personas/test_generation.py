"""Generating personas end to end over HTTP (offline engine in the live server)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import httpx

from tests.conftest import register_user
from tests.jobs.test_jobs import read_sse


async def make_project(
    client: httpx.AsyncClient, auth: dict[str, str], **extra: Any
) -> dict[str, Any]:
    body = {
        "name": "Coffee subscription",
        "research_goal": "Would urban adults pay for a coffee subscription?",
        "language": "pl",
        "country": "pl",
        "target_sample_size": 20,
        "target_demographics": {
            "age_group": {"25-34": 0.5, "35-44": 0.5},
            "gender": {"Male": 0.5, "Female": 0.5},
            "urban_rural": {"urban": 1.0, "rural": 0.0},
        },
        **extra,
    }
    response = await client.post("/api/v1/projects", json=body, headers=auth)
    assert response.status_code == 201, response.text
    project: dict[str, Any] = response.json()
    return project


async def wait_job(
    client: httpx.AsyncClient, job_id: str, auth: dict[str, str], within: float = 90
) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        job: dict[str, Any] = (
            await client.get(f"/api/v1/jobs/{job_id}", headers=auth)
        ).json()
        if job["status"] in {"succeeded", "failed", "cancelled"}:
            return job
        await asyncio.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish: {job}")


async def test_generate_twenty_personas_matching_the_target(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    project = await make_project(client, auth)
    started = await client.post(
        f"/api/v1/projects/{project['id']}/personas/generate",
        json={"seed": 7},
        headers=auth,
    )
    assert started.status_code == 202, started.text
    accepted = started.json()
    assert accepted["num_personas"] == 20
    assert accepted["estimate"]["usd"] == 0.0  # offline engine
    events = await read_sse(client, accepted["job_id"], user["authorization"])
    job = await wait_job(client, accepted["job_id"], auth)
    assert job["status"] == "succeeded", job
    assert job["result"]["saved"] == 20
    assert job["result"]["failed"] == []

    stages = Counter(e["data"]["stage"] for e in events if e["event"] == "item")
    assert stages["started"] == stages["saved"] == 20
    # One enrichment each, plus the odd repair the diversity rules ask for.
    assert 20 <= stages["enriched"] <= 24
    assert events[-1]["event"] == "completed"
    # Progress is reported per stage, never goes back, and ends at total/total.
    progress: dict[str, list[tuple[int, int]]] = {}
    for event in events:
        if event["event"] == "progress":
            data = event["data"]
            progress.setdefault(data["stage"], []).append((data["done"], data["total"]))
    assert set(progress) == {"briefs", "personas"}
    for reports in progress.values():
        counts = [done for done, _ in reports]
        assert counts == sorted(counts), reports
        assert reports[-1][0] == reports[-1][1], reports
    assert progress["personas"][-1] == (20, 20)

    listed = (
        await client.get(
            f"/api/v1/projects/{project['id']}/personas?limit=100&view=full",
            headers=auth,
        )
    ).json()
    personas = listed["items"]
    assert listed["total"] == 20
    # Quota sampling: marginals equal the target exactly (10/10, 10/10, all urban).
    assert Counter(p["age_group"] for p in personas) == {
        "age_25_34": 10,
        "age_35_44": 10,
    }
    assert Counter(p["gender"] for p in personas) == {"male": 10, "female": 10}
    assert {p["urban_rural"] for p in personas} == {"urban"}
    assert all(25 <= p["age"] <= 44 for p in personas)
    assert len({p["full_name"] for p in personas}) == 20
    assert {p["generated_by"] for p in personas} == {"offline-engine"}
    first = personas[0]
    assert first["language"] == "pl"
    assert "lat" in first["profile"]["background_story"]  # written in Polish
    assert set(first["profile"]["big_five"]) == {
        "openness",
        "conscientiousness",
        "extraversion",
        "agreeableness",
        "neuroticism",
    }
    assert all(0 <= v <= 1 for v in first["profile"]["hofstede"].values())
    women = [p for p in personas if p["gender"] == "female"]
    assert all(
        p["full_name"].split()[-1][-1] != "i" for p in women
    )  # Kamińska, not Kamiński

    summary = (
        await client.get(
            f"/api/v1/projects/{project['id']}/personas/summary", headers=auth
        )
    ).json()
    assert summary["total"] == 20
    gender = {r["category"]: r for r in summary["distributions"]["gender"]}
    assert gender["female"]["count"] == 10
    assert gender["female"]["target_share"] == 0.5
    assert summary["fit"]["n"] == 20
    stored = (
        await client.get(f"/api/v1/projects/{project['id']}", headers=auth)
    ).json()
    assert stored["fit_report"]["verdict"] == summary["fit"]["verdict"]


async def test_filters_soft_delete_and_undo(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    project = await make_project(client, auth, target_sample_size=6)
    accepted = (
        await client.post(
            f"/api/v1/projects/{project['id']}/personas/generate", json={}, headers=auth
        )
    ).json()
    assert (await wait_job(client, accepted["job_id"], auth))["status"] == "succeeded"
    base = f"/api/v1/projects/{project['id']}/personas"
    women = (await client.get(f"{base}?gender=female", headers=auth)).json()
    assert women["total"] == 3
    assert {p["gender"] for p in women["items"]} == {"female"}
    victim = women["items"][0]
    deleted = await client.delete(f"/api/v1/personas/{victim['id']}", headers=auth)
    assert deleted.json()["deleted_at"] is not None
    assert (await client.get(base, headers=auth)).json()["total"] == 5
    assert (await client.get(f"{base}?include_deleted=true", headers=auth)).json()[
        "total"
    ] == 6
    restored = await client.post(
        f"/api/v1/personas/{victim['id']}/restore", headers=auth
    )
    assert restored.json()["deleted_at"] is None
    assert (await client.get(base, headers=auth)).json()["total"] == 6

    stranger = {"Authorization": (await register_user(client))["authorization"]}
    assert (
        await client.get(f"/api/v1/personas/{victim['id']}", headers=stranger)
    ).status_code == 404
    assert (
        await client.delete(f"/api/v1/personas/{victim['id']}", headers=stranger)
    ).status_code == 404
    assert (await client.get(base, headers=stranger)).status_code == 404
    assert (
        await client.post(f"{base}/generate", json={}, headers=stranger)
    ).status_code == 404


async def test_estimate_only_runs_nothing(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    project = await make_project(client, auth)
    response = await client.post(
        f"/api/v1/projects/{project['id']}/personas/generate?estimate=true",
        json={"num_personas": 200},
        headers=auth,
    )
    assert response.status_code == 200
    body = response.json()
    # enrichment + one brief per segment of the plan (2 ages x 2 sexes x 3
    # education tiers at most) + one de-duplication embedding per story
    assert body["segments"] <= 12
    assert body["calls"] == 200 + body["segments"] + 200
    assert (
        await client.get(f"/api/v1/projects/{project['id']}/personas", headers=auth)
    ).json()["total"] == 0
    bad = await client.post(
        f"/api/v1/projects/{project['id']}/personas/generate",
        json={"num_personas": 0},
        headers=auth,
    )
    assert bad.status_code == 422
