"""The read path's shortcuts (issue 16) keep their promises: a cached current
user never outlives a deactivation by more than its TTL (and not at all when
the change is made by this process), and connections PostgreSQL dropped while
idle are replaced before a request sees them."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import httpx
import psycopg
import pytest
from sqlalchemy import update

from sight import db, deps, postgres
from sight.app import create_app
from sight.auth.models import User
from sight.embedded_postgres import EmbeddedPostgres
from tests.conftest import create_database, make_settings, register_user


async def test_deactivation_made_here_is_seen_by_the_next_request(
    client: httpx.AsyncClient, database_url: str
) -> None:
    user = await register_user(client)
    auth = {"Authorization": user["authorization"]}
    assert (await client.get("/api/v1/auth/me", headers=auth)).status_code == 200
    engine = postgres.create_engine(database_url, pool_size=1)
    try:
        async with postgres.session_scope(postgres.create_sessionmaker(engine)) as s:
            account = await s.get(User, uuid.UUID(user["id"]))
            assert account is not None
            account.is_active = False
    finally:
        await engine.dispose()
    refused = await client.get("/api/v1/auth/me", headers=auth)
    assert refused.status_code == 401


async def test_deactivation_elsewhere_is_seen_within_the_ttl(
    client: httpx.AsyncClient, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deps._UserCache, "TTL_SECONDS", 0.5)
    user = await register_user(client)
    auth = {"Authorization": user["authorization"]}
    assert (await client.get("/api/v1/auth/me", headers=auth)).status_code == 200
    # Another process (plain SQL, no ORM event here) disables the account.
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE users SET is_active = false WHERE id = %s", (user["id"],))
    await asyncio.sleep(0.6)
    assert (await client.get("/api/v1/auth/me", headers=auth)).status_code == 401


async def test_a_steady_stream_of_requests_does_not_keep_the_copy_alive(
    client: httpx.AsyncClient, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Requests closer together than the TTL still read the row again once the
    copy is TTL old: a deactivation elsewhere is seen by the project read and
    by `/auth/me` alike."""
    monkeypatch.setattr(deps._UserCache, "TTL_SECONDS", 0.5)
    user = await register_user(client)
    auth = {"Authorization": user["authorization"]}
    created = await client.post(
        "/api/v1/projects",
        json={"name": "Busy", "target_demographics": {}},
        headers=auth,
    )
    paths = ("/api/v1/auth/me", f"/api/v1/projects/{created.json()['id']}")
    for path in paths:
        assert (await client.get(path, headers=auth)).status_code == 200
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE users SET is_active = false WHERE id = %s", (user["id"],))
    started = time.monotonic()
    for path in paths:
        while (await client.get(path, headers=auth)).status_code != 401:
            # Generous: only a copy kept alive by the requests themselves stays
            # past this (the loop asks every 50 ms, ten times per TTL).
            assert time.monotonic() - started < 3.0, f"{path} still served"
            await asyncio.sleep(0.05)


async def test_the_cached_user_is_the_stored_row_and_takes_writes(
    client: httpx.AsyncClient,
) -> None:
    """From the second request on, the user comes from the per-process copy:
    it reads as the stored row, and a change made through it is stored."""
    user = await register_user(client)
    auth = {"Authorization": user["authorization"]}
    first = await client.get("/api/v1/auth/me", headers=auth)
    again = await client.get("/api/v1/auth/me", headers=auth)
    assert first.status_code == 200
    assert again.json() == first.json()
    renamed = await client.patch(
        "/api/v1/auth/me", json={"full_name": "Renamed", "language": "en"}, headers=auth
    )
    assert renamed.status_code == 200, renamed.text
    after = (await client.get("/api/v1/auth/me", headers=auth)).json()
    assert after["full_name"] == "Renamed"
    assert after["language"] == "en"
    assert {k: v for k, v in after.items() if k not in {"full_name", "language"}} == {
        k: v for k, v in first.json().items() if k not in {"full_name", "language"}
    }


@pytest.fixture
async def own_app(
    pg_cluster: EmbeddedPostgres,
) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """An app on a database of its own (this test drops its connections)."""
    url = create_database(pg_cluster, f"sight_reqpath_{uuid.uuid4().hex[:8]}")
    db.upgrade(url)
    app = create_app(
        make_settings(jobs={"run_worker_in_process": False}), database_url=url
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            yield http, url


async def test_reads_survive_postgresql_dropping_idle_connections(
    own_app: tuple[httpx.AsyncClient, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    http, url = own_app
    user = await register_user(http)
    auth = {"Authorization": user["authorization"]}
    assert (await http.get("/api/v1/auth/me", headers=auth)).status_code == 200
    name = url.split("/")[3].split("?")[0]
    with psycopg.connect(url, autocommit=True) as conn:
        dropped = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchone()
    assert dropped is not None
    assert dropped[0] >= 1
    # Every pooled connection has now been idle "long enough" to be checked.
    monkeypatch.setattr(postgres, "PING_AFTER_IDLE_SECONDS", 0.0)
    for _ in range(3):
        response = await http.get("/api/v1/auth/me", headers=auth)
        assert response.status_code == 200, response.text
    # A write after the drop works too (the write path shares the pool).
    created = await http.post(
        "/api/v1/projects",
        json={"name": "After the drop", "target_demographics": {}},
        headers=auth,
    )
    assert created.status_code == 201, created.text


async def test_a_get_reads_what_a_write_just_committed(
    client: httpx.AsyncClient, user: dict[str, str], database_url: str
) -> None:
    """GETs run without a transaction; they still see every committed write."""
    auth = {"Authorization": user["authorization"]}
    created = await client.post(
        "/api/v1/projects",
        json={"name": "Before", "target_demographics": {}},
        headers=auth,
    )
    project = created.json()["id"]
    engine = postgres.create_engine(database_url, pool_size=1)
    try:
        async with postgres.session_scope(postgres.create_sessionmaker(engine)) as s:
            from sight.projects.models import Project

            await s.execute(
                update(Project)
                .where(Project.id == uuid.UUID(project))
                .values(name="After")
            )
    finally:
        await engine.dispose()
    read = await client.get(f"/api/v1/projects/{project}", headers=auth)
    assert read.json()["name"] == "After"


async def test_api_tokens_on_the_session_free_reads(
    client: httpx.AsyncClient, user: dict[str, str], database_url: str
) -> None:
    """GET a project and the persona page with an API token: the token is
    looked up on each request (its first use is written, a revocation is seen
    by the very next request), and both views of the page are served."""
    auth = {"Authorization": user["authorization"]}
    created = await client.post(
        "/api/v1/projects",
        json={"name": "Scripted", "target_demographics": {}},
        headers=auth,
    )
    project = created.json()["id"]
    minted = await client.post(
        "/api/v1/auth/tokens", json={"name": "script"}, headers=auth
    )
    assert minted.status_code == 201, minted.text
    token = minted.json()
    as_script = {"Authorization": f"Bearer {token['token']}"}
    read = await client.get(f"/api/v1/projects/{project}", headers=as_script)
    assert read.status_code == 200, read.text
    assert read.json()["access"] == "admin"
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT last_used_at FROM api_tokens WHERE id = %s", (token["id"],)
        ).fetchone()
    assert row is not None
    assert row[0] is not None
    for view in ("summary", "full"):
        page = await client.get(
            f"/api/v1/projects/{project}/personas?view={view}", headers=as_script
        )
        assert page.status_code == 200, page.text
        assert page.json()["total"] == 0
    revoked = await client.delete(f"/api/v1/auth/tokens/{token['id']}", headers=auth)
    assert revoked.status_code == 204, revoked.text
    for path in (f"/api/v1/projects/{project}", f"/api/v1/projects/{project}/personas"):
        assert (await client.get(path, headers=as_script)).status_code == 401
