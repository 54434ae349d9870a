"""The dashboard as a user reads it: the numbers over their projects, the
adopted mark, the snapshot served from Redis until a study ends, and the same
snapshots in PostgreSQL without Redis."""

from __future__ import annotations

import json
import uuid
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import select, text

from sight.auth.models import User
from sight.config import LLMSettings
from sight.dashboard import service
from sight.dashboard.models import KpiSnapshot
from sight.dashboard.store import PostgresSnapshots
from sight.dashboard.tasks import refresh_snapshots
from sight.llm.policies import LLMPolicies
from sight.postgres import create_engine, create_sessionmaker
from tests.conftest import register_user
from tests.dashboard.data import (
    add_analysed_group,
    add_failed_job,
    add_personas,
    add_spend,
    db_session,
    hours_ago,
    insight,
    set_budget_via_api,
    set_project,
)
from tests.fixtures.jobs import start_job
from tests.personas.test_generation import make_project, wait_job

_SMALL_BUT_EXACT = {
    "verdict": "inconclusive",
    "dimensions": [
        {"dimension": "gender", "verdict": "inconclusive", "within_rounding": True}
    ],
}


async def _get(client: httpx.AsyncClient, path: str, auth: dict[str, str]) -> Any:
    response = await client.get(f"/api/v1/dashboard/{path}", headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_numbers_over_three_projects(
    client: httpx.AsyncClient, user: dict[str, str], database_url: str
) -> None:
    auth = {"Authorization": user["authorization"]}
    oat = await make_project(client, auth, name="Oat drinks")
    meal = await make_project(client, auth, name="Meal kits")
    coffee = await make_project(client, auth, name="Coffee")
    await set_budget_via_api(client, auth, 10.0)
    async with db_session(database_url) as s:
        await set_project(
            s, oat["id"], created_at=hours_ago(20), fit_report={"verdict": "pass"}
        )
        await set_project(
            s, meal["id"], created_at=hours_ago(40), fit_report={"verdict": "fail"}
        )
        await add_personas(s, oat["id"], 5)
        await add_personas(s, meal["id"], 3)
        oat_group = await add_analysed_group(
            s,
            oat["id"],
            insights=[
                insight("Price matters"),
                insight("Taste wins", "trend"),
                insight("Packaging worries", "risk"),
            ],
            at=hours_ago(10),
            concepts={"price": 7, "taste": 3},
            sentiment=(4, 2, 1),
            name="Oat talk",
        )
        await add_analysed_group(
            s,
            meal["id"],
            insights=[insight("Too expensive", "risk")],
            at=hours_ago(10),
            concepts={"price": 2, "delivery": 5},
            sentiment=(1, 1, 3),
        )
        await add_failed_job(s, user["id"], coffee["id"], "personas.generate")
        await add_spend(s, user["id"], 3.0, project_id=oat["id"])

    overview = await _get(client, "overview", auth)
    assert overview["projects"] == 3
    assert overview["insights_ready"]["raw_value"] == 4
    # 10 h (oat) and 30 h (meal) from creation to the first analysis.
    tti = overview["time_to_insight"]
    assert tti["raw_value"] == pytest.approx(20.0, abs=0.1)
    assert tti["p90"] == pytest.approx(30.0, abs=0.1)
    coverage = overview["persona_coverage"]
    assert (coverage["count"], coverage["total"]) == (1, 3)
    assert overview["health"] == {"on_track": 1, "at_risk": 1, "blocked": 1}
    assert overview["blockers_count"]["raw_value"] == 3
    assert overview["spend"]["spent_usd"] == pytest.approx(3.0)
    assert overview["spend"]["budget_usd"] == pytest.approx(10.0)
    assert overview["spend"]["forecast_usd"] >= 3.0
    assert overview["insight_adoption_rate"]["raw_value"] == 0

    health = await _get(client, "health/blockers", auth)
    first = health["blockers"][0]
    assert first["project_name"] == "Coffee"
    assert first["severity"] == "critical"
    assert first["type"] == "failed_job"
    assert "rejected the key" in first["message"]
    assert first["fix_url"] == f"/projects/{coffee['id']}"
    states = {p["name"]: p["status"] for p in health["projects"]}
    assert states == {
        "Oat drinks": "on_track",
        "Meal kits": "at_risk",
        "Coffee": "blocked",
    }

    analytics = await _get(client, "analytics/insights", auth)
    assert analytics["top_concepts"][0] == {
        "concept": "price",
        "count": 9,
        "studies": 2,
    }
    sentiment = analytics["sentiment_distribution"]
    assert (sentiment["positive"], sentiment["neutral"], sentiment["negative"]) == (
        5,
        3,
        4,
    )
    assert analytics["insight_types"] == {
        "opportunity": 1,
        "risk": 2,
        "trend": 1,
        "pattern": 0,
    }

    weekly = await _get(client, "analytics/weekly", auth)
    assert len(weekly["weeks"]) == 8
    assert sum(weekly["insights"]) == 4
    assert sum(weekly["personas"]) == 8
    assert sum(weekly["focus_groups"]) == 2
    assert sum(weekly["spend_usd"]) == pytest.approx(3.0)

    usage = await _get(client, "usage-breakdown", auth)
    assert usage["persona_generation"]["percentage"] == 100.0
    assert usage["by_model"]["openai:gpt-test"]["tokens"] == 1500

    latest = await _get(client, "insights/latest?limit=3", auth)
    assert len(latest) == 3
    assert {i["title"] for i in latest} <= {
        "Price matters",
        "Taste wins",
        "Packaging worries",
        "Too expensive",
    }

    # Adopting an insight shows at once (the snapshot is dropped).
    adopted = await client.put(
        f"/api/v1/dashboard/insights/{oat_group}/0",
        json={"adopted": True},
        headers=auth,
    )
    assert adopted.status_code == 200, adopted.text
    assert adopted.json()["is_adopted"] is True
    assert adopted.json()["title"] == "Price matters"
    overview = await _get(client, "overview", auth)
    rate = overview["insight_adoption_rate"]
    assert (rate["count"], rate["total"], rate["raw_value"]) == (1, 4, 0.25)

    missing = await client.put(
        f"/api/v1/dashboard/insights/{oat_group}/9",
        json={"adopted": True},
        headers=auth,
    )
    assert missing.status_code == 404
    assert "numbered from 0" in missing.json()["detail"]
    wrong = await client.put(
        f"/api/v1/dashboard/insights/{oat_group}/0",
        json={"adopted": "yes"},
        headers=auth,
    )
    assert wrong.status_code == 422

    # Someone else sees none of it and cannot mark it.
    other = await register_user(client)
    other_auth = {"Authorization": other["authorization"]}
    theirs = await _get(client, "overview", other_auth)
    assert theirs["projects"] == 0
    assert theirs["insights_ready"]["raw_value"] == 0
    assert (await _get(client, "health/blockers", other_auth))["blockers"] == []
    refused = await client.put(
        f"/api/v1/dashboard/insights/{oat_group}/0",
        json={"adopted": False},
        headers=other_auth,
    )
    assert refused.status_code == 404


async def test_snapshot_served_from_redis_until_a_job_in_the_project_ends(
    client: httpx.AsyncClient,
    user: dict[str, str],
    database_url: str,
    redis_url: str,
) -> None:
    auth = {"Authorization": user["authorization"]}
    project = await make_project(client, auth, name="Tea")
    before = await _get(client, "overview", auth)
    assert before["persona_coverage"]["count"] == 0
    redis = Redis.from_url(redis_url, decode_responses=True)
    try:
        stored = await redis.hget(f"sight:dashboard:v1:user:{user['id']}", "overview")
    finally:
        await redis.aclose()
    assert stored is not None
    assert json.loads(stored)["projects"] == 1

    # A sample arrives without the project row changing: still the snapshot.
    async with db_session(database_url) as s:
        await add_personas(s, project["id"], 4)
        await s.execute(
            text("UPDATE projects SET fit_report = :r WHERE id = :id"),
            # Too few personas to test, but as exact as whole personas allow.
            {"r": json.dumps(_SMALL_BUT_EXACT), "id": project["id"]},
        )
    cached = await _get(client, "overview", auth)
    assert cached["persona_coverage"]["count"] == 0
    assert cached["computed_at"] == before["computed_at"]

    job_id = await start_job(
        database_url, user["id"], project_id=uuid.UUID(project["id"]), units=1, delay=0
    )
    job = await wait_job(client, str(job_id), auth)
    assert job["status"] == "succeeded"
    after = await _get(client, "overview", auth)
    assert after["persona_coverage"]["count"] == 1
    assert after["computed_at"] != before["computed_at"]

    # A new project shows at once (the snapshot's fingerprint changed).
    await make_project(client, auth, name="Juice")
    assert (await _get(client, "overview", auth))["projects"] == 2


async def test_without_redis_snapshots_live_in_postgres(
    client: httpx.AsyncClient, user: dict[str, str], database_url: str
) -> None:
    auth = {"Authorization": user["authorization"]}
    project = await make_project(client, auth, name="Water")
    project_id = uuid.UUID(project["id"])
    settings = LLMSettings()
    policies = LLMPolicies()

    async def overview() -> dict[str, Any]:
        async with db_session(database_url) as s:
            me = await s.get(User, uuid.UUID(user["id"]))
            assert me is not None
            body = await service.section(
                PostgresSnapshots(s),
                s,
                me,
                "overview",
                policies=policies,
                llm_settings=settings,
            )
            result: dict[str, Any] = json.loads(body)
            return result

    first = await overview()
    assert first["projects"] == 1
    async with db_session(database_url) as s:
        row = await s.get(KpiSnapshot, uuid.UUID(user["id"]))
        assert row is not None
        assert project_id in row.project_ids
        assert row.data["overview"]["projects"] == 1
        await add_personas(s, project["id"], 2)
    assert (await overview())["computed_at"] == first["computed_at"]  # a hit

    # The scheduled refresh recomputes the snapshots of recent readers.
    engine = create_engine(database_url, pool_size=2)
    runtime = SimpleNamespace(
        services={},
        sessionmaker=create_sessionmaker(engine),
        llm=SimpleNamespace(policies=policies),
        settings=SimpleNamespace(llm=settings),
    )
    try:
        await refresh_snapshots(cast(Any, runtime))
    finally:
        await engine.dispose()
    refreshed = await overview()
    assert refreshed["computed_at"] != first["computed_at"]
    assert refreshed["this_week_activity"]["raw_value"] >= 2

    # A study ending in the project drops the row.
    async with db_session(database_url) as s:
        await PostgresSnapshots(s).drop_project(project_id)
    async with db_session(database_url) as s:
        gone = await s.scalar(
            select(KpiSnapshot).where(KpiSnapshot.user_id == uuid.UUID(user["id"]))
        )
        assert gone is None
