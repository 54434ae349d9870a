"""`sight serve --workers N`: N API processes on one port and one embedded
PostgreSQL, one in-process job worker among them, one clean stop."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import httpx
import psutil

from tests.fixtures.servers import free_port
from tests.test_cli import SIGHT, _env, _postmasters, _wait_healthy


def test_two_api_processes_share_one_database_and_one_job_worker(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        serve = subprocess.Popen(
            [
                SIGHT,
                "serve",
                "--data-dir",
                str(data_dir),
                "--port",
                str(port),
                "--workers",
                "2",
            ],
            env=_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_healthy(port, serve, timeout=120)
        api = [
            child
            for child in psutil.Process(serve.pid).children()
            if child.name() != "postgres"
            and "postgres" not in " ".join(child.cmdline())
        ]
        assert len(api) >= 2, [c.cmdline() for c in api]
        assert len(_postmasters(data_dir)) == 1
        base = f"http://127.0.0.1:{port}/api/v1"
        with httpx.Client(base_url=base, timeout=30) as http:
            http.post(
                "/auth/register",
                json={"email": "w@example.com", "password": "long enough 1"},
            )
            token = http.post(
                "/auth/login",
                json={"email": "w@example.com", "password": "long enough 1"},
            ).json()["access_token"]
            http.headers["Authorization"] = f"Bearer {token}"
            project = http.post(
                "/projects", json={"name": "Workers", "target_demographics": {}}
            ).json()["id"]
            # Every request lands on either process; each sees the same data.
            for _ in range(20):
                assert http.get(f"/projects/{project}").status_code == 200
            job = http.post(
                f"/projects/{project}/personas/generate",
                json={"num_personas": 3, "seed": 1},
            ).json()
            deadline = time.monotonic() + 90
            status = "queued"
            while time.monotonic() < deadline:
                status = http.get(f"/jobs/{job['job_id']}").json()["status"]
                if status in {"succeeded", "failed"}:
                    break
                time.sleep(0.3)
            assert status == "succeeded"
        text = log.read_text(errors="replace")
        assert text.count("Starting worker on queues") == 1, "one job worker"
        assert text.count("Sight is running at") == 1
        assert "2 API processes" in text
        serve.send_signal(signal.SIGTERM)
        serve.wait(30)
        assert _postmasters(data_dir) == [], "PostgreSQL outlived sight serve"
    finally:
        if serve.poll() is None:
            serve.kill()
        for proc in _postmasters(data_dir):
            proc.kill()


def test_workers_must_be_a_number_or_auto(tmp_path: Path) -> None:
    result = subprocess.run(
        [SIGHT, "serve", "--data-dir", str(tmp_path), "--workers", "many"],
        env=_env(),
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert b"--workers must be a number or 'auto', not 'many'" in result.stderr
