"""What production refuses to start with, how it says so, HSTS, and what
/metrics shows to whom (issue 15, Low)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from sight.app import create_app
from sight.config import ConfigurationError, check_production
from tests.conftest import make_settings
from tests.fixtures.servers import free_port

SIGHT = str(Path(sys.executable).parent / "sight")
GOOD_KEY = "5f0c1e9a7b3d2c4e8f6a0b1c9d7e3f2a"
GOOD_URL = "postgresql://sight:Vx9-random-Password@db.internal:5432/sight"


def _problems(**values: object) -> str:
    settings = make_settings(environment="production", **values)
    with pytest.raises(ConfigurationError) as refused:
        check_production(settings)
    return str(refused.value)


def test_a_good_production_configuration_starts() -> None:
    check_production(
        make_settings(
            environment="production", secret_key=GOOD_KEY, database_url=GOOD_URL
        )
    )


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://sight:postgres@db:5432/sight",
        "postgresql+psycopg://postgres:password@10.0.0.3/sight",
        "postgresql://sight:sight@db/sight",
        "postgresql://u:ChangeMe@db/sight",
    ],
)
def test_a_default_password_inside_database_url_is_refused(url: str) -> None:
    problems = _problems(secret_key=GOOD_KEY, database_url=url)
    assert "DATABASE_URL contains a default password" in problems
    assert url not in problems  # the URL (with its password) is not echoed


@pytest.mark.parametrize("key", ["a" * 32, "ab" * 32, "0123" * 16])
def test_a_key_that_is_not_random_is_refused(key: str) -> None:
    assert "SECRET_KEY uses only" in _problems(secret_key=key, database_url=GOOD_URL)


def test_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"REDIS_URL", "NEO4J_URI", "SIGHT_JOB_MODULES"}
    }
    env["DATABASE_URL"] = f"postgresql://sight:x@127.0.0.1:{free_port()}/sight"
    result = subprocess.run(
        [SIGHT, "serve", "--port", str(free_port())],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("sight:")]
    assert len(errors) == 1
    assert "cannot connect to the database at 127.0.0.1:" in errors[0]
    assert ":x@" not in result.stderr  # the password is not echoed


async def test_hsts_in_production_only(database_url: str) -> None:
    settings = make_settings(
        environment="production",
        secret_key=GOOD_KEY,
        database_url=GOOD_URL,
        jobs={"run_worker_in_process": False},
    )
    app = create_app(settings, database_url=database_url)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://s") as http:
            health = await http.get("/health")
    assert health.headers["strict-transport-security"].startswith("max-age=")


async def test_metrics_without_a_token_show_no_spend(database_url: str) -> None:
    settings = make_settings(
        metrics_token="scrape-token-0123456789abcdef",
        jobs={"run_worker_in_process": False},
    )
    app = create_app(settings, database_url=database_url)
    async with app.router.lifespan_context(app):
        app.state.sight.metrics.record_llm_call(
            provider="offline",
            model="offline",
            flow="personas.enrich",
            outcome="ok",
            input_tokens=120,
            output_tokens=80,
            cost=1.25,
            cache_hit=False,
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://s") as http:
            public = (await http.get("/metrics")).text
            wrong = (
                await http.get("/metrics", headers={"Authorization": "Bearer nope"})
            ).text
            full = (
                await http.get(
                    "/metrics",
                    headers={"Authorization": "Bearer scrape-token-0123456789abcdef"},
                )
            ).text
    for text in (public, wrong):
        assert "sight_http_requests_total" in text  # operational figures stay
        assert "sight_llm_calls_total" in text
        assert "sight_llm_cost_usd" not in text
        assert "sight_llm_tokens" not in text
    assert 'sight_llm_cost_usd_total{model="offline",provider="offline"} 1.25' in full
