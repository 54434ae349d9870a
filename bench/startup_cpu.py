"""CPU of the Python part of a `sight serve` start, without PostgreSQL or HTTP:
a fresh interpreter imports `sight.cli`, `sight.app` and builds the app
(`create_app`, every domain's routes) with the cyclic GC paused as `sight serve`
pauses it, then serves the routes' first walk (what a first request or
/openapi.json makes FastAPI analyse). CPU seconds (`time.process_time`) are
less disturbed by a loaded machine than wall time; runs of several checkouts
are interleaved so that they share the same load.

    python -m bench.startup_cpu --runs 5
    python -m bench.startup_cpu --runs 5 --python /other/checkout/.venv/bin/python
    python -m bench.startup_cpu --runs 5 --floor

`--floor` adds a fresh interpreter per run that imports only the libraries
(third-party and standard) that the start imported, in the same order, and
none of Sight's modules: the CPU no change to Sight's own code can take away.
Pydantic's and SQLAlchemy's work on Sight's classes counts as Sight's part.
"task modules" is what the lifespan adds (`load_tasks`: job handlers, offline
composers), measured after the routes' first walk.

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
from typing import Any

SCRIPT = r"""
import gc, json, sys, time
gc.disable()
before = set(sys.modules)
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
from sight.domains import load_tasks
load_tasks()
t5 = clock()
libraries = [m for m in sys.modules if m not in before and m.partition(".")[0] != "sight"]
print(json.dumps({"cli": t1 - t0, "app imports": t2 - t1, "create_app": t3 - t2,
                  "start": t3 - t0, "routes' first walk": t4 - t3, "task modules": t5 - t4,
                  "routes": routes, "libraries": libraries}))
"""

# The libraries alone, in the order the start imported them. A few submodules
# cannot be imported by name (aliases a package registers); they are counted.
FLOOR_SCRIPT = r"""
import gc, importlib, json, sys, time
gc.disable()
names = json.loads(sys.stdin.read())
clock = time.process_time
t0 = clock()
failed = 0
for name in names:
    try:
        importlib.import_module(name)
    except Exception:
        failed += 1
print(json.dumps({"libraries floor": clock() - t0, "failed": failed, "count": len(names)}))
"""

PARTS = (
    "cli",
    "app imports",
    "create_app",
    "start",
    "routes' first walk",
    "task modules",
)


def one(python: str, pycache: str, floor: bool = False) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = pycache
    env.pop("DATABASE_URL", None)
    out = subprocess.run(
        [python, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    if floor:
        out = subprocess.run(
            [python, "-c", FLOOR_SCRIPT],
            env=env,
            input=json.dumps(result["libraries"]),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        result.update(json.loads(out.strip().splitlines()[-1]))
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
    parser.add_argument(
        "--floor", action="store_true", help="also time the libraries alone"
    )
    args = parser.parse_args(argv)
    pythons = args.python or [sys.executable]
    with tempfile.TemporaryDirectory(prefix="sight-startup-cpu-") as tmp:
        pycache = args.pycache or tmp
        for python in pythons:  # compiles and caches the bytecode once
            one(python, pycache, args.floor)
        results: dict[str, list[dict[str, Any]]] = {p: [] for p in pythons}
        for _ in range(args.runs):
            for python in pythons:
                results[python].append(one(python, pycache, args.floor))
    print(
        f"{args.runs} interleaved runs, load average {os.getloadavg()[0]:.2f}; "
        "median CPU seconds (min-max)"
    )
    parts = (*PARTS, "libraries floor") if args.floor else PARTS
    print("| interpreter | " + " | ".join(parts) + " | routes |")
    print("|---" * (len(parts) + 2) + "|")
    for python, runs in results.items():
        cells = []
        for part in parts:
            values = [r[part] for r in runs]
            cells.append(
                f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"
            )
        print(f"| {python} | " + " | ".join(cells) + f" | {int(runs[0]['routes'])} |")
        if args.floor:
            print(
                f"  {python}: {runs[0]['count']} library modules, "
                f"{runs[0]['failed']} not importable by name"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
