"""`sight serve` as an operator runs it: start, stop, crash, restart, misconfigure."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from tests.fixtures.servers import free_port

SIGHT = str(Path(sys.executable).parent / "sight")


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "NEO4J_URI", "SIGHT_JOB_MODULES"}
    }
    env.update(extra)
    return env


def _serve(data_dir: Path, port: int, **env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [SIGHT, "serve", "--data-dir", str(data_dir), "--port", str(port)],
        env=_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _wait_healthy(
    port: int, proc: subprocess.Popen[bytes], timeout: float = 60
) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            out = proc.stdout.read().decode() if proc.stdout else ""
            raise AssertionError(
                f"sight serve exited with {proc.returncode}:\n{out[-3000:]}"
            )
        try:
            if (
                httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code
                == 200
            ):
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("sight serve did not become healthy")


def _postmasters(data_dir: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmd = proc.info["cmdline"] or []
        if proc.info["name"] == "postgres" and str(data_dir / "pgdata") in cmd:
            found.append(proc)
    return found


def test_serve_starts_stops_and_survives_a_killed_run(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    port = free_port()
    first = _serve(data_dir, port)
    try:
        _wait_healthy(port, first)
        assert (data_dir / "pgdata" / "PG_VERSION").exists()
        # A second serve on the same data dir refuses instead of sharing it.
        other = subprocess.run(
            [SIGHT, "serve", "--data-dir", str(data_dir), "--port", str(free_port())],
            env=_env(),
            capture_output=True,
            timeout=60,
        )
        assert other.returncode == 1
        assert b"another Sight process" in other.stderr
        first.send_signal(signal.SIGKILL)  # crash: PostgreSQL is left running
        first.wait(10)
        assert len(_postmasters(data_dir)) == 1
        second = _serve(data_dir, port)
        try:
            _wait_healthy(port, second)
            assert len(_postmasters(data_dir)) == 1, "a second PostgreSQL was started"
            registered = httpx.post(
                f"http://127.0.0.1:{port}/api/v1/auth/register",
                json={"email": "op@example.com", "password": "long enough 1"},
            )
            assert registered.status_code == 201
            stop_started = time.monotonic()
            second.send_signal(signal.SIGTERM)
            second.wait(15)
            assert time.monotonic() - stop_started < 10
            assert second.returncode in (0, 128 + signal.SIGTERM)
            assert _postmasters(data_dir) == [], "PostgreSQL outlived sight serve"
        finally:
            if second.poll() is None:
                second.kill()
        # Data persists across restarts of the embedded server.
        third = _serve(data_dir, port)
        try:
            _wait_healthy(port, third)
            again = httpx.post(
                f"http://127.0.0.1:{port}/api/v1/auth/register",
                json={"email": "op@example.com", "password": "long enough 1"},
            )
            assert again.status_code == 409
            third.send_signal(signal.SIGINT)
            third.wait(15)
        finally:
            if third.poll() is None:
                third.kill()
    finally:
        if first.poll() is None:
            first.kill()
        for proc in _postmasters(data_dir):
            proc.kill()


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({"SECRET_KEY": "short"}, "SECRET_KEY is 5 characters"),
        ({}, "SECRET_KEY is not set"),
        (
            {
                "SECRET_KEY": "k" * 40,
                "DATABASE_URL": "postgresql://u:p@127.0.0.1:1/db",
                "POSTGRES_PASSWORD": "postgres",
            },
            "POSTGRES_PASSWORD is a default password",
        ),
    ],
)
def test_production_refuses_weak_configuration(
    tmp_path: Path, env: dict[str, str], reason: str
) -> None:
    base = _env(SIGHT_ENV="production")
    base.pop("SECRET_KEY", None)
    base.update(env)
    result = subprocess.run(
        [SIGHT, "serve", "--data-dir", str(tmp_path), "--port", str(free_port())],
        env=base,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert reason in lines[0]
    assert not (tmp_path / "pgdata").exists(), "nothing may start before the check"


def test_db_upgrade_then_worker_joins_the_embedded_server(tmp_path: Path) -> None:
    result = subprocess.run(
        [SIGHT, "db", "upgrade", "--data-dir", str(tmp_path)],
        env=_env(),
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    assert b"up to date" in result.stdout
    assert _postmasters(tmp_path) == []
    lonely = subprocess.run(
        [SIGHT, "worker", "--data-dir", str(tmp_path)],
        env=_env(),
        capture_output=True,
        timeout=60,
    )
    assert lonely.returncode == 1
    assert b"start `sight serve` first" in lonely.stderr
