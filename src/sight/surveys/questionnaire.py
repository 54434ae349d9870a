"""What one respondent is shown, and the structured output asked of the model.

The output model is built for the questionnaire: one field per question, its
JSON schema constraining the answer (enum of options, range, a full ranking),
so providers with structured output answer within the definition. Parsing is
deliberately lenient (every field accepts any JSON value): an answer that breaks
a rule is caught by `validation.check_answer` and only that question is asked
again, instead of the gateway re-asking the whole questionnaire.
"""

from __future__ import annotations

import hashlib
import json
import random
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from sight.surveys.schemas import Question
from sight.surveys.validation import CHOICE_TYPES


def show_if_text(question: Question) -> str | None:
    rule = question.show_if
    if rule is None:
        return None
    parts = []
    if rule.any_of is not None:
        parts.append(
            f"your answer to [{rule.question_id}] is one of "
            + ", ".join(json.dumps(v, ensure_ascii=False) for v in rule.any_of)
        )
    if rule.min is not None:
        parts.append(f"your answer to [{rule.question_id}] is at least {rule.min:g}")
    if rule.max is not None:
        parts.append(f"your answer to [{rule.question_id}] is at most {rule.max:g}")
    return " and ".join(parts)


def shown_questions(
    questions: list[Question],
    rng: random.Random,
    *,
    shuffle: bool,
    rating_words: bool,
) -> list[dict[str, Any]]:
    """The questions as this respondent sees them (their own option order)."""
    shown = []
    for q in questions:
        options = list(q.options or [])
        if shuffle and q.type in CHOICE_TYPES:
            rng.shuffle(options)
        view: dict[str, Any] = {
            "id": q.id,
            "type": q.type,
            "title": q.title,
            "description": q.description,
            "required": q.required,
            "options": options or None,
            "show_if": show_if_text(q),
            "show_if_rule": q.show_if.model_dump() if q.show_if else None,
        }
        if q.type == "rating-scale":
            view.update(
                scale_min=q.scale_min,
                scale_max=q.scale_max,
                scale_min_label=q.scale_min_label,
                scale_max_label=q.scale_max_label,
                mode="words" if rating_words else "number",
            )
        if q.type == "numeric":
            view.update(min=q.min, max=q.max, unit=q.unit)
        if q.type == "multiple-choice":
            view["max_choices"] = q.max_choices
        shown.append(view)
    return shown


def _answer_schema(view: dict[str, Any]) -> dict[str, Any]:
    kind = view["type"]
    optional = not view["required"] or view["show_if"] is not None
    options = sorted(view["options"] or [])  # the schema never hints an order
    schema: dict[str, Any]
    if kind == "single-choice":
        schema = {"type": "string", "enum": options}
        if optional:
            schema = {"type": ["string", "null"], "enum": [*options, None]}
        return schema
    if kind in ("multiple-choice", "ranking"):
        schema = {
            "type": "array",
            "items": {"type": "string", "enum": options},
            "uniqueItems": True,
        }
        if kind == "ranking":
            schema.update(minItems=len(options), maxItems=len(options))
        else:
            schema.update(
                minItems=0 if optional else 1,
                maxItems=view.get("max_choices") or len(options),
            )
        return schema
    if kind == "rating-scale" and view.get("mode") == "number":
        schema = {
            "type": "integer",
            "minimum": view["scale_min"],
            "maximum": view["scale_max"],
        }
    elif kind == "numeric":
        schema = {"type": "number", "minimum": view["min"], "maximum": view["max"]}
    else:  # open text, or a rating answered in words
        schema = {"type": "string", "minLength": 1, "maxLength": 1500}
    if optional:
        schema["type"] = [schema["type"], "null"]
    return schema


def output_model(views: list[dict[str, Any]]) -> type[BaseModel]:
    """The structured output for these questions (cached per questionnaire:
    the gateway caches schemas per class, so equal questionnaires share one)."""
    skeleton = [
        {k: v for k, v in view.items() if k not in ("options", "title")}
        | {"options": sorted(view["options"] or [])}
        for view in views
    ]
    key = json.dumps(skeleton, sort_keys=True, ensure_ascii=False, default=str)
    return _model_for(key)


@lru_cache(maxsize=256)
def _model_for(key: str) -> type[BaseModel]:
    views: list[dict[str, Any]] = json.loads(key)
    fields: dict[str, Any] = {}
    for index, view in enumerate(views):
        fields[f"a{index}"] = (
            Any,
            Field(
                default=None,
                alias=view["id"],
                json_schema_extra=_answer_schema(view),
            ),
        )
    ids = [view["id"] for view in views]
    digest = hashlib.sha256(key.encode()).hexdigest()[:10]

    def tidy(schema: dict[str, Any]) -> None:
        # Every key is required (providers' strict modes want that) although
        # parsing tolerates a missing one; Python-side defaults and titles are
        # noise to a model.
        for prop in schema.get("properties", {}).values():
            prop.pop("default", None)
            prop.pop("title", None)
        schema["required"] = ids
        schema["additionalProperties"] = False

    config = ConfigDict(populate_by_name=True, extra="ignore", json_schema_extra=tidy)
    model: type[BaseModel] = create_model(
        f"SurveyAnswers_{digest}", __config__=config, **fields
    )
    return model


def answers_of(output: BaseModel) -> dict[str, Any]:
    return output.model_dump(by_alias=True)
