"""The offline engine: a provider that needs no network and no key.

Deterministic: the same request gives the same answer; a different
`sample_index` (seed) gives a different one. Structured requests get a
schema-complete object. Domains make it meaningful by registering a composer for
their flow (`@offline_composer("personas.enrich")`) that builds the object from
the request's inputs (a persona's attributes, the question, the documents); the
generic schema filler fills whatever a composer leaves out or when none exists.

Everything it produces is marked `generated_by: offline-engine` by the gateway.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from sight.llm.providers.base import (
    ProviderDelta,
    ProviderRequest,
    ProviderResponse,
    ProviderStreamItem,
)
from sight.llm.schema_fill import instance_from_schema
from sight.llm.words import WORDS

OFFLINE_MODEL = "offline-engine-v1"


@dataclass(frozen=True)
class OfflineInput:
    flow: str
    system: str
    prompt: str
    json_schema: dict[str, Any] | None
    rng: random.Random
    # Structured inputs a flow passed to the gateway for the offline engine
    # (e.g. the persona's attributes); empty for other callers.
    facts: dict[str, Any]


Composer = Callable[[OfflineInput], Any]
_COMPOSERS: dict[str, Composer] = {}


def offline_composer(flow: str) -> Callable[[Composer], Composer]:
    def register(func: Composer) -> Composer:
        _COMPOSERS[flow] = func
        return func

    return register


def _seed(request: ProviderRequest) -> int:
    material = json.dumps(
        [
            request.flow,
            request.system,
            [m.content for m in request.messages],
            request.seed,
        ],
        ensure_ascii=False,
    )
    return int.from_bytes(hashlib.sha256(material.encode()).digest()[:8], "big")


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _merge(base: Any, override: Any) -> Any:
    if isinstance(base, dict) and isinstance(override, dict):
        return {**base, **{k: _merge(base.get(k), v) for k, v in override.items()}}
    return override if override is not None else base


# A word with the space before it: the pieces concatenate back to the text.
_WORD_RE = re.compile(r"\s*\S+")


class OfflineProvider:
    name = "offline"

    def __init__(self, word_pace: float = 0.0) -> None:
        # Seconds between streamed words: the answer exists at once, the pace
        # only lets a page show it appearing as a hosted model's would.
        self.word_pace = word_pace

    async def stream(
        self, request: ProviderRequest
    ) -> AsyncIterator[ProviderStreamItem]:
        response = await self.generate(request)
        words = _WORD_RE.findall(response.text)
        for index, word in enumerate(words):
            if index and self.word_pace:
                await asyncio.sleep(self.word_pace)
            yield ProviderDelta(word)
        trailing = response.text[sum(len(w) for w in words) :]
        if trailing:
            yield ProviderDelta(trailing)
        yield response

    async def generate(self, request: ProviderRequest) -> ProviderResponse:
        # Composers are plain CPU work (up to seconds for a large summary): in a
        # thread, the event loop keeps answering HTTP meanwhile.
        return await asyncio.to_thread(self._compose, request)

    def _compose(self, request: ProviderRequest) -> ProviderResponse:
        seed = _seed(request)
        prompt = request.messages[-1].content if request.messages else ""
        facts = _extract_facts(prompt)
        offline_input = OfflineInput(
            flow=request.flow,
            system=request.system,
            prompt=prompt,
            json_schema=request.json_schema,
            rng=random.Random(seed),  # noqa: S311 (reproducible, not secret)
            facts=facts,
        )
        composer = _COMPOSERS.get(request.flow)
        if request.json_schema is not None:
            value: Any = instance_from_schema(request.json_schema, seed)
            if composer is not None:
                value = _merge(value, composer(offline_input))
            text = json.dumps(value, ensure_ascii=False)
        elif composer is not None:
            text = str(composer(offline_input))
        else:
            text = _sentence(offline_input)
        prompt_text = request.system + "".join(m.content for m in request.messages)
        return ProviderResponse(
            text=text, input_tokens=_tokens(prompt_text), output_tokens=_tokens(text)
        )

    async def aclose(self) -> None:
        return None


FACTS_MARKER = "<facts>"
FACTS_END = "</facts>"


def facts_block(facts: dict[str, Any]) -> str:
    """Embed structured inputs in a prompt so the offline engine can read them
    back (real models read them as plain JSON context)."""
    return (
        f"{FACTS_MARKER}{json.dumps(facts, ensure_ascii=False, default=str)}{FACTS_END}"
    )


def _extract_facts(prompt: str) -> dict[str, Any]:
    start = prompt.find(FACTS_MARKER)
    end = prompt.find(FACTS_END, start + 1)
    if start < 0 or end < 0:
        return {}
    try:
        facts = json.loads(prompt[start + len(FACTS_MARKER) : end])
    except json.JSONDecodeError:
        return {}
    return facts if isinstance(facts, dict) else {}


def _sentence(offline_input: OfflineInput) -> str:
    rng = offline_input.rng
    words = [rng.choice(WORDS) for _ in range(rng.randint(12, 28))]
    return " ".join(words).capitalize() + "."
