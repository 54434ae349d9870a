from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import jwt

from sight.app import create_app
from tests.conftest import TEST_SECRET, make_settings, register_user


async def test_register_login_me(client: httpx.AsyncClient) -> None:
    account = await register_user(client)
    me = await client.get(
        "/api/v1/auth/me", headers={"Authorization": account["authorization"]}
    )
    assert me.status_code == 200
    assert me.json()["email"] == account["email"]
    assert "password" not in me.text
    assert "hash" not in me.text


async def test_duplicate_email_is_a_conflict(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    again = await client.post(
        "/api/v1/auth/register",
        json={"email": user["email"].upper(), "password": "another pass 1"},
    )
    assert again.status_code == 409
    assert again.json()["error"] == "EmailTaken"


async def test_wrong_password_and_unknown_email_look_the_same(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    wrong = await client.post(
        "/api/v1/auth/login", json={"email": user["email"], "password": "nope-nope"}
    )
    unknown = await client.post(
        "/api/v1/auth/login",
        json={"email": "ghost@example.com", "password": "nope-nope"},
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_weak_password_and_bad_email_are_rejected_with_field_paths(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/api/v1/auth/register", json={"email": "not-an-email", "password": "short"}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "ValidationError"
    assert {item["field"] for item in body["errors"]} == {"email", "password"}
    assert isinstance(body["detail"], str)


async def test_refresh_rotates_and_reuse_ends_the_session(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    first = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": user["refresh_token"]}
    )
    assert first.status_code == 200
    rotated = first.json()["refresh_token"]
    assert rotated != user["refresh_token"]
    me = await client.get(
        "/api/v1/auth/me",
        headers={"Authorization": f"Bearer {first.json()['access_token']}"},
    )
    assert me.status_code == 200
    # The old token comes back (stolen copy): rejected, and the whole chain is revoked.
    reuse = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": user["refresh_token"]}
    )
    assert reuse.status_code == 401
    assert "reuse" in reuse.json()["detail"]
    after = await client.post("/api/v1/auth/refresh", json={"refresh_token": rotated})
    assert after.status_code == 401


async def test_logout_revokes_refresh_token(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    out = await client.post(
        "/api/v1/auth/logout", json={"refresh_token": user["refresh_token"]}
    )
    assert out.status_code == 204
    refresh = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": user["refresh_token"]}
    )
    assert refresh.status_code == 401


async def test_expired_and_forged_tokens_are_rejected(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    now = datetime.now(UTC)
    expired = jwt.encode(
        {
            "sub": user["id"],
            "type": "access",
            "iat": now - timedelta(hours=2),
            "exp": now - timedelta(hours=1),
        },
        TEST_SECRET,
        algorithm="HS256",
    )
    forged = jwt.encode(
        {
            "sub": user["id"],
            "type": "access",
            "iat": now,
            "exp": now + timedelta(hours=1),
        },
        "some-other-secret-that-is-long-enough-000",
        algorithm="HS256",
    )
    unsigned = jwt.encode(
        {"sub": user["id"], "type": "access", "exp": now + timedelta(hours=1)},
        None,
        algorithm="none",
    )
    for token, expected in (
        (expired, "expired"),
        (forged, "invalid"),
        (unsigned, "invalid"),
    ):
        response = await client.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401
        assert expected in response.json()["detail"]
        assert response.headers["www-authenticate"] == "Bearer"
    missing = await client.get("/api/v1/auth/me")
    assert missing.status_code == 401


async def test_api_token_for_scripts(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    created = await client.post(
        "/api/v1/auth/tokens", json={"name": "ci script"}, headers=auth
    )
    assert created.status_code == 201
    secret = created.json()["token"]
    assert secret.startswith("sight_pat_")
    me = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"}
    )
    assert me.status_code == 200
    assert me.json()["id"] == user["id"]
    listed = await client.get("/api/v1/auth/tokens", headers=auth)
    assert [t["name"] for t in listed.json()] == ["ci script"]
    assert "token" not in listed.json()[0]  # the secret is shown once only
    assert listed.json()[0]["last_used_at"] is not None
    stranger = await register_user(client)
    foreign = await client.delete(
        f"/api/v1/auth/tokens/{created.json()['id']}",
        headers={"Authorization": stranger["authorization"]},
    )
    assert foreign.status_code == 404
    revoked = await client.delete(
        f"/api/v1/auth/tokens/{created.json()['id']}", headers=auth
    )
    assert revoked.status_code == 204
    after = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"}
    )
    assert after.status_code == 401


async def test_login_is_rate_limited_per_account(
    database_url: str, redis_url: str
) -> None:
    settings = make_settings(
        redis_url=redis_url,
        auth={"login_rate_limit": "3/minute", "register_rate_limit": "100/minute"},
        jobs={"run_worker_in_process": False},
    )
    app = create_app(settings, database_url=database_url)
    email = f"rl-{uuid.uuid4().hex[:8]}@example.com"
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://sight"
        ) as http:
            await http.post(
                "/api/v1/auth/register",
                json={"email": email, "password": "long enough 1"},
            )
            codes = [
                (
                    await http.post(
                        "/api/v1/auth/login",
                        json={"email": email, "password": "wrong pass"},
                    )
                ).status_code
                for _ in range(4)
            ]
            assert codes == [401, 401, 401, 429]
            limited = await http.post(
                "/api/v1/auth/login", json={"email": email, "password": "long enough 1"}
            )
            assert limited.status_code == 429
            assert int(limited.headers["retry-after"]) >= 1
            assert limited.json()["error"] == "RateLimited"
