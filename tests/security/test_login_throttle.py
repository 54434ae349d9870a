"""Login throttling that an attacker cannot turn against the user, and client
addresses that only trusted proxies may name (issue 15, Low)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from sight.app import create_app
from tests.conftest import make_settings

PASSWORD = "long enough 1"
PROXY = "10.0.0.7"

ClientFor = Callable[[str, dict[str, str] | None], httpx.AsyncClient]


@asynccontextmanager
async def _app(
    database_url: str, redis_url: str | None, *, trusted: str = "", **auth: str
) -> AsyncIterator[ClientFor]:
    limits = {
        "login_rate_limit": "3/minute",
        "login_address_rate_limit": "100/minute",
        "login_global_rate_limit": "10000/minute",
        "register_rate_limit": "100/minute",
        **auth,
    }
    settings = make_settings(
        redis_url=redis_url,
        auth=limits,
        trusted_proxies=trusted,
        jobs={"run_worker_in_process": False},
    )
    app: FastAPI = create_app(settings, database_url=database_url)

    def client_for(peer: str, headers: dict[str, str] | None) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(peer, 50000))
        return httpx.AsyncClient(
            transport=transport, base_url="http://sight", headers=headers
        )

    async with app.router.lifespan_context(app):
        yield client_for


async def _register(http: httpx.AsyncClient) -> str:
    email = f"victim-{uuid.uuid4().hex[:8]}@example.com"
    created = await http.post(
        "/api/v1/auth/register", json={"email": email, "password": PASSWORD}
    )
    assert created.status_code == 201, created.text
    return email


async def _login(http: httpx.AsyncClient, email: str, password: str) -> int:
    response = await http.post(
        "/api/v1/auth/login", json={"email": email, "password": password}
    )
    return response.status_code


async def test_wrong_passwords_elsewhere_do_not_lock_the_user_out(
    database_url: str, redis_url: str
) -> None:
    async with _app(database_url, redis_url) as client_for:
        async with (
            client_for("198.51.100.66", None) as attacker,
            client_for("203.0.113.10", None) as owner,
        ):
            email = await _register(owner)
            codes = [await _login(attacker, email, "wrong guess") for _ in range(5)]
            assert codes == [401, 401, 401, 429, 429]
            # The owner, from their own address, still gets in.
            assert await _login(owner, email, PASSWORD) == 200


async def test_a_global_backstop_stops_a_distributed_attack(
    database_url: str, redis_url: str
) -> None:
    key = uuid.uuid4().hex[:6]
    # Counted in this app's memory: the session's Redis sees other tests' logins.
    async with _app(
        database_url,
        None,
        login_rate_limit="100/minute",
        login_global_rate_limit="4/minute",
    ) as client_for:
        codes = []
        for n in range(6):
            async with client_for(f"198.51.100.{n + 1}", None) as bot:
                codes.append(await _login(bot, f"{key}{n}@example.com", "guess"))
        assert codes[:4] == [401] * 4
        assert codes[4:] == [429, 429]


async def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(
    database_url: str, redis_url: str
) -> None:
    async with _app(database_url, redis_url, trusted=PROXY) as client_for:
        async with client_for("203.0.113.30", None) as owner:
            email = await _register(owner)
        # A direct client rotating the header is still one address.
        codes = []
        for n in range(4):
            async with client_for(
                "198.51.100.99", {"X-Forwarded-For": f"192.0.2.{n}"}
            ) as spoofer:
                codes.append(await _login(spoofer, email, "wrong guess"))
        assert codes == [401, 401, 401, 429]


async def test_behind_a_trusted_proxy_clients_get_separate_limits(
    database_url: str, redis_url: str
) -> None:
    async with _app(database_url, redis_url, trusted=f"{PROXY}/32") as client_for:
        async with client_for("203.0.113.40", None) as direct:
            email = await _register(direct)
        attacker_codes = []
        for n in range(4):
            # The attacker also forges an entry; the proxy appends the real one.
            async with client_for(
                PROXY, {"X-Forwarded-For": f"192.0.2.{n}, 198.51.100.7"}
            ) as attacker:
                attacker_codes.append(await _login(attacker, email, "wrong guess"))
        assert attacker_codes == [401, 401, 401, 429]
        async with client_for(PROXY, {"X-Forwarded-For": "203.0.113.41"}) as owner:
            assert await _login(owner, email, PASSWORD) == 200


async def test_registration_is_limited_per_address(
    database_url: str, redis_url: str
) -> None:
    # Registration answers 409 for a taken email (a decision, docs/security.md);
    # what bounds its use for enumeration is this per-address limit.
    async with _app(
        database_url, redis_url, trusted="*", register_rate_limit="2/minute"
    ) as client_for:
        async with client_for("169.254.1.1", {"X-Forwarded-For": "192.0.2.50"}) as a:
            email = await _register(a)
            taken = await a.post(
                "/api/v1/auth/register", json={"email": email, "password": PASSWORD}
            )
            assert taken.status_code == 409
            third = await a.post(
                "/api/v1/auth/register",
                json={"email": f"x{email}", "password": PASSWORD},
            )
            assert third.status_code == 429
        async with client_for("169.254.1.1", {"X-Forwarded-For": "192.0.2.51"}) as b:
            assert (await _register(b)).endswith("@example.com")
