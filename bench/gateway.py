"""N independent structured calls through the gateway (real OpenAI SDK, fake
server with injected latency L, provider concurrency C).

Ideal wall time is ceil(N / C) x L: the calls are independent, so only the
provider's latency and the concurrency cap should count. What is left over is
the gateway's own cost (routing, budget check, cache look-up, usage row, JSON
parsing and validation).

    uv run python -m bench.gateway --calls 200 --latency 0.5 --concurrency 10

`--first-word` measures what a user watching a focus group feels instead: the
time from asking to the first streamed word, per provider SDK (OpenAI, Gemini,
Anthropic over their own streaming wire formats) and the offline engine, with
the provider answering after L seconds and then writing 3 words per chunk.

    uv run python -m bench.gateway --first-word --latency 2 --calls 10
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import math
import pstats
import statistics
import time
from typing import Any

from pydantic import BaseModel, Field

from bench.rows import Row, load_average
from bench.support import (
    fake_provider_process,
    fake_stats,
    fresh_database,
    insert_user,
    machine,
    reset_fake_stats,
)
from sight.config import Settings
from sight.llm.gateway import LLMGateway
from sight.llm.types import CallContext, TextDelta
from sight.postgres import create_engine, create_sessionmaker


class Answer(BaseModel):
    answer: str
    sentiment: float = Field(ge=-1, le=1)
    themes: list[str] = Field(min_length=1, max_length=5)


# The provider SDK's own work per call (building the request, sending it over
# httpx, parsing the answer): everything under this function's frame.
SDK_ENTRY = ("openai/resources/chat/completions/completions.py", "create")


def sdk_share(profile: cProfile.Profile) -> float:
    """The share of the profiled CPU spent inside the OpenAI SDK's `create`."""
    stats = pstats.Stats(profile)
    entries: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    total = max(stats.total_tt, 1e-9)  # type: ignore[attr-defined]
    sdk = sum(
        value[3]
        for (path, _, name), value in entries.items()
        if path.endswith(SDK_ENTRY[0]) and name == SDK_ENTRY[1]
    )
    return float(sdk / total)


async def run(
    calls: int,
    latency: float,
    concurrency: int,
    url: str,
    *,
    profile: cProfile.Profile | None = None,
) -> dict[str, float]:
    nonce = time.time_ns()  # fresh prompts: measure calls, not cache hits
    with fake_provider_process(latency) as fake:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            secret_key="b" * 40,
            openai_api_key="sk-bench",
            openai_base_url=f"{fake}/v1",
            llm={
                "limits": {"openai": {"concurrency": concurrency}},
                "detect_ollama": False,
                "cache_enabled": True,
            },
        )
        engine = create_engine(url, pool_size=min(50, concurrency + 5))
        gateway = LLMGateway(settings, create_sessionmaker(engine))
        ctx = CallContext(user_id=insert_user(url))
        # Warm up the SDK client and the connection pool (not measured).
        await gateway.generate(
            "surveys.answer", Answer, system="s", prompt="warm-up", ctx=ctx
        )
        reset_fake_stats(fake)
        started = time.perf_counter()
        cpu_started = time.process_time()
        if profile is not None:
            profile.enable()
        results = await asyncio.gather(
            *(
                gateway.generate(
                    "surveys.answer",
                    Answer,
                    system="You answer a survey.",
                    prompt=f"Question {i} ({nonce}): what do you think about price {i}?",
                    ctx=ctx,
                )
                for i in range(calls)
            )
        )
        await gateway.flush_usage()  # the rows are part of the calls' cost
        if profile is not None:
            profile.disable()
        wall = time.perf_counter() - started
        # This process only: the gateway, the SDK and the database driver (the
        # fake provider and PostgreSQL run in processes of their own).
        cpu_ms_per_call = (time.process_time() - cpu_started) / calls * 1000
        max_in_flight = int(str(fake_stats(fake)["max_in_flight"]))
        await gateway.aclose()
        await engine.dispose()
    ideal = math.ceil(calls / concurrency) * latency
    latencies = [r.latency_ms for r in results]
    return {
        "wall": wall,
        "ideal": ideal,
        "overhead_per_call_ms": (wall - ideal) / math.ceil(calls / concurrency) * 1000
        if latency > 0
        else wall / calls * 1000,
        "p50_ms": statistics.median(latencies),
        "max_in_flight": max_in_flight,
        "cpu_ms_per_call": cpu_ms_per_call,
    }


def quick() -> list[Row]:
    """Issue 16's gateway row: CPU per call at zero latency (100 calls)."""
    with fresh_database() as url:
        r = asyncio.run(run(100, 0.0, 10, url))
    return [
        Row(
            "Gateway overhead per call (L = 0, 100 calls, C = 10)",
            f"{r['cpu_ms_per_call']:.1f} ms CPU per call (gateway + OpenAI SDK + "
            f"driver; wall {r['wall']:.2f} s)",
            "<= 3 ms of Sight's own CPU",
            None,
            "Sight's own share: see the profile in bench/README.md",
        )
    ]


def profile_split(calls: int, concurrency: int, out: str | None) -> None:
    """CPU per call at L = 0, then the SDK's share of it under cProfile.

    Two runs on one database: the first unprofiled (the CPU figure; cProfile
    itself slows Python code down about twofold), the second profiled (the
    shares). Sight's own = everything in this process but the SDK's `create`:
    routing, budgets, cache, usage rows, parsing and validation, and the
    database driver and event loop work those cause.
    """
    with fresh_database() as url:
        plain = asyncio.run(run(calls, 0.0, concurrency, url))
        profile = cProfile.Profile(time.process_time)
        asyncio.run(run(calls, 0.0, concurrency, url, profile=profile))
    if out:
        profile.dump_stats(out)
    share = sdk_share(profile)
    cpu = plain["cpu_ms_per_call"]
    print(
        "| N | C | CPU ms/call (all) | SDK share | SDK ms/call | Sight's own ms/call"
        " | wall (s) | load avg |"
    )
    print("|---|---|---|---|---|---|---|---|")
    print(
        f"| {calls} | {concurrency} | {cpu:.2f} | {share:.0%} | {cpu * share:.2f} | "
        f"{cpu * (1 - share):.2f} | {plain['wall']:.2f} | {load_average()} |"
    )


def _provider_settings(provider: str, fake: str) -> dict[str, object]:
    if provider == "openai":
        return {"openai_api_key": "sk-bench", "openai_base_url": f"{fake}/v1"}
    if provider == "gemini":
        return {"google_api_key": "bench-key", "llm": {"gemini_base_url": fake}}
    if provider == "anthropic":
        return {"anthropic_api_key": "sk-bench", "llm": {"anthropic_base_url": fake}}
    return {"llm": {"default_provider": "offline"}}


async def first_word(
    provider: str, calls: int, latency: float, chunk_delay: float, url: str
) -> dict[str, float]:
    """Sequential streamed answers: seconds to the first word and to the end."""
    nonce = time.time_ns()
    with fake_provider_process(latency, chunk_delay) as fake:
        values = _provider_settings(provider, fake)
        llm = {"detect_ollama": False, **values.pop("llm", {})}  # type: ignore[dict-item]
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            secret_key="b" * 40,
            llm=llm,
            **values,  # type: ignore[arg-type]
        )
        engine = create_engine(url, pool_size=5)
        gateway = LLMGateway(settings, create_sessionmaker(engine))
        ctx = CallContext(user_id=insert_user(url))
        firsts: list[float] = []
        totals: list[float] = []
        words = 0
        for i in range(calls + 1):  # the first call warms the client up
            started = time.perf_counter()
            first: float | None = None
            async for item in gateway.stream(
                "focus_groups.answer",
                system="You are a focus-group participant.",
                prompt=f"Question {i} ({nonce}): what do you think about the price?",
                ctx=ctx,
            ):
                if isinstance(item, TextDelta) and first is None:
                    first = time.perf_counter() - started
                elif not isinstance(item, TextDelta):
                    words = len(item.result.text.split())
            if i and first is not None:
                firsts.append(first)
                totals.append(time.perf_counter() - started)
        await gateway.aclose()
        await engine.dispose()
    return {
        "first_p50": statistics.median(firsts),
        "first_max": max(firsts),
        "total_p50": statistics.median(totals),
        "words": words,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, nargs="+", default=[100, 200])
    parser.add_argument("--latency", type=float, nargs="+", default=[0.0, 0.5])
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--first-word", action="store_true")
    parser.add_argument("--chunk-delay", type=float, default=0.05)
    parser.add_argument("--profile-out", default=None, help="write the pstats here")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="split the CPU per call into the SDK's and Sight's own (cProfile)",
    )
    args = parser.parse_args()
    print(f"machine: {machine()}")
    if args.profile:
        profile_split(args.calls[0], args.concurrency, args.profile_out)
        return
    if args.first_word:
        print(
            "| provider (SDK) | L (s) | calls | first word p50 (s) | first word max (s)"
            " | whole answer p50 (s) | words |"
        )
        print("|---|---|---|---|---|---|---|")
        with fresh_database() as url:
            for latency in args.latency:
                for provider in ("openai", "gemini", "anthropic", "offline"):
                    r = asyncio.run(
                        first_word(
                            provider, args.calls[0], latency, args.chunk_delay, url
                        )
                    )
                    print(
                        f"| {provider} | {latency} | {args.calls[0]} | "
                        f"{r['first_p50']:.3f} | {r['first_max']:.3f} | "
                        f"{r['total_p50']:.2f} | {int(r['words'])} |"
                    )
        return
    print(
        "| N | L (s) | C | wall (s) | ideal (s) | wall/ideal | gateway overhead / wave (ms) | max in flight | CPU ms/call | load avg |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    with fresh_database() as url:
        for latency in args.latency:
            for calls in args.calls:
                r = asyncio.run(run(calls, latency, args.concurrency, url))
                ratio = f"{r['wall'] / r['ideal']:.3f}" if r["ideal"] else "-"
                print(
                    f"| {calls} | {latency} | {args.concurrency} | {r['wall']:.2f} | "
                    f"{r['ideal']:.2f} | {ratio} | {r['overhead_per_call_ms']:.1f} | "
                    f"{int(r['max_in_flight'])} | {r['cpu_ms_per_call']:.1f} "
                    f"| {load_average()} |"
                )


if __name__ == "__main__":
    main()
