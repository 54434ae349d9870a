"""``python -m sight_testing.fake_llm``: run the fake LLM server."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import uvicorn

from sight_testing.fake_llm.app import create_fake_llm_app
from sight_testing.fake_llm.config import CannedResponse, FakeLLMConfig, LatencySpec


def _canned(value: str) -> CannedResponse:
    contains, sep, content = value.partition("=")
    if not sep or not contains:
        raise argparse.ArgumentTypeError("expected SUBSTRING=CONTENT")
    return CannedResponse(contains=contains, content=content)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sight_testing.fake_llm",
        description="Fake OpenAI/Gemini/Anthropic server for tests and benchmarks.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8900)
    latency = parser.add_mutually_exclusive_group()
    latency.add_argument(
        "--latency", type=float, metavar="SECONDS", help="fixed latency"
    )
    latency.add_argument(
        "--latency-uniform", type=float, nargs=2, metavar=("MIN", "MAX")
    )
    latency.add_argument(
        "--latency-normal", type=float, nargs=2, metavar=("MEAN", "SD")
    )
    parser.add_argument("--stream-chunk-delay", type=float, default=0.0)
    parser.add_argument("--rate-limit-next", type=int, default=0, metavar="N")
    parser.add_argument("--retry-after", type=float, default=1.0, metavar="SECONDS")
    parser.add_argument(
        "--max-in-flight",
        type=int,
        default=None,
        metavar="N",
        help="answer 429 to a model request that finds N already in flight",
    )
    parser.add_argument("--server-error-next", type=int, default=0, metavar="N")
    parser.add_argument("--server-error-status", type=int, default=500)
    parser.add_argument("--malformed-next", type=int, default=0, metavar="N")
    parser.add_argument(
        "--malformed-mode",
        choices=["truncated", "invalid", "http_body"],
        default="truncated",
    )
    parser.add_argument("--hang-next", type=int, default=0, metavar="N")
    parser.add_argument("--hang-seconds", type=float, default=300.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--embedding-dimensions", type=int, default=None)
    parser.add_argument(
        "--canned",
        type=_canned,
        action="append",
        default=[],
        metavar="SUBSTRING=CONTENT",
        help="fixed reply when the last user message contains SUBSTRING (repeatable)",
    )
    parser.add_argument("--log-level", default="warning")
    return parser


def config_from_args(args: argparse.Namespace) -> FakeLLMConfig:
    if args.latency_uniform:
        latency = LatencySpec.uniform(*args.latency_uniform)
    elif args.latency_normal:
        latency = LatencySpec.normal(*args.latency_normal)
    else:
        latency = LatencySpec.fixed(args.latency or 0.0)
    return FakeLLMConfig(
        latency=latency,
        stream_chunk_delay=args.stream_chunk_delay,
        rate_limit_next=args.rate_limit_next,
        retry_after_seconds=args.retry_after,
        max_in_flight=args.max_in_flight,
        server_error_next=args.server_error_next,
        server_error_status=args.server_error_status,
        malformed_next=args.malformed_next,
        malformed_mode=args.malformed_mode,
        hang_next=args.hang_next,
        hang_seconds=args.hang_seconds,
        seed=args.seed,
        embedding_dimensions=args.embedding_dimensions,
        canned=args.canned,
    )


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    app = create_fake_llm_app(config_from_args(args))
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        timeout_graceful_shutdown=2,
    )


if __name__ == "__main__":
    main()
