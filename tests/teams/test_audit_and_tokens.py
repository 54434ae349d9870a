"""Key changes in the audit log, the CLI's role change, and API tokens that
do not write to the database on every request."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import psycopg

from sight import db
from sight.auth.cli import set_role as cli_set_role
from sight.embedded_postgres import EmbeddedPostgres
from tests.conftest import create_database
from tests.teams.support import accounts, headers


def _audit_rows(
    database_url: str, resource_id: str
) -> list[tuple[str, str, dict[str, Any]]]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT action, actor_email, details FROM audit_log"
            " WHERE resource_id = %s ORDER BY id",
            (resource_id,),
        ).fetchall()
    return [(r[0], r[1], r[2]) for r in rows]


async def test_token_and_key_changes_are_audited_and_tokens_stay_cheap(
    client: httpx.AsyncClient, database_url: str
) -> None:
    me = (await accounts(client, "me"))["me"]
    created = await client.post(
        "/api/v1/auth/tokens", json={"name": "notebook"}, headers=headers(me)
    )
    assert created.status_code == 201, created.text
    token = created.json()
    as_script = {"Authorization": f"Bearer {token['token']}"}

    # Many requests with the token: last_used_at is written once, not each time.
    for _ in range(5):
        assert (
            await client.get("/api/v1/auth/me", headers=as_script)
        ).status_code == 200
    with psycopg.connect(database_url) as conn:
        [first_use] = conn.execute(
            "SELECT last_used_at FROM api_tokens WHERE id = %s", (token["id"],)
        ).fetchone() or [None]
        assert first_use is not None
    for _ in range(5):
        await client.get("/api/v1/projects", headers=as_script)
    with psycopg.connect(database_url) as conn:
        [again] = conn.execute(
            "SELECT last_used_at FROM api_tokens WHERE id = %s", (token["id"],)
        ).fetchone() or [None]
    assert again == first_use

    stored = await client.put(
        "/api/v1/settings/llm",
        json={"api_keys": {"openai": "sk-audit-test-0123456789"}},
        headers=headers(me),
    )
    assert stored.status_code == 200, stored.text
    removed = await client.put(
        "/api/v1/settings/llm", json={"api_keys": {"openai": None}}, headers=headers(me)
    )
    assert removed.status_code == 200
    revoked = await client.delete(
        f"/api/v1/auth/tokens/{token['id']}", headers=headers(me)
    )
    assert revoked.status_code == 204

    assert [(a, e) for a, e, _ in _audit_rows(database_url, token["id"])] == [
        ("auth.token_create", me["email"]),
        ("auth.token_revoke", me["email"]),
    ]
    keys = _audit_rows(database_url, me["id"])
    assert [(a, d) for a, _, d in keys] == [
        ("llm.keys_change", {"providers": {"openai": "set"}}),
        ("llm.keys_change", {"providers": {"openai": "removed"}}),
    ]
    assert "sk-audit" not in str(keys)  # never the key itself


def test_the_cli_changes_roles_and_keeps_the_last_admin(
    pg_cluster: EmbeddedPostgres,
) -> None:
    # A database of its own: "the last admin" means the whole deployment's.
    database_url = create_database(pg_cluster, f"cli_{uuid.uuid4().hex[:8]}")
    db.upgrade(database_url)
    with psycopg.connect(database_url, autocommit=True) as conn:
        [user_id] = conn.execute(
            "INSERT INTO users (id, email, full_name, password_hash, is_active)"
            " VALUES (gen_random_uuid(), 'cli-admin@example.com', 'A', 'x', true)"
            " RETURNING id"
        ).fetchone() or [None]
    assert cli_set_role(database_url, "CLI-admin@example.com", "admin") == (
        "cli-admin@example.com: researcher -> admin"
    )
    refused = cli_set_role(database_url, "cli-admin@example.com", "viewer")
    assert refused.startswith("error: this is the deployment's last admin")
    assert cli_set_role(database_url, "nobody@example.com", "admin").startswith(
        "error: no account"
    )
    [(action, actor, details)] = _audit_rows(database_url, str(user_id))
    assert (action, actor) == ("auth.role_change", "cli")
    assert details["to"] == "admin"
