"""Turning a model's text into a validated Pydantic object.

Models wrap JSON in code fences, add a sentence before it, or stop mid-object
when they hit the token limit. `parse_structured` repairs what can be repaired
locally (json-repair closes truncated structures); what still does not validate
is reported with the validation errors so the gateway can ask again.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

import json_repair
from pydantic import BaseModel, ValidationError

T = TypeVar("T", bound=BaseModel)

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


class OutputInvalid(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _candidate(text: str) -> str:
    fenced = _FENCE.search(text)
    if fenced:
        return fenced.group(1).strip()
    start = min((i for i in (text.find("{"), text.find("[")) if i >= 0), default=-1)
    return text[start:].strip() if start >= 0 else text.strip()


def parse_structured(text: str, output: type[T]) -> tuple[T, bool]:
    """Return (object, repaired). Raises OutputInvalid with a reason to feed back."""
    candidate = _candidate(text)
    repaired = False
    try:
        data: Any = json.loads(candidate)
    except json.JSONDecodeError:
        data = json_repair.repair_json(candidate, return_objects=True)
        repaired = True
        if data in ("", None) or not isinstance(data, dict | list):
            raise OutputInvalid("the answer was not JSON") from None
    try:
        return output.model_validate(data), repaired
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
            for err in exc.errors()[:10]
        )
        raise OutputInvalid(f"the JSON did not match the schema: {problems}") from None


def json_schema_for(output: type[BaseModel]) -> dict[str, Any]:
    return output.model_json_schema()
