"""How far Sight's two busiest reads are from the stack's own ceiling
(issue 16): Sight and `bench.ceiling_app` (the same FastAPI, uvicorn,
SQLAlchemy, psycopg and PostgreSQL, without Sight) under the same wrk command,
with the same number of API processes, taking turns.

    python -m bench.http_ceiling                  # 2 processes each, 8 s a run
    python -m bench.http_ceiling --workers 1 --duration 10 --rounds 3

For each run: req/s served, P95, body bytes, and the CPU time per request of
the API processes, of PostgreSQL and of wrk itself. On a shared machine req/s
measures the neighbours; the CPU per request does not (much), and
2000 / (API + PostgreSQL + wrk) ms is what two otherwise idle cores could
serve at that CPU per request.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from bench.cold_start import stop as stop_server
from bench.http_load import (
    DATA_DIRS,
    _body_bytes,
    _free_port,
    _proc_table,
    prepare,
    route_path,
    run_peak_wrk,
    serve,
    server_cpu,
    wrk_path,
)
from bench.rows import load_average


def _database_url(data_dir: str) -> str:
    """The libpq URL of the embedded PostgreSQL `sight serve` runs in `data_dir`."""
    pgdata = Path(data_dir) / "pgdata"
    port = (pgdata / "postmaster.pid").read_text().splitlines()[3].strip()
    return (
        f"postgresql://postgres@/sight?host={quote(str(pgdata), safe='')}&port={port}"
    )


@contextlib.contextmanager
def ceiling_server(database_url: str, workers: int) -> Iterator[tuple[str, int]]:
    """`bench.ceiling_app` under uvicorn; yields (base URL, pid of uvicorn)."""
    port = _free_port()
    argv = [
        sys.executable, "-m", "uvicorn", "bench.ceiling_app:create", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    env = dict(os.environ, CEILING_DATABASE_URL=database_url)
    server = subprocess.Popen(
        argv,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/const", timeout=2):  # noqa: S310
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the ceiling app did not start") from None
                time.sleep(0.2)
        yield base, server.pid
    finally:
        stop_server(server, grace=20)


def _tree_cpu(root: int) -> float:
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    total, stack = 0.0, [root]
    while stack:
        pid = stack.pop()
        if pid in table:
            total += table[pid][2]
            stack.extend(children.get(pid, []))
    return total


def _children_cpu() -> float:
    times = os.times()
    return times.children_user + times.children_system


async def _measure(
    label: str,
    base: str,
    path: str,
    token: str,
    api_cpu: object,
    db_cpu: object,
    duration: float,
    connections: int,
) -> dict[str, object]:
    body = _body_bytes(base, path, token)
    # Warm-up: pools, plan caches, first-use imports.
    await run_peak_wrk(base, path, token, connections, 1.0, label, body)
    api0, db0, wrk0 = api_cpu(), db_cpu(), _children_cpu()  # type: ignore[operator]
    result = await run_peak_wrk(base, path, token, connections, duration, label, body)
    api1, db1, wrk1 = api_cpu(), db_cpu(), _children_cpu()  # type: ignore[operator]
    ok = max(1, result.ok)
    row = {
        "what": label,
        "rate": result.rate,
        "p95": result.p95_ms,
        "errors": result.errors,
        "body": body,
        "api": (api1 - api0) * 1000 / ok,
        "db": (db1 - db0) * 1000 / ok,
        "wrk": (wrk1 - wrk0) * 1000 / ok,
        "load": result.load,
    }
    total = float(row["api"]) + float(row["db"]) + float(row["wrk"])  # type: ignore[arg-type]
    row["ceiling"] = 2000 / total if total else float("nan")
    print(
        f"| {label} | {result.rate:.0f} | {result.p95_ms:.1f} | {result.errors} "
        f"| {body:,} | {row['api']:.2f} | {row['db']:.2f} | {row['wrk']:.2f} "
        f"| {row['ceiling']:.0f} | {result.load} |",
        flush=True,
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if wrk_path() is None:
        raise SystemExit("wrk is not on the PATH (apt-get install wrk)")
    from bench.support import machine

    print(f"machine: {machine()}; API processes: {args.workers}; wrk -t1 "
          f"-c{args.connections} -d{args.duration:.0f}s")  # fmt: skip
    print(
        "| what | served (req/s) | P95 (ms) | errors | body (B) | API CPU ms/req "
        "| PostgreSQL CPU ms/req | wrk CPU ms/req | 2-core ceiling (req/s) "
        "| load avg |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    with serve(workers=args.workers) as sight:
        fixture = prepare(sight, 20)
        data = DATA_DIRS[sight]
        with ceiling_server(_database_url(data), args.workers) as (bare, pid):

            def sight_api() -> float:
                return server_cpu(data)[0]

            def bare_api() -> float:
                return _tree_cpu(pid)

            def db() -> float:
                return server_cpu(data)[1]

            async def run() -> None:
                for _ in range(args.rounds):
                    for route in ("project", "personas"):
                        path = route_path(route, fixture.project)
                        await _measure(
                            f"Sight, {route}", sight, path, fixture.token,
                            sight_api, db, args.duration, args.connections,
                        )  # fmt: skip
                        await _measure(
                            f"bare stack, {route}", bare, path, fixture.token,
                            bare_api, db, args.duration, args.connections,
                        )  # fmt: skip
                    await _measure(
                        "bare stack, constant 8.5 KB", bare, "/const", fixture.token,
                        bare_api, db, args.duration, args.connections,
                    )  # fmt: skip

            asyncio.run(run())
    print(f"load average at the end: {load_average()}")


if __name__ == "__main__":
    main()
