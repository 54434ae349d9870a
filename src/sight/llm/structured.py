"""Turning a model's text into a validated Pydantic object.

Models wrap JSON in code fences, add a sentence before it, or stop mid-object
when they hit the token limit. `parse_structured` repairs what can be repaired
locally (json-repair closes truncated structures); what still does not validate
is reported with the validation errors so the gateway can ask again.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from sight.llm.providers.base import Message, ProviderRequest

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
        # Imported here: only broken answers need it (issue 16, a shorter start).
        import json_repair

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


@functools.cache
def output_schema(output: type[BaseModel]) -> dict[str, Any]:
    """The JSON schema sent to providers (built once per model class)."""
    return output.model_json_schema()


def parse_output(text: str, output: type[BaseModel] | None) -> Any:
    """The text itself, or the validated object; raises OutputInvalid."""
    if output is None:
        return text
    value, _ = parse_structured(text, output)
    return value


def with_feedback(
    request: ProviderRequest, answer: str, reason: str
) -> ProviderRequest:
    """The request again, with the unusable answer and what was wrong with it."""
    feedback = (
        f"Your previous answer could not be used: {reason}. Reply again with only a "
        "JSON object that follows the schema exactly."
    )
    messages = (
        *request.messages,
        Message("assistant", answer[:4000]),
        Message("user", feedback),
    )
    return ProviderRequest(
        model=request.model,
        system=request.system,
        messages=messages,
        temperature=request.temperature,
        max_tokens=request.max_tokens,
        timeout=request.timeout,
        json_schema=request.json_schema,
        schema_name=request.schema_name,
        flow=request.flow,
        seed=request.seed,
    )
