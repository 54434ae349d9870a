"""Provider-neutral reply generation: text, structured JSON, embeddings, faults.

Everything is a pure function of the request (via ``request_seed``) and the
config, so the same request always gets the same answer.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from sight.llm.schema_fill import instance_from_schema
from sight.llm.words import WORDS
from sight_testing.fake_llm.config import FakeLLMConfig

ContentFault = Literal["truncated", "invalid"]

_SEED_IGNORED_KEYS = frozenset({"stream", "stream_options"})


def estimate_tokens(text: str) -> int:
    """Rough token count: one token per four characters, at least one."""
    return max(1, len(text) // 4)


def _digest_int(*parts: str) -> int:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def request_seed(payload: Any, salt: int, *extra: str) -> int:
    """Stable seed from a request body (streaming flags ignored) and salt."""
    if isinstance(payload, Mapping):
        payload = {k: v for k, v in payload.items() if k not in _SEED_IGNORED_KEYS}
    canonical = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return _digest_int(str(salt), canonical, *extra)


def reply_text(rng: random.Random, min_words: int, max_words: int) -> str:
    """A few plain sentences of neutral words."""
    count = rng.randint(min_words, max_words)
    words = [rng.choice(WORDS) for _ in range(count)]
    sentences: list[str] = []
    while words:
        size = min(len(words), rng.randint(5, 12))
        chunk, words = words[:size], words[size:]
        sentence = " ".join(chunk)
        sentences.append(sentence[0].upper() + sentence[1:] + ".")
    return " ".join(sentences)


def split_for_stream(text: str, words_per_chunk: int = 3) -> list[str]:
    """Split text into stream deltas whose concatenation is ``text``."""
    pieces = re.findall(r"\s*\S+\s*", text)
    if not pieces:
        return [text]
    chunks = [
        "".join(pieces[i : i + words_per_chunk])
        for i in range(0, len(pieces), words_per_chunk)
    ]
    return chunks


@dataclass(frozen=True)
class ChatSpec:
    """A chat request reduced to what the generator needs."""

    prompt_text: str
    last_user_text: str
    schema: Mapping[str, Any] | None
    json_mode: bool
    max_tokens: int | None
    seed: int


@dataclass(frozen=True)
class ChatOutcome:
    text: str
    hit_max_tokens: bool
    prompt_tokens: int
    completion_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def _pythonish(value: Any) -> str:
    """Python-literal rendering with trailing commas: looks like JSON, is not."""
    if isinstance(value, Mapping):
        inner = "".join(f"'{k}': {_pythonish(v)}, " for k, v in value.items())
        return "{" + inner.rstrip() + "}"
    if isinstance(value, list):
        return "[" + "".join(f"{_pythonish(v)}, " for v in value).rstrip() + "]"
    if isinstance(value, str):
        return "'" + value.replace("'", "\\'") + "'"
    return repr(value)


def break_json(value: Any, mode: ContentFault) -> str:
    """Render ``value`` as text that ``json.loads`` rejects."""
    if mode == "truncated":
        full = json.dumps(value, ensure_ascii=False)
        text = full[: max(1, len(full) * 2 // 3)]
    else:
        text = _pythonish(value)
    try:
        json.loads(text)
    except ValueError:
        return text
    return "{" + text


def generic_json(rng: random.Random, config: FakeLLMConfig) -> dict[str, Any]:
    """JSON answer used when JSON is requested without a schema."""
    return {
        "response": reply_text(rng, config.reply_min_words, config.reply_max_words),
        "confidence": round(rng.uniform(0.5, 0.99), 2),
    }


def structured_value(spec: ChatSpec, config: FakeLLMConfig, index: int = 0) -> Any:
    seed = spec.seed + index
    if spec.schema is not None:
        return instance_from_schema(spec.schema, seed)
    return generic_json(random.Random(seed), config)  # noqa: S311


def find_canned(config: FakeLLMConfig, last_user_text: str) -> str | None:
    for canned in config.canned:
        if canned.contains in last_user_text:
            return canned.content
    return None


def compose_reply(
    spec: ChatSpec,
    config: FakeLLMConfig,
    fault: ContentFault | None = None,
    index: int = 0,
) -> ChatOutcome:
    """The assistant text for one choice/candidate of a chat request."""
    hit_max = False
    canned = find_canned(config, spec.last_user_text)
    structured = spec.schema is not None or spec.json_mode
    if fault is not None:
        text = break_json(structured_value(spec, config, index), fault)
    elif canned is not None:
        text = canned
    elif structured:
        text = json.dumps(structured_value(spec, config, index), ensure_ascii=False)
    else:
        rng = random.Random(spec.seed + index)  # noqa: S311
        text = reply_text(rng, config.reply_min_words, config.reply_max_words)
        if spec.max_tokens is not None and estimate_tokens(text) > spec.max_tokens:
            text = text[: max(1, spec.max_tokens) * 4]
            hit_max = True
    return ChatOutcome(
        text=text,
        hit_max_tokens=hit_max,
        prompt_tokens=estimate_tokens(spec.prompt_text),
        completion_tokens=estimate_tokens(text),
    )


def embedding_vector(text: str, dimensions: int, salt: int) -> list[float]:
    """Deterministic unit vector for ``text``.

    A sum of per-word Gaussian vectors plus a whole-text component, so equal
    texts give equal vectors and texts sharing words have positive cosine.
    """
    total = np.zeros(dimensions, dtype=np.float64)
    for word in re.findall(r"\w+", text.lower()):
        rng = np.random.default_rng(_digest_int(str(salt), "w", word))
        total += rng.standard_normal(dimensions)
    whole = np.random.default_rng(_digest_int(str(salt), "t", text))
    total += 0.5 * whole.standard_normal(dimensions)
    norm = float(np.linalg.norm(total))
    if norm == 0.0:
        total[0], norm = 1.0, 1.0
    return [float(x) for x in total / norm]
