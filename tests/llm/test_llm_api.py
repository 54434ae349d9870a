"""Settings, estimates and usage over HTTP."""

from __future__ import annotations

import httpx
import psycopg
import pytest

from tests.conftest import register_user


async def test_keys_are_stored_encrypted_and_never_returned(
    client: httpx.AsyncClient, user: dict[str, str], database_url: str
) -> None:
    auth = {"Authorization": user["authorization"]}
    secret = "sk-live-very-secret-123456"
    response = await client.put(
        "/api/v1/settings/llm",
        json={
            "provider": "openai",
            "api_keys": {"openai": secret},
            "overrides": {"surveys.answer": {"temperature": 0.2}},
        },
        headers=auth,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert secret not in response.text
    assert body["keys"] == [{"provider": "openai", "set": True, "readable": True}]
    routes = {r["flow"]: r for r in body["routes"]}
    assert routes["surveys.answer"]["provider"] == "openai"
    assert routes["surveys.answer"]["temperature"] == 0.2
    assert routes["surveys.answer"]["source"] == "user"
    assert routes["analysis.summary"]["model"] == "gpt-4.1"  # strong tier
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT encrypted_keys::text FROM user_llm_settings WHERE user_id = %s",
            (user["id"],),
        ).fetchone()
    assert row is not None
    assert secret not in row[0]
    got = await client.get("/api/v1/settings/llm", headers=auth)
    assert secret not in got.text
    removed = await client.put(
        "/api/v1/settings/llm",
        json={"api_keys": {"openai": None}, "provider": None},
        headers=auth,
    )
    assert removed.json()["keys"] == []
    assert removed.json()["provider"] is None


async def test_unknown_override_flow_is_rejected(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    response = await client.put(
        "/api/v1/settings/llm",
        json={"overrides": {"personas.enrichh": {"temperature": 0.1}}},
        headers={"Authorization": user["authorization"]},
    )
    assert response.status_code == 422
    assert "personas.enrich" in response.json()["detail"]  # lists the known flows


async def test_estimate_before_running(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    await client.put("/api/v1/settings/llm", json={"provider": "gemini"}, headers=auth)
    response = await client.post(
        "/api/v1/estimates",
        json={
            "flow": "personas.enrich",
            "calls": 20,
            "input_tokens_per_call": 1000,
            "output_tokens_per_call": 1000,
        },
        headers=auth,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"] == "gemini-2.5-flash"
    assert body["input_tokens"] == 20_000
    assert body["output_tokens"] == 20_000
    # gemini-2.5-flash: $0.30 in, $2.50 out per 1M tokens
    assert body["usd"] == pytest.approx(20_000 * 0.30 / 1e6 + 20_000 * 2.50 / 1e6)
    assert body["price_date"]
    bad = await client.post(
        "/api/v1/estimates", json={"flow": "nope", "calls": 1}, headers=auth
    )
    assert bad.status_code == 422


async def test_estimate_for_someone_elses_project_is_404(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    stranger = await register_user(client)
    project = await client.post(
        "/api/v1/projects",
        json={"name": "theirs"},
        headers={"Authorization": stranger["authorization"]},
    )
    response = await client.post(
        "/api/v1/estimates",
        json={
            "flow": "personas.enrich",
            "calls": 1,
            "project_id": project.json()["id"],
        },
        headers={"Authorization": user["authorization"]},
    )
    assert response.status_code == 404


async def test_usage_report_groups_and_validates(
    client: httpx.AsyncClient, user: dict[str, str], database_url: str
) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        for flow, cost, hit in (
            ("personas.enrich", 0.01, False),
            ("personas.enrich", 0.0, True),
            ("analysis.summary", 0.05, False),
        ):
            conn.execute(
                "INSERT INTO llm_calls (user_id, flow, kind, provider, model,"
                " input_tokens, output_tokens, cost_usd, priced, latency_ms,"
                " cache_hit, outcome, attempts) VALUES (%s, %s, 'chat', 'gemini',"
                " 'gemini-2.5-flash', 100, 50, %s, true, 5, %s, 'ok', 1)",
                (user["id"], flow, cost, hit),
            )
    auth = {"Authorization": user["authorization"]}
    report = (await client.get("/api/v1/usage", headers=auth)).json()
    rows = {r["key"]: r for r in report["rows"]}
    assert rows["personas.enrich"]["calls"] == 2
    assert rows["personas.enrich"]["cache_hits"] == 1
    assert report["total"]["cost_usd"] == pytest.approx(0.06)
    assert report["month_spent_usd"] == pytest.approx(0.06)
    by_day = (await client.get("/api/v1/usage?group_by=day", headers=auth)).json()
    assert len(by_day["rows"]) == 1
    bad = await client.get("/api/v1/usage?group_by=color", headers=auth)
    assert bad.status_code == 422
    assert "flow, project, day" in bad.json()["detail"]
    stranger = await register_user(client)
    theirs = (
        await client.get(
            "/api/v1/usage", headers={"Authorization": stranger["authorization"]}
        )
    ).json()
    assert theirs["total"]["calls"] == 0


async def test_project_override_wins_over_user_choice(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    await client.put("/api/v1/settings/llm", json={"provider": "gemini"}, headers=auth)
    project = (
        await client.post("/api/v1/projects", json={"name": "routed"}, headers=auth)
    ).json()
    patched = await client.patch(
        f"/api/v1/projects/{project['id']}",
        json={
            "llm_overrides": {
                "provider": "anthropic",
                "flows": {"personas.enrich": {"model": "claude-sonnet-4-6"}},
            }
        },
        headers=auth,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["llm_overrides"]["provider"] == "anthropic"
    routed = (
        await client.post(
            "/api/v1/estimates",
            json={"flow": "personas.enrich", "calls": 1, "project_id": project["id"]},
            headers=auth,
        )
    ).json()
    assert (routed["provider"], routed["model"]) == ("anthropic", "claude-sonnet-4-6")
    plain = (
        await client.post(
            "/api/v1/estimates",
            json={"flow": "personas.enrich", "calls": 1},
            headers=auth,
        )
    ).json()
    assert plain["provider"] == "gemini"
    bad = await client.patch(
        f"/api/v1/projects/{project['id']}",
        json={"llm_overrides": {"flows": {"nope.flow": {"model": "x"}}}},
        headers=auth,
    )
    assert bad.status_code == 422
