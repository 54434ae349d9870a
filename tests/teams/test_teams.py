"""Teams: create, invite by email, roles, leaving, the last-owner rule, shared
projects in lists, system roles, and a team's monthly budget."""

from __future__ import annotations

import uuid

import httpx
import psycopg
import pytest

from sight.llm.budget import BudgetExceeded
from sight.llm.types import CallContext
from tests.llm.conftest import gateway_for
from tests.teams.support import (
    accounts,
    headers,
    make_project,
    make_team,
    set_role,
)


async def test_team_lifecycle_and_the_last_owner_rule(
    client: httpx.AsyncClient,
) -> None:
    people = await accounts(client, "ana", "bob")
    ana, bob = people["ana"], people["bob"]
    team = await make_team(client, ana, description="Dairy alternatives")
    assert team["my_role"] == "owner"
    assert [m["email"] for m in team["members"]] == [ana["email"]]
    url = f"/api/v1/teams/{team['id']}"

    unknown = await client.post(
        f"{url}/members",
        json={"email": "nobody-here@example.com"},
        headers=headers(ana),
    )
    assert unknown.status_code == 404
    assert "register first" in unknown.json()["detail"]

    invited = await client.post(
        f"{url}/members", json={"email": bob["email"]}, headers=headers(ana)
    )
    assert invited.status_code == 201, invited.text
    assert {m["email"]: m["role"] for m in invited.json()["members"]} == {
        ana["email"]: "owner",
        bob["email"]: "member",
    }
    again = await client.post(
        f"{url}/members", json={"email": bob["email"]}, headers=headers(ana)
    )
    assert again.status_code == 409

    mine = await client.get("/api/v1/teams/my", headers=headers(bob))
    assert [(t["id"], t["my_role"]) for t in mine.json()] == [(team["id"], "member")]

    # A member can read the team but not manage it.
    assert (await client.get(url, headers=headers(bob))).status_code == 200
    renamed = await client.put(url, json={"name": "Mine now"}, headers=headers(bob))
    assert renamed.status_code == 403

    # The only owner can neither step down nor leave.
    demoted = await client.put(
        f"{url}/members/{ana['id']}", json={"role": "member"}, headers=headers(ana)
    )
    assert demoted.status_code == 409
    assert "last owner" in demoted.json()["detail"]
    left = await client.delete(f"{url}/members/{ana['id']}", headers=headers(ana))
    assert left.status_code == 409
    assert "make another member an owner first" in left.json()["detail"]

    # With a second owner, the first may leave.
    promoted = await client.put(
        f"{url}/members/{bob['id']}", json={"role": "owner"}, headers=headers(ana)
    )
    assert promoted.status_code == 200, promoted.text
    assert (
        await client.delete(f"{url}/members/{ana['id']}", headers=headers(ana))
    ).status_code == 204
    assert (await client.get(url, headers=headers(ana))).status_code == 404

    updated = await client.put(
        url,
        json={"name": "Plant milk", "monthly_budget_usd": 25},
        headers=headers(bob),
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["name"] == "Plant milk"
    assert updated.json()["monthly_budget_usd"] == 25
    assert (await client.delete(url, headers=headers(bob))).status_code == 204
    assert (await client.get(url, headers=headers(bob))).status_code == 404


async def test_team_projects_are_shared_by_role(
    client: httpx.AsyncClient,
) -> None:
    people = await accounts(client, "owner", "member", "viewer", "outsider")
    team = await make_team(
        client,
        people["owner"],
        {"member": people["member"], "viewer": people["viewer"]},
    )
    project = await make_project(client, people["member"], team["id"])
    assert project["team_id"] == team["id"]
    assert project["access"] == "admin"  # its creator owns it
    url = f"/api/v1/projects/{project['id']}"

    for name, access in (("owner", "admin"), ("member", "admin"), ("viewer", "read")):
        listed = await client.get("/api/v1/projects", headers=headers(people[name]))
        found = [p for p in listed.json()["items"] if p["id"] == project["id"]]
        assert [p["access"] for p in found] == [access], name
    outsider_list = await client.get(
        "/api/v1/projects", headers=headers(people["outsider"])
    )
    assert project["id"] not in [p["id"] for p in outsider_list.json()["items"]]
    assert (
        await client.get(url, headers=headers(people["outsider"]))
    ).status_code == 404

    edit = {"description": "Now with a brief"}
    viewer_edit = await client.patch(url, json=edit, headers=headers(people["viewer"]))
    assert viewer_edit.status_code == 403
    assert (
        "cannot" in viewer_edit.json()["detail"]
        or "not change" in (viewer_edit.json()["detail"])
    )
    assert (
        await client.patch(url, json=edit, headers=headers(people["owner"]))
    ).status_code == 200

    # Sharing into a team where one is only a viewer is refused.
    refused = await client.post(
        "/api/v1/projects",
        json={"name": "Sneaky", "team_id": team["id"]},
        headers=headers(people["viewer"]),
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "team_id"

    # Deleting the team leaves the project with its owner, out of the others' reach.
    assert (
        await client.delete(
            f"/api/v1/teams/{team['id']}", headers=headers(people["owner"])
        )
    ).status_code == 204
    assert (await client.get(url, headers=headers(people["owner"]))).status_code == 404
    kept = await client.get(url, headers=headers(people["member"]))
    assert kept.status_code == 200
    assert kept.json()["team_id"] is None


async def test_system_roles(client: httpx.AsyncClient, database_url: str) -> None:
    people = await accounts(client, "viewer", "admin", "someone")
    set_role(database_url, people["viewer"]["id"], "viewer")
    set_role(database_url, people["admin"]["id"], "admin")
    me = await client.get("/api/v1/auth/me", headers=headers(people["viewer"]))
    assert me.json()["role"] == "viewer"

    project = await client.post(
        "/api/v1/projects", json={"name": "x"}, headers=headers(people["viewer"])
    )
    assert project.status_code == 403
    assert "viewer" in project.json()["detail"]
    team = await client.post(
        "/api/v1/teams", json={"name": "x"}, headers=headers(people["viewer"])
    )
    assert team.status_code == 403

    # An admin reads and changes anyone's project, and lists everything on request.
    theirs = await make_project(client, people["someone"])
    url = f"/api/v1/projects/{theirs['id']}"
    as_admin = await client.get(url, headers=headers(people["admin"]))
    assert as_admin.json()["access"] == "admin"
    everything = await client.get(
        "/api/v1/projects?scope=all&limit=200", headers=headers(people["admin"])
    )
    assert everything.json()["total"] >= 1
    assert (
        await client.get(
            "/api/v1/projects?scope=all", headers=headers(people["someone"])
        )
    ).status_code == 403

    # Role changes through the API: admins only; the change is audited.
    promoted = await client.put(
        f"/api/v1/auth/users/{people['viewer']['id']}/role",
        json={"role": "researcher"},
        headers=headers(people["admin"]),
    )
    assert promoted.json()["role"] == "researcher"
    assert (
        await client.put(
            f"/api/v1/auth/users/{people['admin']['id']}/role",
            json={"role": "viewer"},
            headers=headers(people["someone"]),
        )
    ).status_code == 403


async def test_profile_language(client: httpx.AsyncClient) -> None:
    people = await accounts(client, "me")
    changed = await client.patch(
        "/api/v1/auth/me",
        json={"full_name": "Ewa Nowak", "language": "pl"},
        headers=headers(people["me"]),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["language"] == "pl"
    assert changed.json()["full_name"] == "Ewa Nowak"
    bad = await client.patch(
        "/api/v1/auth/me", json={"language": "de"}, headers=headers(people["me"])
    )
    assert bad.status_code == 422


async def test_a_team_projects_spend_counts_against_the_team_budget(
    client: httpx.AsyncClient, database_url: str
) -> None:
    people = await accounts(client, "lead", "analyst")
    team = await make_team(
        client, people["lead"], {"member": people["analyst"]}, monthly_budget_usd=3
    )
    first = await make_project(client, people["lead"], team["id"])
    second = await make_project(client, people["analyst"], team["id"])
    # The lead spent $2.50 on one team project this month.
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO llm_calls (user_id, project_id, flow, kind, provider, model,"
            " input_tokens, output_tokens, cost_usd, priced, latency_ms, cache_hit,"
            " outcome, attempts, billed_to) VALUES (%s, %s, 'surveys.answer', 'chat',"
            " 'openai', 'gpt-4.1-mini', 1, 1, 2.5, true, 1, false, 'ok', 1, 'user')",
            (people["lead"]["id"], first["id"]),
        )
    listed = await client.get(
        f"/api/v1/teams/{team['id']}", headers=headers(people["analyst"])
    )
    assert listed.json()["month_spent_usd"] == pytest.approx(2.5)

    async with gateway_for(database_url) as gateway:
        analyst = uuid.UUID(people["analyst"]["id"])
        # A run on the other team project that would cross the team's $3.
        with pytest.raises(BudgetExceeded) as refused:
            await gateway.ensure_budget(
                CallContext(user_id=analyst, project_id=uuid.UUID(second["id"])), 1.0
            )
        assert "team budget reached" in refused.value.detail
        assert "$2.5000 of $3.00" in refused.value.detail
        # Within it, and outside the team, the analyst may still run.
        await gateway.ensure_budget(
            CallContext(user_id=analyst, project_id=uuid.UUID(second["id"])), 0.2
        )
        own = await make_project(client, people["analyst"])
        await gateway.ensure_budget(
            CallContext(user_id=analyst, project_id=uuid.UUID(own["id"])), 1.0
        )


async def test_teammates_are_told_when_a_project_is_shared_with_them(
    client: httpx.AsyncClient,
) -> None:
    people = await accounts(client, "lead", "analyst", "observer")
    team = await make_team(
        client,
        people["lead"],
        {"member": people["analyst"], "viewer": people["observer"]},
    )
    alone = await make_project(client, people["lead"])
    moved = await client.patch(
        f"/api/v1/projects/{alone['id']}",
        json={"team_id": team["id"]},
        headers=headers(people["lead"]),
    )
    assert moved.status_code == 200, moved.text
    for name in ("analyst", "observer"):
        inbox = await client.get("/api/v1/notifications", headers=headers(people[name]))
        shared = [
            n
            for n in inbox.json()["items"]
            if n["notification_type"] == "project_shared"
        ]
        assert [n["project_id"] for n in shared] == [alone["id"]], name
        assert "Test User" in shared[0]["message"]
    own = await client.get("/api/v1/notifications", headers=headers(people["lead"]))
    assert not [
        n for n in own.json()["items"] if n["notification_type"] == "project_shared"
    ]
