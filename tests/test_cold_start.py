"""A new data dir starts from the prepared cluster (issue 16: no initdb and no
migrations after the first start on a machine), with the same schema."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import httpx

from tests.fixtures.servers import free_port
from tests.test_cli import SIGHT, _env, _postmasters, _wait_healthy


def _run(data_dir: Path, templates: Path, log: Path) -> str:
    port = free_port()
    with log.open("wb") as out:
        serve = subprocess.Popen(
            [SIGHT, "serve", "--data-dir", str(data_dir), "--port", str(port)],
            env=_env(SIGHT_PG_TEMPLATE_DIR=str(templates)),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_healthy(port, serve, timeout=120)
        registered = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/auth/register",
            json={"email": "cold@example.com", "password": "long enough 1"},
            timeout=30,
        )
        assert registered.status_code == 201, registered.text
        serve.send_signal(signal.SIGTERM)
        serve.wait(30)
    finally:
        if serve.poll() is None:
            serve.kill()
        for proc in _postmasters(data_dir):
            proc.kill()
    return log.read_text(errors="replace")


def test_second_new_data_dir_copies_the_prepared_cluster(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    first = _run(tmp_path / "one", templates, tmp_path / "one.log")
    assert "Running upgrade" in first  # the first start migrates...
    [template] = list(templates.iterdir())  # ...and keeps the result
    assert (template / "PG_VERSION").exists()
    assert not (template / "postmaster.pid").exists()
    second = _run(tmp_path / "two", templates, tmp_path / "two.log")
    assert "Running upgrade" not in second  # nothing left to migrate
    assert (tmp_path / "two" / "pgdata" / "PG_VERSION").exists()
