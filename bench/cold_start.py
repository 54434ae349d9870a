"""Cold start: wall time from process start to the first ``GET /health`` = 200.

Starts ``uv run sight serve`` N times on a free loopback port, each run with a
fresh data directory by default (so the embedded PostgreSQL is initialised too,
as on a new laptop), polls ``/health`` until it answers 200, stops the server
with SIGTERM and reports median and max. The design's floor is 10 s.

    uv run python bench/cold_start.py                  # 5 runs, fresh data dirs
    uv run python bench/cold_start.py --runs 10 --reuse-data-dir
    uv run python bench/cold_start.py --json bench/results/cold_start.json

``--command`` replaces the server command line; ``{port}`` and ``{data_dir}`` are
filled in. It measures another target the same way, e.g. the installed entry
point without uv: ``--command '.venv/bin/sight serve --port {port} --data-dir
{data_dir}'``. Environment variables such as DATABASE_URL pass through unchanged.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

DEFAULT_COMMAND = (
    "uv run --frozen sight serve --host 127.0.0.1 --port {port} --data-dir {data_dir}"
)
TARGET_SECONDS = 10.0


@dataclass
class Run:
    index: int
    seconds: float | None
    error: str | None
    # CPU seconds the server and its PostgreSQL spent until /health answered:
    # on a shared machine wall time measures the neighbours, this does not.
    cpu_seconds: float | None = None


def tree_cpu(root: int, data_dir: Path) -> float:
    """CPU seconds of `root`, its descendants (with their waited-for children)
    and of the PostgreSQL processes serving `data_dir` (pg_ctl detaches them)."""
    tick = os.sysconf("SC_CLK_TCK")
    parent: dict[int, int] = {}
    cpu: dict[int, float] = {}
    cmd: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        pid = int(entry.name)
        parent[pid] = int(fields[1])
        cpu[pid] = sum(int(v) for v in fields[11:15]) / tick
        cmd[pid] = line
    children: dict[int, list[int]] = {}
    for pid, ppid in parent.items():
        children.setdefault(ppid, []).append(pid)
    roots = {root} | {
        pid for pid, line in cmd.items() if str(data_dir) in line and "postgres" in line
    }
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        pid = stack.pop()
        if pid in seen or pid not in cpu:
            continue
        seen.add(pid)
        stack.extend(children.get(pid, []))
    return round(sum(cpu[pid] for pid in seen), 2)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def health_ok(port: int) -> bool:
    url = f"http://127.0.0.1:{port}/health"
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status) == 200
    except (urllib.error.URLError, OSError):
        return False


def stop(process: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM the server's process group (uv and its child), SIGKILL if stuck.

    A clean stop matters: the embedded PostgreSQL outlives a SIGKILLed owner.
    """
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def measure_once(
    index: int, command: str, data_dir: Path, timeout: float, log: Path
) -> Run:
    port = free_port()
    argv = shlex.split(command.format(port=port, data_dir=shlex.quote(str(data_dir))))
    with log.open("ab") as log_file:
        started = time.perf_counter()
        process = subprocess.Popen(
            argv,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as a whole
        )
        try:
            while True:
                elapsed = time.perf_counter() - started
                if health_ok(port):
                    return Run(
                        index,
                        round(elapsed, 3),
                        None,
                        tree_cpu(process.pid, data_dir),
                    )
                if process.poll() is not None:
                    return Run(index, None, f"exited with {process.returncode}")
                if elapsed > timeout:
                    return Run(index, None, f"no /health 200 within {timeout:.0f} s")
                time.sleep(0.05)
        finally:
            stop(process, grace=30)


def _series(command: str, runs: int, reuse: bool, timeout: float) -> list[Run]:
    out: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="sight-cold-start-") as tmp:
        root = Path(tmp)
        for index in range(1, runs + 1):
            data_dir = root / ("data" if reuse else f"data-{index}")
            data_dir.mkdir(exist_ok=True)
            out.append(measure_once(index, command, data_dir, timeout, root / "log"))
    return out


def quick() -> list[Any]:
    """Issue 16's cold-start rows: 3 new data dirs, then 4 starts of one (the
    first of those is cold too, the next three warm); best and median of 3.
    The installed entry point, no `uv run` (its own check adds about 0.3 s)."""
    # Imported here: this file also runs as a plain script.
    from bench.rows import Row

    command = (
        f"{Path(sys.executable).parent / 'sight'} serve --host 127.0.0.1 "
        "--port {port} --data-dir {data_dir}"
    )
    fresh = _series(command, 3, reuse=False, timeout=120)
    warm = _series(command, 4, reuse=True, timeout=120)[1:]
    rows = []
    for label, runs, goal in (
        ("Cold start, fresh data dir -> /health 200", fresh, 3.0),
        ("Warm restart -> /health 200", warm, 1.5),
    ):
        ok = [r for r in runs if r.seconds is not None]
        if not ok:
            rows.append(Row(label, f"failed: {runs[0].error}", f"< {goal} s", False))
            continue
        seconds = [r.seconds for r in ok if r.seconds is not None]
        cpu = [r.cpu_seconds or 0.0 for r in ok]
        rows.append(
            Row(
                label,
                f"{min(seconds):.2f} s best of {len(ok)}, median "
                f"{statistics.median(seconds):.2f} s (CPU best {min(cpu):.2f} s, "
                f"median {statistics.median(cpu):.2f} s)",
                f"< {goal} s",
                min(seconds) < goal,
                "a new data dir copies the prepared cluster once one exists; "
                "timeline: python -m bench.startup_timeline",
            )
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=120.0, help="per run (s)")
    parser.add_argument("--command", default=DEFAULT_COMMAND)
    parser.add_argument(
        "--reuse-data-dir",
        action="store_true",
        help="one data dir for all runs: run 1 is cold, the rest are warm starts",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="sight-cold-start-") as tmp:
        root = Path(tmp)
        log = root / "server.log"
        for index in range(1, args.runs + 1):
            name = "data" if args.reuse_data_dir else f"data-{index}"
            data_dir = root / name
            data_dir.mkdir(exist_ok=True)
            run = measure_once(index, args.command, data_dir, args.timeout, log)
            runs.append(run)
            shown = (
                f"{run.seconds:.2f} s (CPU {run.cpu_seconds:.2f} s, load "
                f"{os.getloadavg()[0]:.1f})"
                if run.seconds is not None
                else run.error
            )
            print(f"run {index}/{args.runs}: {shown}", flush=True)
        failed = [run for run in runs if run.seconds is None]
        if failed:
            print("--- server output (last 40 lines) ---")
            lines = log.read_text(errors="replace").splitlines()
            print("\n".join(lines[-40:]))

    times = [run.seconds for run in runs if run.seconds is not None]
    summary: dict[str, object] = {
        "command": args.command,
        "fresh_data_dir": not args.reuse_data_dir,
        "runs": [asdict(run) for run in runs],
        "median_s": round(statistics.median(times), 3) if times else None,
        "max_s": round(max(times), 3) if times else None,
        "target_s": TARGET_SECONDS,
    }
    if times:
        print(
            f"cold start to /health 200: median {summary['median_s']:.2f} s, "
            f"max {summary['max_s']:.2f} s over {len(times)} runs "
            f"(target < {TARGET_SECONDS:.0f} s)"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
