"""`python -m bench all --quick`: every row of issue 16's table on this machine.

Each bench module that takes part exposes `quick() -> list[bench.rows.Row]`, a
run short enough for the whole table to take under 5 minutes on 2 cores, and
is named once in `QUICK` below. To add one: write `quick()` in your module
(return one Row per line of the issue's table it measures, with the goal
text and whether it was met) and append `("<module>", "<what it measures>")`
to `QUICK`. A module that fails prints its error as its row; the others run.

    python -m bench all --quick                 # the whole table
    python -m bench all --quick --only http_load cold_start
    python -m bench list                        # what is registered
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback

from bench.rows import Row, load_average

# (module under bench/, what its rows cover). Keep the order.
QUICK: list[tuple[str, str]] = [
    ("personas", "20 and 200 personas at L = 2 s"),
    ("knowledge_search", "hybrid search P95"),
    ("http_load", "authenticated simple read; list personas"),
    ("cold_start", "cold start, fresh data dir and warm restart"),
    ("memory", "memory of one sight serve, each part's share"),
    ("knowledge_ingest", "ingestion with the local embedder"),
    ("scaleout", "survey on serve + 1, 2, 4 workers"),
    ("gateway", "gateway overhead per call"),
]


def _rows_of(module_name: str) -> tuple[list[Row], float]:
    started = time.perf_counter()
    module = importlib.import_module(f"bench.{module_name}")
    quick = getattr(module, "quick", None)
    if quick is None:
        return [
            Row(module_name, "no quick() yet", "-", None, "its own CLI measures it")
        ], 0.0
    rows: list[Row] = quick()
    return rows, time.perf_counter() - started


def run_all(only: list[str] | None) -> int:
    from bench.support import machine

    print(f"machine: {machine()}", flush=True)
    print(
        "| work | measured | goal | met | load avg | bench (s) | note |\n"
        "|---|---|---|---|---|---|---|",
        flush=True,
    )
    failed = 0
    started = time.perf_counter()
    for name, _what in QUICK:
        if only and name not in only:
            continue
        try:
            rows, seconds = _rows_of(name)
        except Exception as exc:  # one bench's failure must not hide the others
            failed += 1
            detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
            rows, seconds = [Row(name, f"failed: {detail}", "-", False)], 0.0
        for row in rows:
            met = {True: "yes", False: "**no**", None: "-"}[row.met]
            print(
                f"| {row.work} | {row.figure} | {row.goal} | {met} "
                f"| {load_average()} | {seconds:.0f} | {row.note} |",
                flush=True,
            )
    print(f"\ntotal {time.perf_counter() - started:.0f} s", flush=True)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("command", choices=["all", "list"])
    parser.add_argument(
        "--quick", action="store_true", help="the short runs (the only mode today)"
    )
    parser.add_argument("--only", nargs="*", help="registered module names")
    args = parser.parse_args(argv)
    if args.command == "list":
        for name, what in QUICK:
            print(f"{name:18} {what}")
        return 0
    if not args.quick:
        parser.error("only --quick is implemented; each module's own CLI runs long")
    return run_all(args.only)


if __name__ == "__main__":
    sys.exit(main())
