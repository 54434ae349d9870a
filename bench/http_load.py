"""HTTP load on one `sight serve`: peak throughput and open-loop latency of an
authenticated simple read (GET a project) and of a 20-persona list page.

Self-contained: starts `sight serve` (fresh embedded PostgreSQL, offline engine)
on a free port, registers a user, creates a project, generates 20 personas,
then loads the routes. The load generator is a small open-loop HTTP/1.1 client
on raw asyncio sockets (keep-alive, one request per connection at a time): it
costs about 40 µs of CPU per request, so on 2 shared cores the server, not the
client, is what is measured. Latency is counted from the moment a request was
*due*, not when a connection became free, so a server that falls behind shows
its queue (no coordinated omission).

    python -m bench.http_load                          # both routes, default rates
    python -m bench.http_load --workers 2 --rates 200 800 --duration 10
    python -m bench.http_load --route project --peak-only
    python -m bench.http_load --url http://127.0.0.1:8000 --token T --project ID
    python -m bench.http_load --peak-client python    # no wrk even if installed

Peak: `--connections` clients each send the next request as soon as the last
one was answered (closed loop) for `--duration` seconds. It is measured with
wrk (a C load generator, `apt-get install wrk`) when wrk is on the PATH: on 2
shared cores a Python client's own CPU (~40 µs a request, plus its event loop)
is taken from the server it measures, which wrk's ~5 µs is not. Without wrk
the Python client measures the peak too (CI needs nothing more). Open loop:
requests are sent at the fixed rate whatever the server does, always by the
Python client (wrk has no open-loop mode; wrk2 is not packaged).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.cold_start import stop as stop_server
from bench.rows import Row, load_average

ROUTE_GOALS = {
    # route: (peak req/s goal, P95 ms goal at 200 req/s open loop or None)
    "project": (800.0, 25.0),
    "personas": (300.0, None),
}


@dataclass
class Result:
    route: str
    mode: str  # "peak" or "open"
    offered: float | None  # req/s offered (open loop)
    sent: int
    ok: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    body_bytes: int
    load: str
    # CPU time of the server's processes (API, PostgreSQL) per answered request:
    # unlike req/s, barely moved by other work on a shared machine.
    api_cpu_ms: float | None = None
    db_cpu_ms: float | None = None
    client: str = "python"  # the load generator: "python" or "wrk"

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader = reader
        self.writer = writer

    async def request(self, raw: bytes) -> tuple[int, int]:
        """Send one prepared request; return (status, body length)."""
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
                break
        else:
            raise RuntimeError("response without content-length")
        await self.reader.readexactly(length)
        return status, length

    def close(self) -> None:
        self.writer.close()


class Pool:
    def __init__(self, host: str, port: int, limit: int) -> None:
        self.host, self.port = host, port
        self.idle: list[Connection] = []
        self.opened = 0
        self.limit = limit
        self.freed = asyncio.Condition()

    async def get(self) -> Connection:
        while True:
            if self.idle:
                return self.idle.pop()
            if self.opened < self.limit:
                self.opened += 1
                try:
                    reader, writer = await asyncio.open_connection(self.host, self.port)
                except BaseException:
                    self.opened -= 1
                    raise
                return Connection(reader, writer)
            async with self.freed:
                await self.freed.wait()

    async def put(self, conn: Connection | None) -> None:
        if conn is None:
            self.opened -= 1
        else:
            self.idle.append(conn)
        async with self.freed:
            self.freed.notify()

    def close(self) -> None:
        for conn in self.idle:
            conn.close()


def _raw_get(host: str, port: int, path: str, token: str) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Authorization: Bearer {token}\r\nAccept: application/json\r\n\r\n"
    ).encode()


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]


async def _one(
    pool: Pool, raw: bytes, due: float, latencies: list[float], tally: list[int]
) -> None:
    conn: Connection | None = None
    try:
        conn = await pool.get()
        status, length = await conn.request(raw)
        latencies.append((time.perf_counter() - due) * 1000)
        if status == 200:
            tally[0] += 1
            tally[2] = length
        else:
            tally[1] += 1
    except (OSError, asyncio.IncompleteReadError, RuntimeError, ValueError):
        tally[1] += 1
        if conn is not None:
            conn.close()
            conn = None
    finally:
        await pool.put(conn)


async def run_open(
    base: str, path: str, token: str, rate: float, duration: float, route: str
) -> Result:
    host, port = _host_port(base)
    raw = _raw_get(host, port, path, token)
    pool = Pool(host, port, limit=1024)
    latencies: list[float] = []
    tally = [0, 0, 0]  # ok, errors, body bytes
    tasks: set[asyncio.Task[None]] = set()
    total = int(rate * duration)
    started = time.perf_counter()
    for n in range(total):
        due = started + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(_one(pool, raw, due, latencies, tally))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)
    seconds = time.perf_counter() - started
    pool.close()
    return _result(route, "open", rate, total, tally, latencies, seconds)


async def run_peak(
    base: str, path: str, token: str, connections: int, duration: float, route: str
) -> Result:
    host, port = _host_port(base)
    raw = _raw_get(host, port, path, token)
    pool = Pool(host, port, limit=connections)
    latencies: list[float] = []
    tally = [0, 0, 0]
    sent = 0
    started = time.perf_counter()
    deadline = started + duration

    async def client() -> None:
        nonlocal sent
        while time.perf_counter() < deadline:
            sent += 1
            await _one(pool, raw, time.perf_counter(), latencies, tally)

    await asyncio.gather(*(client() for _ in range(connections)))
    seconds = time.perf_counter() - started
    pool.close()
    return _result(route, "peak", None, sent, tally, latencies, seconds)


# Printed by wrk when it is done: totals, error counts and latency percentiles
# (wrk's own --latency table has no P95).
_WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("SIGHT-WRK %d %d %d %d %d %.3f %.3f %.3f %.3f\\n",
    summary.duration, summary.requests, e.status,
    e.connect + e.read + e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def wrk_path() -> str | None:
    return shutil.which("wrk")


async def run_peak_wrk(
    base: str,
    path: str,
    token: str,
    connections: int,
    duration: float,
    route: str,
    body_bytes: int,
) -> Result:
    """The closed-loop peak measured by wrk (one thread: one core is plenty)."""
    wrk = wrk_path()
    if wrk is None:
        raise RuntimeError("wrk is not installed")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_WRK_REPORT)
    try:
        process = await asyncio.create_subprocess_exec(
            wrk,
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(duration))}s",
            "-s",
            script.name,
            "-H",
            f"Authorization: Bearer {token}",
            "-H",
            "Accept: application/json",
            base + path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await process.communicate()
    finally:
        os.unlink(script.name)
    line = next(
        (x for x in out.decode().splitlines() if x.startswith("SIGHT-WRK ")), None
    )
    if process.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed: {err.decode().strip() or out.decode()}")
    fields = line.split()[1:]
    micros, requests, bad_status, socket_errors, timeouts = map(int, fields[:5])
    p50, p95, p99, worst = map(float, fields[5:])
    return Result(
        route=route,
        mode="peak",
        offered=None,
        sent=requests,
        ok=requests - bad_status,
        errors=bad_status + socket_errors + timeouts,
        seconds=micros / 1e6,
        p50_ms=p50,
        p95_ms=p95,
        p99_ms=p99,
        max_ms=worst,
        body_bytes=body_bytes,
        load=load_average(),
        client="wrk",
    )


def _body_bytes(base: str, path: str, token: str) -> int:
    request = urllib.request.Request(  # noqa: S310 (our own loopback server)
        base + path, headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return len(response.read())


def _result(
    route: str,
    mode: str,
    offered: float | None,
    sent: int,
    tally: list[int],
    latencies: list[float],
    seconds: float,
) -> Result:
    return Result(
        route=route,
        mode=mode,
        offered=offered,
        sent=sent,
        ok=tally[0],
        errors=tally[1],
        seconds=seconds,
        p50_ms=_percentile(latencies, 0.50),
        p95_ms=_percentile(latencies, 0.95),
        p99_ms=_percentile(latencies, 0.99),
        max_ms=max(latencies) if latencies else float("nan"),
        body_bytes=tally[2],
        load=load_average(),
    )


def _host_port(base: str) -> tuple[str, int]:
    rest = base.split("://", 1)[-1].rstrip("/")
    host, _, port = rest.partition(":")
    return host, int(port or 80)


# ---------------------------------------------------------------- the server


def _proc_table() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, command line, CPU seconds) for every process."""
    tick = os.sysconf("SC_CLK_TCK")
    table: dict[int, tuple[int, str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        table[int(entry.name)] = (
            int(fields[1]),
            cmd,
            (int(fields[11]) + int(fields[12])) / tick,
        )
    return table


def server_cpu(data_dir: str) -> tuple[float, float]:
    """CPU seconds so far of (the `sight serve` processes, its PostgreSQL):
    every process whose command line names `data_dir`, and their children."""
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)

    def tree(root: int) -> float:
        total, stack = 0.0, [root]
        while stack:
            pid = stack.pop()
            total += table[pid][2]
            stack.extend(children.get(pid, []))
        return total

    api = db = 0.0
    for pid, (_, cmd, _) in table.items():
        if data_dir not in cmd:
            continue
        if "postgres" in cmd.split(" ", 1)[0]:
            db += tree(pid)
        elif "sight" in cmd and " serve" in cmd:
            api += table[pid][2]
            # `--workers N`: uvicorn's worker processes (not PostgreSQL).
            for child in children.get(pid, []):
                if "postgres" not in table[child][1]:
                    api += tree(child)
    return api, db


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _http(
    base: str, method: str, path: str, body: object = None, token: str | None = None
) -> dict[str, object]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 (our own loopback server)
        base + path, data=data, headers=headers, method=method
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        parsed: dict[str, object] = json.loads(response.read() or b"{}")
        return parsed


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/health", timeout=2) as r:  # noqa: S310
            return int(r.status) == 200
    except OSError:
        return False


DATA_DIRS: dict[str, str] = {}  # base URL -> data dir of a server we started


@contextlib.contextmanager
def serve(workers: int | None = None, extra: list[str] | None = None) -> Iterator[str]:
    """A `sight serve` on a free port with a throwaway data dir; yields its URL."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="sight-bench-http-") as data:
        argv = [
            str(Path(sys.executable).parent / "sight"),
            "serve",
            "--port",
            str(port),
            "--data-dir",
            data,
            *(["--workers", str(workers)] if workers is not None else []),
            *(extra or []),
        ]
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        server = subprocess.Popen(
            argv,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        DATA_DIRS[base] = data
        try:
            deadline = time.monotonic() + 90
            while not _healthy(base):
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start")
                time.sleep(0.1)
            yield base
        finally:
            stop_server(server, grace=30)


@dataclass
class Fixture:
    token: str
    project: str


def prepare(base: str, personas: int = 20) -> Fixture:
    """A user, a project and `personas` offline personas (waits for the job)."""
    email = f"load-{time.monotonic_ns()}@example.com"
    password = "load bench password 1"  # noqa: S105
    _http(
        base,
        "POST",
        "/api/v1/auth/register",
        {"email": email, "password": password, "full_name": "Load"},
    )
    token = str(
        _http(
            base,
            "POST",
            "/api/v1/auth/login",
            {"email": email, "password": password},
        )["access_token"]
    )
    project = str(
        _http(
            base,
            "POST",
            "/api/v1/projects",
            {"name": "Load bench", "target_demographics": {}},
            token,
        )["id"]
    )
    if personas:
        job = _http(
            base,
            "POST",
            f"/api/v1/projects/{project}/personas/generate",
            {"num_personas": personas, "seed": 7},
            token,
        )
        deadline = time.monotonic() + 120
        while True:
            status = _http(base, "GET", f"/api/v1/jobs/{job['job_id']}", None, token)
            if status["status"] in {"succeeded", "failed", "cancelled"}:
                break
            if time.monotonic() > deadline:
                raise SystemExit("persona generation did not finish in 120 s")
            time.sleep(0.3)
    return Fixture(token=token, project=project)


def route_path(route: str, project: str) -> str:
    if route == "project":
        return f"/api/v1/projects/{project}"
    return f"/api/v1/projects/{project}/personas?limit=20"


def _run(
    base: str,
    fixture: Fixture,
    routes: list[str],
    rates: list[float],
    duration: float,
    connections: int,
    peak_only: bool,
    peak_client: str = "auto",
) -> list[Result]:
    use_wrk = _use_wrk(peak_client)

    async def main() -> list[Result]:
        out: list[Result] = []
        data_dir = DATA_DIRS.get(base)

        async def measured(run: Any) -> Result:
            before = server_cpu(data_dir) if data_dir else None
            result: Result = await run
            if before is not None and data_dir and result.ok:
                after = server_cpu(data_dir)
                result.api_cpu_ms = (after[0] - before[0]) * 1000 / result.ok
                result.db_cpu_ms = max(0.0, after[1] - before[1]) * 1000 / result.ok
            out.append(result)
            return result

        for route in routes:
            path = route_path(route, fixture.project)
            # Warm-up: connection pools, first-use imports, plan caches.
            await run_peak(base, path, fixture.token, 8, 1.0, route)
            if use_wrk:
                body = _body_bytes(base, path, fixture.token)
                await measured(
                    run_peak_wrk(
                        base, path, fixture.token, connections, duration, route, body
                    )
                )
            else:
                await measured(
                    run_peak(base, path, fixture.token, connections, duration, route)
                )
            if not peak_only:
                for rate in rates:
                    await asyncio.sleep(1.0)
                    await measured(
                        run_open(base, path, fixture.token, rate, duration, route)
                    )
        return out

    with contextlib.suppress(ImportError):
        import uvloop

        return uvloop.run(main())
    return asyncio.run(main())


def _use_wrk(peak_client: str) -> bool:
    if peak_client == "wrk" and wrk_path() is None:
        raise SystemExit("--peak-client wrk: wrk is not on the PATH")
    return peak_client == "wrk" or (peak_client == "auto" and wrk_path() is not None)


def _print(results: list[Result], header: str) -> None:
    print(header)
    print(
        "| route | mode | client | offered (req/s) | served (req/s) | errors "
        "| P50 (ms) | P95 (ms) | P99 (ms) | max (ms) | body (bytes) "
        "| CPU ms/req API | CPU ms/req PostgreSQL | load avg |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        offered = f"{r.offered:.0f}" if r.offered else "closed loop"
        print(
            f"| {r.route} | {r.mode} | {r.client} | {offered} | {r.rate:.0f} "
            f"| {r.errors} "
            f"| {r.p50_ms:.1f} | {r.p95_ms:.1f} | {r.p99_ms:.1f} | {r.max_ms:.0f} "
            f"| {r.body_bytes} | {_ms(r.api_cpu_ms)} | {_ms(r.db_cpu_ms)} | {r.load} |",
            flush=True,
        )


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def quick() -> list[Row]:
    """Issue 16's two HTTP rows in about a minute: one `sight serve` with two
    API processes, as a 2-vCPU container runs it (docs/deployment.md)."""
    with serve(workers=2) as base:
        fixture = prepare(base, 20)
        results = _run(base, fixture, ["project", "personas"], [200.0], 5.0, 32, False)
    client = "wrk" if _use_wrk("auto") else "Python client"
    rows: list[Row] = []
    for route in ("project", "personas"):
        peak = next(r for r in results if r.route == route and r.mode == "peak")
        goal_peak, goal_p95 = ROUTE_GOALS[route]
        name = (
            "Authenticated simple read (GET a project)"
            if route == "project"
            else "List personas (20-item page)"
        )
        rows.append(
            Row(
                f"{name}: peak",
                f"{peak.rate:.0f} req/s (P95 {peak.p95_ms:.0f} ms, 32 conns, {client}"
                f", {peak.body_bytes} B, API CPU {_ms(peak.api_cpu_ms)} ms/req)",
                f">= {goal_peak:.0f} req/s",
                peak.rate >= goal_peak and peak.errors == 0,
            )
        )
        opened = next(r for r in results if r.route == route and r.mode == "open")
        rows.append(
            Row(
                f"{name}: 200 req/s open loop",
                f"P95 {opened.p95_ms:.1f} ms (P50 {opened.p50_ms:.1f},"
                f" served {opened.rate:.0f} req/s, {opened.errors} errors)",
                f"P95 < {goal_p95:.0f} ms" if goal_p95 else "-",
                (opened.p95_ms < goal_p95 and opened.errors == 0) if goal_p95 else None,
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--route", choices=["project", "personas", "both"], default="both"
    )
    parser.add_argument("--rates", type=float, nargs="*", default=[200.0, 800.0])
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--peak-only", action="store_true")
    parser.add_argument(
        "--peak-client",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="closed-loop load generator for the peak (auto: wrk when installed)",
    )
    parser.add_argument("--workers", type=int, help="sight serve --workers N")
    parser.add_argument("--url", help="load this running server instead")
    parser.add_argument("--token", help="with --url: a bearer token")
    parser.add_argument("--project", help="with --url: a project id")
    parser.add_argument(
        "--data-dir", help="with --url: the server's data dir (CPU per request)"
    )
    args = parser.parse_args()
    routes = ["project", "personas"] if args.route == "both" else [args.route]
    from bench.support import machine

    header = (
        f"machine: {machine()}; workers: {args.workers or 'default'}; "
        f"peak client: {'wrk' if _use_wrk(args.peak_client) else 'python'}"
    )
    if args.url:
        if not (args.token and args.project):
            parser.error("--url needs --token and --project")
        fixture = Fixture(args.token, args.project)
        if args.data_dir:
            DATA_DIRS[args.url] = args.data_dir
        results = _run(
            args.url, fixture, routes, args.rates, args.duration,
            args.connections, args.peak_only, args.peak_client,
        )  # fmt: skip
        _print(results, header)
        return
    with serve(args.workers) as base:
        fixture = prepare(base, 20)
        results = _run(
            base, fixture, routes, args.rates, args.duration,
            args.connections, args.peak_only, args.peak_client,
        )  # fmt: skip
    _print(results, header)


if __name__ == "__main__":
    main()
