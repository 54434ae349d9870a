"""Accounts with roles, teams and team projects for the teams, audit and
access-matrix tests. Set-up goes through the API where that is what is
tested, and straight to the database where it only has to exist."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import psycopg

from tests.conftest import register_user


def set_role(database_url: str, user_id: str, role: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE users SET role = %s WHERE id = %s", (role, user_id))


def headers(account: dict[str, str]) -> dict[str, str]:
    return {"Authorization": account["authorization"]}


async def make_team(
    client: httpx.AsyncClient,
    owner: dict[str, str],
    members: dict[str, dict[str, str]] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A team made by `owner`, with `members` ({role: account}) invited."""
    created = await client.post(
        "/api/v1/teams",
        json={"name": f"Team {uuid.uuid4().hex[:6]}", **fields},
        headers=headers(owner),
    )
    assert created.status_code == 201, created.text
    team: dict[str, Any] = created.json()
    for role, account in (members or {}).items():
        added = await client.post(
            f"/api/v1/teams/{team['id']}/members",
            json={"email": account["email"], "role": role},
            headers=headers(owner),
        )
        assert added.status_code == 201, added.text
        team = added.json()
    return team


async def make_project(
    client: httpx.AsyncClient, owner: dict[str, str], team_id: str | None = None
) -> dict[str, Any]:
    created = await client.post(
        "/api/v1/projects",
        json={"name": "Shared study", "team_id": team_id},
        headers=headers(owner),
    )
    assert created.status_code == 201, created.text
    project: dict[str, Any] = created.json()
    return project


async def accounts(client: httpx.AsyncClient, *names: str) -> dict[str, dict[str, str]]:
    return {name: await register_user(client) for name in names}
