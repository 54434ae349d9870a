"""N independent structured calls through the gateway (real OpenAI SDK, fake
server with injected latency L, provider concurrency C).

Ideal wall time is ceil(N / C) x L: the calls are independent, so only the
provider's latency and the concurrency cap should count. What is left over is
the gateway's own cost (routing, budget check, cache look-up, usage row, JSON
parsing and validation).

    uv run python -m bench.gateway --calls 200 --latency 0.5 --concurrency 10
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import time

from pydantic import BaseModel, Field

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
from sight.llm.types import CallContext
from sight.postgres import create_engine, create_sessionmaker


class Answer(BaseModel):
    answer: str
    sentiment: float = Field(ge=-1, le=1)
    themes: list[str] = Field(min_length=1, max_length=5)


async def run(
    calls: int, latency: float, concurrency: int, url: str
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
        wall = time.perf_counter() - started
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
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, nargs="+", default=[100, 200])
    parser.add_argument("--latency", type=float, nargs="+", default=[0.0, 0.5])
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(
        "| N | L (s) | C | wall (s) | ideal (s) | wall/ideal | gateway overhead / wave (ms) | max in flight |"
    )
    print("|---|---|---|---|---|---|---|---|")
    with fresh_database() as url:
        for latency in args.latency:
            for calls in args.calls:
                r = asyncio.run(run(calls, latency, args.concurrency, url))
                ratio = f"{r['wall'] / r['ideal']:.3f}" if r["ideal"] else "-"
                print(
                    f"| {calls} | {latency} | {args.concurrency} | {r['wall']:.2f} | "
                    f"{r['ideal']:.2f} | {ratio} | {r['overhead_per_call_ms']:.1f} | "
                    f"{int(r['max_in_flight'])} |"
                )


if __name__ == "__main__":
    main()
