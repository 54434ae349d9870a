"""`sight eval fidelity`: a fidelity run from the command line, against the
configured provider (or the offline engine), printed as a table.

The same run as the API's job (`run.execute`), stored without a project, so
`latest_fidelity` sees it too.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from sight.config import Settings

Echo = Callable[[str], None]

BANNER = (
    "NO MODEL ANSWERED: the offline engine produced these answers. They show "
    "that the instrument runs, not how close a model comes to real people "
    "(expect scores near the uniform baseline)."
)


def _split(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    out = [v.strip() for value in values for v in value.split(",") if v.strip()]
    return out or None


def check(
    benchmark: str, questions: list[str] | None, groups: list[str] | None
) -> None:
    """Refuse an unknown benchmark, question or group before any database or
    model is touched (raises BenchmarkInvalid naming what is allowed)."""
    from sight.fidelity.benchmark import load_benchmark

    load_benchmark(benchmark).select(_split(questions), _split(groups))


async def run_from_cli(
    settings: Settings,
    url: str,
    *,
    benchmark: str,
    per_group: int,
    questions: list[str] | None,
    groups: list[str] | None,
    seed: int,
    volunteered: str,
    echo: Echo,
) -> dict[str, Any]:
    from sight.domains import load_tasks
    from sight.fidelity.models import RunStatus
    from sight.fidelity.run import Hooks, execute, in_flight_for, mark
    from sight.fidelity.schemas import FidelityRunCreate
    from sight.fidelity.service import create_run, prepare, respondents_needed
    from sight.llm.setup import build_gateway
    from sight.llm.types import CallContext
    from sight.postgres import create_engine, create_sessionmaker, session_scope

    load_tasks()  # the offline engine's composers
    data = FidelityRunCreate(
        benchmark=benchmark,
        per_group=per_group,
        seed=seed,
        questions=_split(questions),
        groups=_split(groups),
        volunteered="offer" if volunteered == "offer" else "omit",
    )
    engine = create_engine(url, pool_size=8)
    sessionmaker = create_sessionmaker(engine)
    gateway = await build_gateway(settings, sessionmaker)
    ctx = CallContext(user_id=None)
    run_id: uuid.UUID | None = None
    try:
        async with session_scope(sessionmaker) as session:
            bench, _ = await prepare(session, None, data)
            run = await create_run(
                session,
                gateway,
                ctx,
                bench,
                data,
                project=None,
                user_id=None,
                study=None,
            )
            run_id = run.id
            provider, model = run.provider, run.model
        total = respondents_needed(bench, per_group)
        echo(
            f"fidelity: {bench.title}: {len(bench.questions)} questions, "
            f"{len(bench.groups)} groups, {per_group} per group "
            f"({total} respondents), {provider}:{model}, seed {seed}"
        )
        step = max(1, total // 20)

        async def progress(done: int, all_: int, message: str) -> None:
            if done == all_ or done % step == 0:
                echo(f"  {done}/{all_} {message}")

        async def never() -> None:
            return None

        await execute(
            sessionmaker,
            gateway,
            ctx,
            run_id,
            bench,
            Hooks(progress, never),
            in_flight=in_flight_for(settings, provider),
        )
        async with sessionmaker() as session:
            from sight.fidelity.repository import get_run

            stored = await get_run(session, run_id)
            result: dict[str, Any] = dict(stored.result or {})
        result["run_id"] = str(run_id)
        return result
    except BaseException:
        if run_id is not None:
            await mark(sessionmaker, run_id, RunStatus.failed, "stopped")
        raise
    finally:
        await gateway.aclose()
        await engine.dispose()


def _f(value: Any) -> str:
    return "   -  " if value is None else f"{value:6.3f}"


def render(result: dict[str, Any]) -> str:
    """The result as a plain-text table."""
    lines: list[str] = []
    if result.get("offline"):
        lines += ["=" * 78, BANNER, "=" * 78]
    s = result["summary"]
    lines.append(
        "group                               score uniform demo-only perfect@n "
        "direction"
    )
    for g in result["groups"]:
        d = g.get("differences") or {}
        share = d.get("direction_share")
        lines.append(
            f"{g['id'][:34]:34} {_f(g['score'])} {_f(g['uniform_baseline'])}  "
            f"{_f(g.get('overall_as_prediction'))}  {_f(g['perfect_at_n'])}   "
            + ("  -" if share is None else f"{share:5.2f} ({d['clear_differences']})")
        )
    lines.append("-" * 78)
    lines.append(
        f"{'mean over groups':34} {_f(s['score'])} {_f(s['uniform_baseline'])}  "
        f"{_f(s['overall_as_prediction'])}  {_f(s['perfect_at_n'])}"
    )
    lines.append(f"verdict: {s['verdict'].replace('_', ' ')}")
    diff = result.get("differences", {})
    if diff.get("clear_differences"):
        lines.append(
            f"group differences: direction reproduced in {diff['direction_matched']} "
            f"of {diff['clear_differences']} clear human differences "
            f"(chance 0.5), size ratio {diff['size_ratio']}, "
            f"correlation {diff['correlation']}"
        )
    worst = result.get("worst", {})
    lines.append("worst groups: " + ", ".join(worst.get("groups", [])))
    lines.append("worst topics: " + ", ".join(worst.get("topics", [])))
    topics = sorted(result.get("topics", []), key=lambda t: t["score"])
    for t in topics:
        lines.append(
            f"  topic {t['topic'][:27]:27} {_f(t['score'])} {_f(t['uniform_baseline'])}"
            f"  {_f(t['overall_as_prediction'])}"
        )
    r = result.get("repeatability", {})
    lines.append(
        f"model {r.get('provider')}:{r.get('model')}  prompt {r.get('prompt_version')}"
        f" / {r.get('fidelity_version')}  seed {r.get('seed')}  sample "
        f"{r.get('persona_sample', {}).get('digest')}  calls {r.get('calls')}  "
        f"cost ${r.get('cost_usd')}  {r.get('finished_at', '')[:19]}"
    )
    lines.append(
        f"volunteered options: {r.get('volunteered_options')}; options shuffled per "
        f"respondent; dropped answers {s.get('dropped_answers')} "
        f"(rate {s.get('drop_rate')})"
    )
    bench = result.get("benchmark", {})
    if bench.get("citation"):
        lines.append(f"data: {bench['citation']}")
    lines.append(f"run {result.get('run_id')}")
    return "\n".join(lines)


def as_json(result: dict[str, Any]) -> str:
    return json.dumps(result, indent=2, ensure_ascii=False)
