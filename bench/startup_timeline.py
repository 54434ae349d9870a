"""Where a start of `sight serve` goes: a timeline from process start to the
first `/health` 200, read from the server's own JSON log lines.

    python -m bench.startup_timeline              # 3 warm restarts of one data dir
    python -m bench.startup_timeline --fresh      # 3 new data dirs (template copied)
    python -m bench.startup_timeline --command '/other/checkout/.venv/bin/sight serve --port {port} --data-dir {data_dir}'

Phases (each ends at the log line named): the embedded PostgreSQL's start
(the app's imports run alongside in a thread), the schema check (waits for
those imports first), building the app (every domain's routes), the lifespan
(gateway, queue, task modules), uvicorn binding its socket, the first `/health`
200. A phase whose line a build does not log is folded into the next one.
Warm restarts also time the first real request after `/health` (GET a project
made by the first start's user, as a client would right after a restart): it
shows work a start left for later.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from bench.cold_start import free_port, health_ok, stop, tree_cpu

# (phase name, the log message that ends it)
PHASES: list[tuple[str, str]] = [
    ("embedded PostgreSQL started (imports alongside)", "embedded PostgreSQL ready"),
    ("imports joined + schema check", "database schema at head"),
    ("app built (every domain's routes)", "Started server process"),
    ("lifespan (gateway, queue, task modules)", "Sight is ready"),
    ("uvicorn listening", "Uvicorn running on"),
]


def one_run(
    command: str,
    data_dir: Path,
    log: Path,
    after_health: Callable[[int], dict[str, float]] | None = None,
) -> dict[str, float]:
    port = free_port()
    argv = shlex.split(command.format(port=port, data_dir=shlex.quote(str(data_dir))))
    with log.open("wb") as out:
        started_wall = time.time()
        started = time.perf_counter()
        process = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            while not health_ok(port):
                if process.poll() is not None or time.perf_counter() - started > 120:
                    raise RuntimeError(f"no /health 200; see {log}")
                time.sleep(0.02)
            health = time.perf_counter() - started
            cpu = tree_cpu(process.pid, data_dir)
            extra = after_health(port) if after_health else {}
        finally:
            stop(process, grace=30)
    marks: dict[str, float] = {}
    for line in log.read_text(errors="replace").splitlines():
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        for _phase, message in PHASES:
            if record.get("message", "").startswith(message) and message not in marks:
                at = datetime.fromisoformat(record["time"]).timestamp()
                marks[message] = at - started_wall
    out_marks = {message: marks[message] for _p, message in PHASES if message in marks}
    out_marks["/health 200"] = health
    out_marks["cpu"] = cpu
    return out_marks | extra


def make_project(port: int) -> dict[str, float]:
    """On the first start: a user and a project, for the restarts' first request."""
    from bench.http_load import prepare

    fixture = prepare(f"http://127.0.0.1:{port}", personas=0)
    FIXTURE.update(token=fixture.token, project=fixture.project)
    return {}


FIXTURE: dict[str, str] = {}


def first_request(port: int) -> dict[str, float]:
    """The first GET of the project after /health 200: its latency (s)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/projects/{FIXTURE['project']}",
        headers={"Authorization": f"Bearer {FIXTURE['token']}"},
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        response.read()
        if response.status != 200:
            raise RuntimeError(f"GET project: {response.status}")
    return {"first request": time.perf_counter() - started}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--fresh", action="store_true", help="a new data dir each run")
    parser.add_argument(
        "--command",
        default=f"{Path(sys.executable).parent / 'sight'} serve --host 127.0.0.1 "
        "--port {port} --data-dir {data_dir}",
    )
    args = parser.parse_args(argv)
    runs: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="sight-timeline-") as tmp:
        root = Path(tmp)
        if not args.fresh:  # the first start of a data dir is not a restart
            (root / "data").mkdir()
            one_run(args.command, root / "data", root / "warmup.log", make_project)
        for index in range(args.runs):
            data_dir = root / (f"data-{index}" if args.fresh else "data")
            data_dir.mkdir(exist_ok=True)
            log = root / f"run-{index}.log"
            after = None if args.fresh else first_request
            runs.append(one_run(args.command, data_dir, log, after))
    names = [m for _p, m in PHASES if all(m in r for r in runs)] + ["/health 200"]
    labels = dict((m, p) for p, m in PHASES) | {"/health 200": "first /health 200"}
    print(
        f"{'fresh data dirs' if args.fresh else 'warm restarts'}, {args.runs} runs, "
        f"load average {os.getloadavg()[0]:.2f}; median seconds since process start"
    )
    print("| phase (ends at) | at (s) | phase (s) |\n|---|---|---|")
    before = 0.0
    for name in names:
        at = statistics.median(r[name] for r in runs)
        print(f"| {labels[name]} | {at:.2f} | {at - before:.2f} |")
        before = at
    cpu = [r["cpu"] for r in runs]
    health = [r["/health 200"] for r in runs]
    print(
        f"/health 200: best {min(health):.2f} s, median {statistics.median(health):.2f}"
        f" s; CPU best {min(cpu):.2f} s, median {statistics.median(cpu):.2f} s"
    )
    if not args.fresh:
        first = sorted(r["first request"] * 1000 for r in runs)
        print(
            "first GET of a project after /health: "
            + ", ".join(f"{ms:.0f}" for ms in first)
            + " ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
