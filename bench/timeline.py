"""Is the provider's limit kept full? A timeline of the fake provider's
requests (its `/_stats` records: start and end of each request, its clock).

- `first_call`: from the run's start to the first request (set-up before any
  call);
- `busy`: mean requests in flight from the first start to the last end,
  against the limit C: what is below C is slots left idle mid-run;
- `below`: seconds in that span with fewer than C in flight, with
  `refill_p50/p95`: for each request that ended while the next was already
  wanted, how long until a request took its place (slot release + acquire +
  the next call's preparation);
- `tail`: from the last request's end to the run's end (storing, results).
"""

from __future__ import annotations

import statistics
from typing import Any


def timeline(
    requests: list[dict[str, Any]],
    *,
    run_started: float,
    run_ended: float,
    limit: int,
    endpoint: str = "openai.chat.completions",
) -> dict[str, float]:
    calls = [
        r
        for r in requests
        if r["endpoint"] == endpoint
        and r.get("status") == 200
        and r.get("finished_at") is not None
    ]
    if not calls:
        return {}
    starts = sorted(float(r["started_at"]) for r in calls)
    ends = sorted(float(r["finished_at"]) for r in calls)
    first, last = starts[0], ends[-1]
    events = sorted([(t, 1) for t in starts] + [(t, -1) for t in ends])
    in_flight, at, area, below = 0, first, 0.0, 0.0
    for t, step in events:
        area += in_flight * (t - at)
        if in_flight < limit:
            below += t - at
        at = t
        in_flight += step
    span = max(1e-9, last - first)
    # Refill: the k-th end (k >= 1) frees a slot that the (limit + k)-th start
    # takes; only ends before the last start count (after it nobody waits).
    refill = [
        starts[limit + k] - ends[k]
        for k in range(len(ends))
        if limit + k < len(starts) and starts[limit + k] >= ends[k]
    ]
    return {
        "first_call": first - run_started,
        "busy": area / span,
        "below": below,
        "span": span,
        "refill_p50": statistics.median(refill) if refill else 0.0,
        "refill_p95": (
            statistics.quantiles(refill, n=20)[-1] if len(refill) >= 20 else 0.0
        ),
        "tail": run_ended - last,
    }


def describe(t: dict[str, float], limit: int) -> str:
    if not t:
        return "no calls"
    return (
        f"first call at {t['first_call']:.2f} s, {t['busy']:.1f} of {limit} in flight"
        f" on average over {t['span']:.1f} s ({t['below']:.1f} s below {limit}),"
        f" slot refilled in {t['refill_p50'] * 1000:.0f} ms p50 /"
        f" {t['refill_p95'] * 1000:.0f} ms p95, {t['tail']:.2f} s after the last call"
    )
