"""Build a deterministic JSON instance that validates against a JSON schema.

Covers what LLM structured-output schemas use in practice: objects (every
declared property, ``propertyOrdering``, min/maxProperties), arrays
(min/maxItems, ``prefixItems``, uniqueItems), strings (enum, const, formats,
min/maxLength), numbers and integers (inclusive/exclusive bounds,
multipleOf), booleans, null, ``$ref`` to any local JSON pointer, ``allOf``,
``anyOf``/``oneOf`` and type lists.  Gemini's OpenAPI-style schemas
(upper-case types, ``nullable``, integers sent as strings) are accepted too.
``pattern`` and ``not`` are ignored.

Recursive schemas terminate: past ``max_depth`` optional properties are
dropped, arrays shrink to ``minItems`` and nullable branches are preferred.
"""

from __future__ import annotations

import json
import math
import random
import re
import uuid
from collections.abc import Mapping
from typing import Any

from sight.llm.words import WORDS

_SCALAR_TYPES = ("string", "number", "integer", "boolean")
_MIN_KEYS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_MAX_KEYS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")


def instance_from_schema(
    schema: Mapping[str, Any], seed: int, *, max_depth: int = 6
) -> Any:
    """Return a value valid for ``schema``; equal seeds give equal values."""
    rng = random.Random(seed)  # noqa: S311 - reproducible, not secret
    return _Filler(schema, rng, max_depth).value(schema, 0, "value")


def _as_int(value: Any, default: int | None = None) -> int | None:
    if value is None or isinstance(value, bool):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _as_float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


_SNAKE_KEYWORDS = {
    _key: _camel(_key)
    for _key in (
        "min_length max_length min_items max_items min_properties max_properties "
        "property_ordering any_of one_of all_of prefix_items additional_properties "
        "additional_items exclusive_minimum exclusive_maximum multiple_of unique_items"
    ).split()
}
_HINT_KEYS = frozenset(
    {*_MIN_KEYS, *_MAX_KEYS, "multipleOf"}  # numeric constraints only
)
_HINT_BLOCK = re.compile(r"\{([^{}]*)\}\s*$")
_HINT_PAIR = re.compile(r"(\w+): (-?\d+(?:\.\d+)?)(?=,|$)")


def _normalise(schema: Mapping[str, Any]) -> dict[str, Any]:
    """camelCase snake_case keywords (google-genai sends both) and recover the
    numeric constraints that the Anthropic SDK moves into the description as a
    trailing ``{minimum: 1, maximum: 10}`` block."""
    out = {_SNAKE_KEYWORDS.get(k, k): v for k, v in schema.items()}
    description = out.get("description")
    if isinstance(description, str) and (block := _HINT_BLOCK.search(description)):
        for key, number in _HINT_PAIR.findall(block.group(1)):
            if key in _HINT_KEYS and key not in out:
                out[key] = float(number) if "." in number else int(number)
    return out


def _merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, val in extra.items():
        if key == "properties" and isinstance(out.get(key), Mapping):
            out[key] = {**out[key], **val}
        elif key == "required" and isinstance(out.get(key), list):
            out[key] = list(dict.fromkeys([*out[key], *val]))
        elif key in _MIN_KEYS and key in out and _as_float(out[key]) is not None:
            out[key] = max(out[key], val)
        elif key in _MAX_KEYS and key in out and _as_float(out[key]) is not None:
            out[key] = min(out[key], val)
        else:
            out[key] = val
    return out


class _Filler:
    def __init__(
        self, root: Mapping[str, Any], rng: random.Random, max_depth: int
    ) -> None:
        self.root = root
        self.rng = rng
        self.max_depth = max_depth
        self.hard_limit = max_depth * 4 + 8
        self._active: list[str] = []

    # -- schema plumbing -------------------------------------------------
    def _pointer(self, ref: str) -> Mapping[str, Any]:
        if not ref.startswith("#"):
            return {}
        node: Any = self.root
        for raw in ref[1:].split("/"):
            if raw == "":
                continue
            part = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return {}
        return node if isinstance(node, Mapping) else {}

    def _resolve(self, schema: Any) -> dict[str, Any]:
        if schema is True or schema is None:
            return {}
        if schema is False or not isinstance(schema, Mapping):
            return {}
        current = _normalise(schema)
        for _ in range(64):
            ref = current.get("$ref")
            if not isinstance(ref, str):
                break
            siblings = {k: v for k, v in current.items() if k != "$ref"}
            current = _merge(_normalise(self._pointer(ref)), siblings)
        all_of = current.pop("allOf", None)
        if isinstance(all_of, list):
            merged: dict[str, Any] = {}
            for part in all_of:
                merged = _merge(merged, self._resolve(part))
            current = _merge(merged, current)
        return current

    def _types(self, schema: Mapping[str, Any]) -> list[str]:
        raw = schema.get("type")
        if isinstance(raw, str):
            types = [raw.lower()]
        elif isinstance(raw, list):
            types = [str(t).lower() for t in raw]
        else:
            types = []
        types = [t for t in types if t != "type_unspecified"]
        if types:
            return types
        if any(k in schema for k in ("properties", "required", "additionalProperties")):
            return ["object"]
        if any(k in schema for k in ("items", "prefixItems", "minItems", "maxItems")):
            return ["array"]
        if any(k in schema for k in ("minimum", "maximum", "multipleOf")):
            return ["number"]
        return ["string"]

    # -- dispatch --------------------------------------------------------
    def _recursive(self, raw: Any) -> bool:
        """True if ``raw`` is a ``$ref`` to a schema already being expanded."""
        return isinstance(raw, Mapping) and raw.get("$ref") in self._active

    def value(self, raw: Any, depth: int, hint: str) -> Any:
        ref = raw.get("$ref") if isinstance(raw, Mapping) else None
        if not isinstance(ref, str):
            return self._value(raw, depth, hint)
        self._active.append(ref)
        try:
            return self._value(raw, depth, hint)
        finally:
            self._active.pop()

    def _value(self, raw: Any, depth: int, hint: str) -> Any:
        schema = self._resolve(raw)
        deep = depth >= self.max_depth
        if "const" in schema:
            return schema["const"]
        enum = schema.get("enum")
        if isinstance(enum, list) and enum:
            non_null = [e for e in enum if e is not None]
            return self.rng.choice(non_null or enum)
        branches = schema.get("anyOf") or schema.get("oneOf")
        if isinstance(branches, list) and branches:
            return self._branch(schema, branches, depth, hint)
        if schema.get("nullable") is True and (deep or "type" not in schema):
            return None
        types = self._types(schema)
        if deep and "null" in types:
            return None
        candidates = [t for t in types if t != "null"] or ["null"]
        kind = candidates[0] if len(candidates) == 1 else self.rng.choice(candidates)
        if depth > self.hard_limit:
            return self._minimal(kind)
        if kind == "object":
            return self._object(schema, depth, hint)
        if kind == "array":
            return self._array(schema, depth, hint)
        if kind == "integer":
            return self._integer(schema)
        if kind == "number":
            return self._number(schema)
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind == "null":
            return None
        return self._string(schema, hint)

    def _minimal(self, kind: str) -> Any:
        return {"object": {}, "array": [], "integer": 0, "number": 0.0}.get(kind, "")

    def _branch(
        self, schema: Mapping[str, Any], branches: list[Any], depth: int, hint: str
    ) -> Any:
        pairs = [(b, self._resolve(b)) for b in branches]
        nulls = [p for p in pairs if self._types(p[1]) == ["null"] and "type" in p[1]]
        others = [p for p in pairs if p not in nulls]
        if nulls and (depth >= self.max_depth or not others):
            return None
        fresh = [p for p in others if not self._recursive(p[0])]
        if nulls and not fresh:
            return None
        others = fresh or others
        if depth >= self.max_depth:
            shallow = [p for p in others if set(self._types(p[1])) & set(_SCALAR_TYPES)]
            others = shallow or others
        chosen = self.rng.choice(others)[0]
        rest = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
        if isinstance(chosen, Mapping):
            return self.value(_merge(rest, chosen), depth, hint)
        return self.value(rest, depth, hint)

    # -- containers ------------------------------------------------------
    def _object(self, schema: Mapping[str, Any], depth: int, hint: str) -> Any:
        props = schema.get("properties")
        props = props if isinstance(props, Mapping) else {}
        required = [r for r in schema.get("required") or [] if isinstance(r, str)]
        ordering = schema.get("propertyOrdering")
        order = (
            [p for p in ordering if p in props] if isinstance(ordering, list) else []
        )
        order += [p for p in props if p not in order]
        deep = depth >= self.max_depth
        out: dict[str, Any] = {}
        for name in order:
            if deep and name not in required:
                continue
            out[name] = self.value(props[name], depth + 1, name)
        extra_schema = schema.get("additionalProperties")
        extra = extra_schema if isinstance(extra_schema, Mapping) else {}
        for name in required:
            if name not in out:
                out[name] = self.value(extra, depth + 1, name)
        min_props = _as_int(schema.get("minProperties"), 0) or 0
        if isinstance(extra_schema, Mapping) and not props and not deep:
            min_props = max(min_props, self.rng.randint(1, 3))
        names = self._resolve(schema.get("propertyNames"))
        pool = [n for n in names.get("enum") or [] if isinstance(n, str)]
        if extra_schema is not False:
            index = 1
            while len(out) < min_props and (index <= len(pool) or not pool):
                key = pool[index - 1] if pool else f"{hint}_{index}"
                index += 1
                if key not in out:
                    out[key] = self.value(extra, depth + 1, key)
        max_props = _as_int(schema.get("maxProperties"))
        if max_props is not None and len(out) > max_props:
            optional = [k for k in reversed(out) if k not in required]
            for key in optional[: len(out) - max_props]:
                del out[key]
        return out

    def _array(self, schema: Mapping[str, Any], depth: int, hint: str) -> list[Any]:
        prefix = schema.get("prefixItems")
        items = schema.get("items")
        if isinstance(items, list):
            prefix, items = items, schema.get("additionalItems")
        prefix = prefix if isinstance(prefix, list) else []
        lo = _as_int(schema.get("minItems"), 0) or 0
        hi = _as_int(schema.get("maxItems"))
        if items is False:
            hi = len(prefix) if hi is None else min(hi, len(prefix))
        stop = depth >= self.max_depth or (not prefix and self._recursive(items))
        count = lo if stop else max(lo, self.rng.randint(1, 3))
        if hi is not None:
            count = max(min(count, hi), min(lo, hi))
        unique = schema.get("uniqueItems") is True
        out: list[Any] = []
        seen: set[str] = set()
        item_hint = hint[:-1] if hint.endswith("s") and len(hint) > 1 else hint
        for index in range(count):
            sub = prefix[index] if index < len(prefix) else items
            for _attempt in range(24):
                candidate = self.value(sub, depth + 1, item_hint)
                key = json.dumps(candidate, sort_keys=True)
                if not unique or key not in seen:
                    break
            else:
                if len(out) >= lo:
                    break
            seen.add(key)
            out.append(candidate)
        return out

    # -- scalars ---------------------------------------------------------
    def _bounds(
        self, schema: Mapping[str, Any]
    ) -> tuple[float | None, bool, float | None, bool]:
        lo, hi = _as_float(schema.get("minimum")), _as_float(schema.get("maximum"))
        lo_ex = hi_ex = False
        ex_lo, ex_hi = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        if ex_lo is True:
            lo_ex = True
        elif (value := _as_float(ex_lo)) is not None and (lo is None or value >= lo):
            lo, lo_ex = value, True
        if ex_hi is True:
            hi_ex = True
        elif (value := _as_float(ex_hi)) is not None and (hi is None or value <= hi):
            hi, hi_ex = value, True
        return lo, lo_ex, hi, hi_ex

    def _integer(self, schema: Mapping[str, Any]) -> int:
        lo_f, lo_ex, hi_f, hi_ex = self._bounds(schema)
        lo = (
            None
            if lo_f is None
            else (math.floor(lo_f) + 1 if lo_ex else math.ceil(lo_f))
        )
        hi = (
            None
            if hi_f is None
            else (math.ceil(hi_f) - 1 if hi_ex else math.floor(hi_f))
        )
        if lo is None:
            lo = 0 if hi is None else min(0, hi)
        if hi is None:
            hi = max(lo + 100, 100) if lo <= 0 else lo + 100
        step = _as_float(schema.get("multipleOf"))
        if step and step > 0 and float(step).is_integer():
            m = int(step)
            k_lo, k_hi = -(-lo // m), hi // m
            if k_lo <= k_hi:
                return self.rng.randint(k_lo, k_hi) * m
        return self.rng.randint(lo, max(lo, hi))

    def _number(self, schema: Mapping[str, Any]) -> float:
        lo_b, lo_ex, hi_b, hi_ex = self._bounds(schema)
        lo = (0.0 if hi_b is None else min(0.0, hi_b - 1.0)) if lo_b is None else lo_b
        hi = lo + 100.0 if hi_b is None else hi_b
        step = _as_float(schema.get("multipleOf"))
        if step and step > 0:
            k_lo = math.floor(lo / step) + 1 if lo_ex else math.ceil(lo / step)
            k_hi = math.ceil(hi / step) - 1 if hi_ex else math.floor(hi / step)
            if k_lo <= k_hi:
                k = self.rng.randint(k_lo, k_hi)
                return (
                    float(k * step) if float(step).is_integer() else round(k * step, 10)
                )
        if hi <= lo:
            return lo
        fraction = self.rng.uniform(0.1, 0.9) if (lo_ex or hi_ex) else self.rng.random()
        value = lo + (hi - lo) * fraction
        rounded = round(value, 2)
        inside_lo = rounded > lo if lo_ex else rounded >= lo
        inside_hi = rounded < hi if hi_ex else rounded <= hi
        return rounded if inside_lo and inside_hi else value

    def _string(self, schema: Mapping[str, Any], hint: str) -> str:
        fmt = str(schema.get("format") or "").lower()
        text = self._formatted(fmt) if fmt else None
        if text is None:
            count = self.rng.randint(2, 6)
            text = " ".join(self.rng.choice(WORDS) for _ in range(count))
            if hint and hint != "value" and self.rng.random() < 0.3:
                text = f"{hint.replace('_', ' ')} {text}"
        min_len = _as_int(schema.get("minLength"), 0) or 0
        max_len = _as_int(schema.get("maxLength"))
        while len(text) < min_len:
            text = f"{text} {self.rng.choice(WORDS)}"
        if max_len is not None and len(text) > max_len:
            text = text[:max_len]
            if len(text.rstrip()) >= min_len:
                text = text.rstrip()
        return text

    def _formatted(self, fmt: str) -> str | None:
        rng = self.rng
        day = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        hms = (rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59))
        clock = "{:02d}:{:02d}:{:02d}".format(*hms)
        word = rng.choice(WORDS)
        table = {
            "date-time": f"{day}T{clock}Z",
            "date": day,
            "time": f"{clock}Z",
            "email": f"{word}{rng.randint(1, 999)}@example.com",
            "uri": f"https://example.com/{word}/{rng.randint(1, 9999)}",
            "url": f"https://example.com/{word}/{rng.randint(1, 9999)}",
            "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "hostname": f"{word}.example.com",
            "ipv6": f"fd00::{rng.getrandbits(16):x}",
            "ipv4": ".".join(["10", *(str(rng.randint(1, 254)) for _ in range(3))]),
            "duration": f"PT{rng.randint(1, 59)}M",
        }
        return table.get(fmt)
