"""Offline persona writing: how fast the offline engine composes and validates
personas (no database, no model), and how long the estimate's plan takes.

    uv run python -m bench.personas_offline --personas 200 1000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from sight.demographics import build_joint, quota_sample
from sight.demographics.target import validate_target


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--personas", type=int, nargs="+", default=[200])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.personas.offline_sample import generate

    print(
        "| country / language | N | compose + validate (s) | ms per persona "
        "| repairs | distinct quotes | plan for the estimate (ms) |"
    )
    print("|---|---|---|---|---|---|---|")
    for country, language in (("pl", "pl"), ("us", "en")):
        for n in args.personas:
            walls, plans = [], []
            for run in range(args.repeat):
                started = time.perf_counter()
                made = generate(country, language, n, seed=run + 1)
                walls.append(time.perf_counter() - started)
                started = time.perf_counter()
                quota_sample(build_joint(validate_target({}, country)), n, run + 1)
                plans.append(time.perf_counter() - started)
            wall = statistics.median(walls)
            repairs = sum(len(g.repairs) for g in made)
            quotes = len({g.persona.quote for g in made})
            print(
                f"| {country} / {language} | {n} | {wall:.2f} | "
                f"{1000 * wall / n:.1f} | {repairs} | {quotes} | "
                f"{1000 * statistics.median(plans):.0f} |"
            )


if __name__ == "__main__":
    main()
