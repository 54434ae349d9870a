"""The web app's session (refresh token in an HttpOnly cookie) and API tokens
that cannot outlive their parent (issue 15, items 7 and 9)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import jwt

from tests.conftest import TEST_SECRET, register_user

COOKIE_PATH = "/api/v1/auth/refresh"
CSRF = {"X-Requested-With": "sight"}


def _refresh_cookie(response: httpx.Response) -> str:
    header = next(
        h
        for h in response.headers.get_list("set-cookie")
        if h.startswith("sight_refresh=")
    )
    return header


async def test_cookie_login_keeps_the_refresh_token_out_of_scripts(
    client: httpx.AsyncClient,
) -> None:
    account = await register_user(client)
    login = await client.post(
        "/api/v1/auth/login",
        json={
            "email": account["email"],
            "password": account["password"],
            "refresh_in": "cookie",
        },
    )
    assert login.status_code == 200, login.text
    assert login.json()["refresh_token"] is None  # not in the body
    cookie = _refresh_cookie(login)
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"httponly", "secure", "samesite"} <= attributes
    assert "samesite=strict" in cookie.lower()
    assert f"path={COOKIE_PATH}" in cookie.lower()
    token = cookie.split(";")[0].split("=", 1)[1]

    # A refresh by cookie without the anti-CSRF header is refused...
    jar = {"sight_refresh": token}
    refused = await client.post("/api/v1/auth/refresh", cookies=jar)
    assert refused.status_code == 403
    # ...with it, the cookie rotates and a working access token comes back.
    renewed = await client.post("/api/v1/auth/refresh", cookies=jar, headers=CSRF)
    assert renewed.status_code == 200, renewed.text
    assert renewed.json()["refresh_token"] is None
    rotated = _refresh_cookie(renewed).split(";")[0].split("=", 1)[1]
    assert rotated != token
    access = renewed.json()["access_token"]
    me = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {access}"}
    )
    assert me.status_code == 200

    # Logout by access token ends this login and clears the cookie.
    out = await client.post(
        "/api/v1/auth/logout", headers={"Authorization": f"Bearer {access}"}
    )
    assert out.status_code == 204
    assert "max-age=0" in _refresh_cookie(out).lower()
    after = await client.post(
        "/api/v1/auth/refresh", cookies={"sight_refresh": rotated}, headers=CSRF
    )
    assert after.status_code == 401


async def test_an_api_token_cannot_mint_tokens(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    parent = await client.post(
        "/api/v1/auth/tokens",
        json={"name": "one day", "expires_in_days": 1},
        headers=auth,
    )
    assert parent.status_code == 201
    as_parent = {"Authorization": f"Bearer {parent.json()['token']}"}
    child = await client.post(
        "/api/v1/auth/tokens", json={"name": "forever"}, headers=as_parent
    )
    assert child.status_code == 403
    assert child.json()["error"] == "TokenMintingRefused"
    listed = await client.get("/api/v1/auth/tokens", headers=auth)
    assert [t["name"] for t in listed.json()] == ["one day"]
    # The parent keeps working for what tokens are for, until it is revoked.
    assert (await client.get("/api/v1/auth/me", headers=as_parent)).status_code == 200
    revoked = await client.delete(
        f"/api/v1/auth/tokens/{parent.json()['id']}", headers=auth
    )
    assert revoked.status_code == 204
    assert (await client.get("/api/v1/auth/me", headers=as_parent)).status_code == 401


async def test_security_headers_on_every_response(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    for response in (
        await client.get("/health"),
        await client.get("/api/v1/auth/me", headers={"Authorization": "Bearer x"}),
        await client.get(
            "/api/v1/projects", headers={"Authorization": user["authorization"]}
        ),
        await client.get("/"),
    ):
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp
        assert "default-src 'self'" in csp
        # HSTS only in production (see test_production.py).
        assert "strict-transport-security" not in headers
    login_headers = (
        await client.post(
            "/api/v1/auth/login",
            json={"email": user["email"], "password": user["password"]},
        )
    ).headers
    assert login_headers["cache-control"] == "no-store"


async def test_logout_with_an_expired_access_token_still_ends_the_login(
    client: httpx.AsyncClient,
) -> None:
    account = await register_user(client)
    login = await client.post(
        "/api/v1/auth/login",
        json={"email": account["email"], "password": account["password"]},
    )
    pair = login.json()
    claims = jwt.decode(pair["access_token"], options={"verify_signature": False})
    now = datetime.now(UTC)
    expired = jwt.encode(
        {**claims, "iat": now - timedelta(hours=2), "exp": now - timedelta(hours=1)},
        TEST_SECRET,
        algorithm="HS256",
    )
    out = await client.post(
        "/api/v1/auth/logout", headers={"Authorization": f"Bearer {expired}"}
    )
    assert out.status_code == 204
    after = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert after.status_code == 401
