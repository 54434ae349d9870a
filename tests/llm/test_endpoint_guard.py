"""User-set endpoints cannot reach this server's network (issue 15, item 4):
refused for loopback, link-local and private addresses, also after DNS
resolution and at connect time, unless the operator allows them; an upstream
error body is summarised, not echoed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import httpx2
import pytest

from sight.llm.gateway import LLMProviderFailed
from sight.llm.guarded_http import guarded_http_client
from sight.llm.netguard import EndpointRefused
from sight.llm.types import CallContext
from sight_testing.fake_llm import FakeLLM, running_fake_llm
from tests.conftest import make_settings, register_user
from tests.fixtures.servers import LiveServer
from tests.llm.conftest import gateway_for, insert_user, set_llm_settings


@pytest.fixture(scope="module")
def strict_server(database_url: str, redis_url: str) -> Iterator[LiveServer]:
    """The app as deployed: private endpoints not allowed. It runs no job worker:
    on the shared test database it would take other tests' jobs."""
    from sight.app import create_app

    app = create_app(
        make_settings(redis_url=redis_url, jobs={"run_worker_in_process": False}),
        database_url=database_url,
    )
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def strict_client(strict_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=strict_server.url, timeout=30) as http:
        yield http


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/v1",
        "http://localhost:11434/v1",  # a name that resolves to loopback
        "http://169.254.169.254/latest/meta-data",  # cloud metadata
        "http://10.1.2.3/v1",
        "http://192.168.0.10:8080/v1",
        "http://[::1]:8080/v1",
        "http://[::ffff:127.0.0.1]/v1",
    ],
)
async def test_private_base_url_is_refused_with_a_422_naming_the_field(
    strict_client: httpx.AsyncClient, url: str
) -> None:
    user = await register_user(strict_client)
    response = await strict_client.put(
        "/api/v1/settings/llm",
        json={"openai_base_url": url},
        headers={"Authorization": user["authorization"]},
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert [e["field"] for e in body["errors"]] == ["openai_base_url"]
    assert "private" in body["errors"][0]["msg"]
    settings = await strict_client.get(
        "/api/v1/settings/llm", headers={"Authorization": user["authorization"]}
    )
    assert settings.json()["openai_base_url"] is None  # nothing stored


async def test_a_stored_private_url_is_refused_at_call_time(
    database_url: str,
) -> None:
    """Saved before the rule (or resolving differently now): never called."""
    with running_fake_llm() as internal:
        async with gateway_for(database_url) as gateway:
            user = insert_user(database_url)
            set_llm_settings(
                database_url,
                user,
                keys={"openai": "sk-user-0123456789"},
                base_url=internal.openai_base_url,
            )
            with pytest.raises(EndpointRefused):
                await gateway.generate_text(
                    "surveys.answer",
                    system="s",
                    prompt="p",
                    ctx=CallContext(user_id=user),
                )
        assert internal.stats.total_requests == 0


async def test_the_connection_itself_is_checked(fake_llm: FakeLLM) -> None:
    """Every connection the SDK opens (redirects too) goes through the check,
    to the address that was checked: a name re-resolving to loopback after
    the first check still cannot be reached."""
    async with guarded_http_client() as http:
        with pytest.raises(httpx2.ConnectError, match="private"):
            await http.get(f"http://localhost:{fake_llm.port}/_health")
    assert fake_llm.stats.total_requests == 0


async def test_an_upstream_error_body_is_summarised_not_echoed(
    database_url: str,
) -> None:
    with running_fake_llm() as users_server:
        users_server.configure(
            client_error_next=1,
            client_error_message="internal: db password is hunter2",
        )
        async with gateway_for(
            database_url, llm={"allow_private_endpoints": True}
        ) as gateway:
            user = insert_user(database_url)
            set_llm_settings(
                database_url,
                user,
                keys={"openai": "sk-user-0123456789"},
                base_url=users_server.openai_base_url,
            )
            with pytest.raises(LLMProviderFailed) as failed:
                await gateway.generate_text(
                    "surveys.answer",
                    system="s",
                    prompt="p",
                    ctx=CallContext(user_id=user),
                )
    detail = failed.value.detail
    assert "openai answered HTTP 400" in detail
    assert "invalid_request_error" in detail or "no error code" in detail
    assert "hunter2" not in detail
