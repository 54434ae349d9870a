"""Fake OpenAI / Gemini / Anthropic servers for tests and benchmarks.

The real provider SDKs are pointed at a local server that speaks their wire
formats, returns deterministic content (schema-valid JSON for structured
output), and can inject latency, 429s, 5xx, hangs and malformed output::

    with running_fake_llm(FakeLLMConfig(latency=0.2)) as fake:
        client = AsyncOpenAI(base_url=fake.openai_base_url, api_key="test")
        ...
        assert fake.stats.max_in_flight <= 4

Command line: ``python -m sight_testing.fake_llm --port 8900 --latency 2.0``.
"""

from sight.llm.schema_fill import instance_from_schema
from sight_testing.fake_llm.app import create_fake_llm_app
from sight_testing.fake_llm.config import (
    CannedResponse,
    EndpointName,
    FakeLLMConfig,
    FaultKind,
    LatencySpec,
    MalformedMode,
)
from sight_testing.fake_llm.content import embedding_vector, estimate_tokens
from sight_testing.fake_llm.runner import FakeLLM, running_fake_llm
from sight_testing.fake_llm.state import FakeLLMState, FakeLLMStats, RequestRecord

__all__ = [
    "CannedResponse",
    "EndpointName",
    "FakeLLM",
    "FakeLLMConfig",
    "FakeLLMState",
    "FakeLLMStats",
    "FaultKind",
    "LatencySpec",
    "MalformedMode",
    "RequestRecord",
    "create_fake_llm_app",
    "embedding_vector",
    "estimate_tokens",
    "instance_from_schema",
    "running_fake_llm",
]
