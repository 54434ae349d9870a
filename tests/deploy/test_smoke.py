"""sight.smoke against a stand-in HTTP server (passing and each kind of failing
deployment), `python -m sight.smoke` exit codes, the container health probe, and
`sight smoke` against a real `sight serve` process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sight.smoke import CheckResult, SmokeReport, render, run_smoke
from tests.deploy.support import (
    DEPLOY,
    REPO,
    healthy_routes,
    run,
    stand_in_server,
)

CHECKS = ["health", "startup", "openapi", "docs", "spa"]


def by_name(report: SmokeReport) -> dict[str, CheckResult]:
    return {check.name: check for check in report.checks}


def test_a_healthy_deployment_passes() -> None:
    with stand_in_server(healthy_routes()) as service:
        report = run_smoke(service.url + "/")
    assert report.ok, render(report)
    assert [c.name for c in report.checks] == CHECKS
    assert report.base_url == service.url
    assert all(c.latency_ms >= 0 for c in report.checks)
    text = render(report)
    assert text.splitlines()[0] == f"Smoke test of {service.url}"
    assert text.count("PASS") == 5
    assert text.splitlines()[-1] == "OK: 5 of 5 checks passed"
    assert "postgres ok" in by_name(report)["startup"].detail


def test_degraded_health_and_failed_dependency_fail() -> None:
    with stand_in_server(healthy_routes()) as service:
        service.set_json(
            "/health",
            {
                "status": "degraded",
                "checks": {
                    "postgres": {"status": "ok"},
                    "neo4j": {"status": "failed", "detail": "ServiceUnavailable"},
                },
            },
        )
        service.set_json(
            "/startup",
            {
                "ready": True,
                "dependencies": {
                    "postgres": {"status": "ok", "latency_ms": 2.0},
                    "redis": {"status": "not_configured"},
                    "neo4j": {"status": "failed", "detail": "ServiceUnavailable"},
                },
            },
        )
        report = run_smoke(service.url)
    checks = by_name(report)
    assert not report.ok
    assert not checks["health"].ok
    assert "degraded" in checks["health"].detail
    assert "neo4j" in checks["health"].detail
    assert not checks["startup"].ok
    assert "neo4j failed (ServiceUnavailable)" in checks["startup"].detail
    assert checks["docs"].ok
    text = render(report)
    assert "FAIL  health" in text
    assert text.splitlines()[-1] == "FAILED: 3 of 5 checks passed"


def test_database_down() -> None:
    with stand_in_server(healthy_routes()) as service:
        service.set_json("/health", {"status": "unhealthy", "checks": {}}, status=503)
        service.set_json(
            "/startup",
            {"ready": False, "dependencies": {"postgres": {"status": "failed"}}},
            status=503,
        )
        report = run_smoke(service.url)
    checks = by_name(report)
    assert "HTTP 503" in checks["health"].detail
    assert checks["startup"].detail.startswith("not ready")


def test_missing_frontend_is_reported() -> None:
    # What the server answers when src/sight/static was not built into the image.
    placeholder = (
        '<!doctype html><html><body><div id="root"><h1>Sight</h1>'
        "<p>The web app has not been built.</p></div></body></html>"
    )
    with stand_in_server(healthy_routes()) as service:
        service.routes["/"] = (200, "text/html; charset=utf-8", placeholder)
        report = run_smoke(service.url)
    spa = by_name(report)["spa"]
    assert not spa.ok
    assert "frontend" in spa.detail


def test_page_without_the_react_root_is_not_the_spa() -> None:
    page = '<html><script type="module" src="/assets/index-abc123.js"></script></html>'
    with stand_in_server(healthy_routes()) as service:
        service.routes["/"] = (200, "text/html", page)
        report = run_smoke(service.url)
    spa = by_name(report)["spa"]
    assert not spa.ok
    assert '<div id="root">' in spa.detail


def test_spa_whose_bundle_is_missing() -> None:
    with stand_in_server(healthy_routes()) as service:
        del service.routes["/assets/index-abc123.js"]
        report = run_smoke(service.url)
    spa = by_name(report)["spa"]
    assert not spa.ok
    assert "/assets/index-abc123.js: HTTP 404" in spa.detail


def test_spa_served_as_json_or_404() -> None:
    with stand_in_server(healthy_routes()) as service:
        service.set_json("/", {"detail": "Not Found"}, status=404)
        del service.routes["/docs"]
        report = run_smoke(service.url)
    checks = by_name(report)
    assert checks["spa"].detail == "HTTP 404"
    assert checks["docs"].detail == "HTTP 404"


def test_non_json_answers() -> None:
    with stand_in_server(healthy_routes()) as service:
        service.routes["/health"] = (502, "text/html", "<h1>Bad Gateway</h1>")
        service.routes["/openapi.json"] = (200, "application/json", "[1, 2]")
        report = run_smoke(service.url)
    checks = by_name(report)
    assert "not JSON" in checks["health"].detail
    assert "502" in checks["health"].detail
    assert "not an object" in checks["openapi"].detail


def test_slow_answers_time_out() -> None:
    with stand_in_server(healthy_routes()) as service:
        service.delays["/docs"] = 2.0
        started = time.monotonic()
        report = run_smoke(service.url, timeout=0.3)
        elapsed = time.monotonic() - started
    checks = by_name(report)
    assert checks["docs"].detail == "timed out"
    assert checks["health"].ok
    assert elapsed < 2.0


def test_unreachable_host_fails_every_check_without_raising() -> None:
    with stand_in_server({}) as service:
        url = service.url  # the port is closed once the server stops
    report = run_smoke(url, timeout=2)
    assert not report.ok
    assert len(report.failed) == 5
    assert all("ConnectError" in c.detail for c in report.checks)


def test_module_entry_point_exit_codes() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    command = [sys.executable, "-m", "sight.smoke"]
    with stand_in_server(healthy_routes()) as service:
        ok = run([*command, service.url], env=env)
        service.set_json("/health", {"status": "degraded", "checks": {}})
        failing = run([*command, "--timeout", "5", service.url], env=env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "OK: 5 of 5 checks passed" in ok.stdout
    assert failing.returncode == 1
    assert "FAIL  health" in failing.stdout
    usage = run(command, env=env)
    assert usage.returncode == 2


def test_wait_until_healthy_rides_out_a_cold_start() -> None:
    from sight.smoke import wait_until_healthy

    with stand_in_server(healthy_routes()) as service:
        service.set_json("/health", {"status": "starting"}, status=503)
        assert not wait_until_healthy(service.url, wait=0.5, timeout=1)
        service.set_json("/health", {"status": "healthy"})
        assert wait_until_healthy(service.url, wait=5, timeout=1)


# ---- the container health probe ---------------------------------------------

HEALTHCHECK = DEPLOY / "scripts" / "healthcheck.py"


def probe(port: int) -> int:
    env = {"PATH": os.environ.get("PATH", ""), "PORT": str(port)}
    return run([sys.executable, str(HEALTHCHECK)], env=env, timeout=30).returncode


def test_container_healthcheck_follows_health() -> None:
    with stand_in_server(healthy_routes()) as service:
        port = int(service.url.rsplit(":", 1)[1])
        assert probe(port) == 0
        service.set_json("/health", {"status": "unhealthy"}, status=503)
        assert probe(port) == 1
    assert probe(port) == 1  # nothing listening


# ---- against a real `sight serve` ------------------------------------------


def sight_binary() -> str:
    path = Path(sys.executable).parent / "sight"
    if not path.exists():
        pytest.fail(f"{path} missing: the project is not installed in this venv")
    return str(path)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`sight serve` as a container runs it (minus DATABASE_URL: embedded PG)."""
    data_dir = tmp_path_factory.mktemp("sight-data")
    port = free_port()
    # The server sees none of the test session's settings (SIGHT_* set by the
    # suite's conftest included), only what a fresh install would.
    dropped = {"DATABASE_URL", "REDIS_URL", "NEO4J_URI", "NEO4J_PASSWORD", "PORT"}
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in dropped and not key.startswith("SIGHT_")
    }
    env["LOG_LEVEL"] = "WARNING"
    log = (data_dir / "serve.log").open("wb")
    process = subprocess.Popen(
        [
            sight_binary(),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                output = (data_dir / "serve.log").read_text(errors="replace")
                pytest.fail(f"sight serve did not become healthy:\n{output[-3000:]}")
            time.sleep(0.2)
        yield url
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


def static_built() -> bool:
    return (REPO / "src" / "sight" / "static" / "index.html").is_file()


def test_sight_smoke_against_a_live_server(served: str) -> None:
    result = run([sight_binary(), "smoke", served], timeout=60)
    report = run_smoke(served)
    checks = by_name(report)
    for name in ("health", "startup", "openapi", "docs"):
        assert checks[name].ok, render(report)
    if static_built():
        assert report.ok, render(report)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "OK: 5 of 5 checks passed" in result.stdout
    else:
        # Without `npm run build` the server shows its placeholder page, which
        # the smoke test must call out.
        assert not checks["spa"].ok
        assert result.returncode == 1


def test_sight_smoke_exits_non_zero_on_failure() -> None:
    with stand_in_server(healthy_routes()) as service:
        del service.routes["/docs"]
        result = run([sight_binary(), "smoke", service.url], timeout=60)
    assert result.returncode == 1
    assert "FAIL  docs" in result.stdout


def test_live_metrics_carry_the_series_the_monitoring_reads(served: str) -> None:
    run_smoke(served)  # some traffic
    text = httpx.get(served + "/metrics", timeout=10).text
    assert "sight_http_requests_total{" in text
    assert "sight_http_request_duration_seconds_bucket{" in text
    sample = next(
        line
        for line in text.splitlines()
        if line.startswith("sight_http_requests_total{")
    )
    for label in ("method=", "route=", "status="):
        assert label in sample
