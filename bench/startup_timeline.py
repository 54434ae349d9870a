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


def one_run(command: str, data_dir: Path, log: Path) -> dict[str, float]:
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
    return out_marks


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
            one_run(args.command, root / "data", root / "warmup.log")
        for index in range(args.runs):
            data_dir = root / (f"data-{index}" if args.fresh else "data")
            data_dir.mkdir(exist_ok=True)
            runs.append(one_run(args.command, data_dir, root / f"run-{index}.log"))
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
