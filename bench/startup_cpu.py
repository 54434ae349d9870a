"""CPU of the Python part of a `sight serve` start, without PostgreSQL or HTTP:
a fresh interpreter imports `sight.cli`, `sight.app` and builds the app
(`create_app`, every domain's routes) with the cyclic GC paused as `sight serve`
pauses it, then serves the routes' first walk (what a first request or
/openapi.json makes FastAPI analyse). CPU seconds (`time.process_time`) are
less disturbed by a loaded machine than wall time; runs of several checkouts
are interleaved so that they share the same load.

    python -m bench.startup_cpu --runs 5
    python -m bench.startup_cpu --runs 5 --python /other/checkout/.venv/bin/python

Bytecode: with PYTHONDONTWRITEBYTECODE set, the runs share a pycache dir of
their own (`--pycache`), as `sight serve` keeps one in ~/.cache/sight/pycache.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

SCRIPT = r"""
import gc, json, time
gc.disable()
clock = time.process_time
t0 = clock()
import sight.cli
t1 = clock()
import sight.app, sight.db
t2 = clock()
from sight.app import create_app
app = create_app(database_url="postgresql://sight@/sight")
t3 = clock()
from fastapi.routing import iter_route_contexts
routes = len(list(iter_route_contexts(app.router.routes)))
t4 = clock()
print(json.dumps({"cli": t1 - t0, "app imports": t2 - t1, "create_app": t3 - t2,
                  "start": t3 - t0, "routes' first walk": t4 - t3, "routes": routes}))
"""

PARTS = ("cli", "app imports", "create_app", "start", "routes' first walk")


def one(python: str, pycache: str) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = pycache
    env.pop("DATABASE_URL", None)
    out = subprocess.run(
        [python, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
    ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--python",
        action="append",
        help="interpreter of a checkout's venv (repeatable); default: this one",
    )
    parser.add_argument("--pycache", default=None)
    args = parser.parse_args(argv)
    pythons = args.python or [sys.executable]
    with tempfile.TemporaryDirectory(prefix="sight-startup-cpu-") as tmp:
        pycache = args.pycache or tmp
        for python in pythons:  # compiles and caches the bytecode once
            one(python, pycache)
        results: dict[str, list[dict[str, float]]] = {p: [] for p in pythons}
        for _ in range(args.runs):
            for python in pythons:
                results[python].append(one(python, pycache))
    print(
        f"{args.runs} interleaved runs, load average {os.getloadavg()[0]:.2f}; "
        "median CPU seconds (min-max)"
    )
    print("| interpreter | " + " | ".join(PARTS) + " | routes |")
    print("|---" * (len(PARTS) + 2) + "|")
    for python, runs in results.items():
        cells = []
        for part in PARTS:
            values = [r[part] for r in runs]
            cells.append(
                f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"
            )
        print(f"| {python} | " + " | ".join(cells) + f" | {int(runs[0]['routes'])} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
