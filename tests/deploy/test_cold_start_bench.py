"""bench/cold_start.py, exercised with stand-in server commands (the real target,
`uv run sight serve`, is what `python bench/cold_start.py` measures by default)."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

from tests.deploy.support import REPO, run

BENCH = REPO / "bench" / "cold_start.py"


def test_reports_median_and_max(tmp_path: Path) -> None:
    # http.server answers 200 for /health when the directory has that file.
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "health").write_text("ok")
    command = (
        f"{shlex.quote(sys.executable)} -m http.server {{port}} --bind 127.0.0.1 "
        f"--directory {shlex.quote(str(tmp_path / 'www'))}"
    )
    out = tmp_path / "result.json"
    result = run(
        [
            sys.executable,
            str(BENCH),
            "--runs",
            "2",
            "--command",
            command,
            "--json",
            str(out),
        ],
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "median" in result.stdout
    assert "max" in result.stdout
    summary = json.loads(out.read_text())
    assert len(summary["runs"]) == 2
    assert all(r["seconds"] is not None and r["seconds"] > 0 for r in summary["runs"])
    assert summary["median_s"] <= summary["max_s"]
    assert summary["target_s"] == 10.0


def test_a_server_that_dies_is_a_failure(tmp_path: Path) -> None:
    command = f"{shlex.quote(sys.executable)} -c 'raise SystemExit(3)' {{port}}"
    result = run(
        [
            sys.executable,
            str(BENCH),
            "--runs",
            "1",
            "--timeout",
            "20",
            "--command",
            command,
        ],
        timeout=60,
    )
    assert result.returncode == 1
    assert "exited with 3" in result.stdout


def test_the_default_command_measures_sight_serve() -> None:
    source = BENCH.read_text()
    assert "sight serve" in source
    assert "--data-dir {data_dir}" in source
    assert "/health" in source
