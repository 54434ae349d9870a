"""One line of the `python -m bench all` table (issue 16).

Every bench module that takes part exposes `quick() -> list[Row]`: a run short
enough for the whole table to take under 5 minutes on a 2-core machine. See
`bench/__main__.py` for the registry and bench/README.md for how to add one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class Row:
    work: str  # what was measured, as the table names it
    figure: str  # the measured value(s), with units
    goal: str  # the goal for it ("-" when there is none)
    met: bool | None = None  # None: no goal, or not decidable from a quick run
    note: str = ""  # how it was measured (load average is added by the runner)


def load_average() -> str:
    """The 1-minute load average: on a shared machine every figure needs it."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"
