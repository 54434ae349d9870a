"""Many listeners on one stream: GET-project latency while a job streams events
to 0 and to 100 SSE subscribers (issue 15: 100 subscribers must cost little).

A real `sight serve` in its own process (fresh embedded PostgreSQL, offline
engine) generates personas (about 5 events per persona); meanwhile this process
sends GET /projects/{id} at a fixed rate and, in the second phase, holds N
subscribers on the job's event stream, each reading every event.

    uv run python -m bench.streams --personas 150 --subscribers 0 100 --rate 20
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.cold_start import free_port, health_ok
from bench.support import machine


async def _register(client: httpx.AsyncClient) -> dict[str, str]:
    email = f"bench-{time.monotonic_ns()}@example.com"
    password = "bench password 1"  # noqa: S105
    await client.post(
        "/api/v1/auth/register",
        json={"email": email, "password": password, "full_name": "Bench"},
    )
    login = await client.post(
        "/api/v1/auth/login", json={"email": email, "password": password}
    )
    login.raise_for_status()
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def _subscriber(
    client: httpx.AsyncClient, path: str, auth: dict[str, str], counts: list[int]
) -> None:
    seen = 0
    async with client.stream("GET", path, headers=auth) as response:
        async for line in response.aiter_lines():
            if line.startswith("id:"):
                seen += 1
    counts.append(seen)


async def _phase(
    base: str, personas: int, subscribers: int, rate: float
) -> dict[str, float]:
    limits = httpx.Limits(max_connections=subscribers + 50)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        auth = await _register(client)
        project = (
            await client.post(
                "/api/v1/projects",
                json={"name": "Streams bench", "target_demographics": {}},
                headers=auth,
            )
        ).json()["id"]
        started = (
            await client.post(
                f"/api/v1/projects/{project}/personas/generate",
                json={"num_personas": personas, "seed": 5},
                headers=auth,
            )
        ).json()
        counts: list[int] = []
        listeners = [
            asyncio.create_task(
                _subscriber(
                    client, f"/api/v1/jobs/{started['job_id']}/events", auth, counts
                )
            )
            for _ in range(subscribers)
        ]
        latencies: list[float] = []
        pending: set[asyncio.Task[None]] = set()

        async def one() -> None:
            t0 = time.perf_counter()
            r = await client.get(f"/api/v1/projects/{project}", headers=auth)
            r.raise_for_status()
            latencies.append((time.perf_counter() - t0) * 1000)

        t_start = time.perf_counter()
        n = 0
        # Open loop: requests go out on schedule whatever the answers do.
        while True:
            job = (
                await client.get(f"/api/v1/jobs/{started['job_id']}", headers=auth)
            ).json()
            if job["status"] in {"succeeded", "failed", "cancelled"}:
                break
            due = t_start + n / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            task = asyncio.create_task(one())
            pending.add(task)
            task.add_done_callback(pending.discard)
            n += 1
        await asyncio.gather(*pending)
        await asyncio.wait_for(asyncio.gather(*listeners), timeout=60)
    latencies.sort()
    return {
        "subscribers": subscribers,
        "requests": len(latencies),
        "p50": statistics.median(latencies),
        "p95": latencies[int(0.95 * (len(latencies) - 1))],
        "events_per_subscriber": statistics.median(counts) if counts else 0,
        "seconds": time.perf_counter() - t_start,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--personas", type=int, default=150)
    parser.add_argument("--subscribers", type=int, nargs="+", default=[0, 100])
    parser.add_argument("--rate", type=float, default=20.0)
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="sight-bench-streams-") as data:
        env = dict(os.environ)
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "sight"),
                "serve",
                "--port",
                str(port),
                "--data-dir",
                data,
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while not health_ok(port):
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start")
                time.sleep(0.1)
            base = f"http://127.0.0.1:{port}"
            print(f"machine: {machine()}")
            print(
                "| subscribers | GET project requests | P50 (ms) | P95 (ms) "
                "| events each subscriber read | run (s) |"
            )
            print("|---|---|---|---|---|---|")
            for count in args.subscribers:
                row = asyncio.run(_phase(base, args.personas, count, args.rate))
                print(
                    f"| {row['subscribers']:.0f} | {row['requests']:.0f} "
                    f"| {row['p50']:.1f} | {row['p95']:.1f} "
                    f"| {row['events_per_subscriber']:.0f} | {row['seconds']:.1f} |"
                )
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(30)


if __name__ == "__main__":
    main()
