"""Rules of a questionnaire that relate fields to each other, and answer checks.

`check_definition` turns a `SurveyCreate` into stored questions (ids assigned,
rating bounds defaulted) and lists every problem with its field path and what
is allowed, in the same shape as the API's 422 detail. `check_answer` validates
one respondent's answer against its question: an option that exists, a number
in range, a full ranking.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from sight.surveys.schemas import (
    SEGMENT_FIELDS,
    Problem,
    Question,
    QuestionIn,
    SurveyCreate,
)

CHOICE_TYPES = frozenset({"single-choice", "multiple-choice", "ranking"})
DEFAULT_SCALE = (1, 5)
MAX_SCALE_POINTS = 11
MAX_RANKING_OPTIONS = 20


class _Problems:
    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, path: list[str | int], msg: str, kind: str = "value_error") -> None:
        self.items.append(
            Problem(
                loc=["body", *path],
                field=".".join(str(p) for p in path),
                msg=msg,
                type=kind,
            )
        )


def _key(option: str) -> str:
    return " ".join(option.casefold().split())


def check_definition(data: SurveyCreate) -> tuple[list[Question], list[Problem]]:
    problems = _Problems()
    taken = {q.id for q in data.questions if q.id}
    questions: list[Question] = []
    seen: dict[str, int] = {}
    counter = 0
    for index, raw in enumerate(data.questions):
        qid = raw.id
        if qid is None:
            counter += 1
            while f"q{counter}" in taken:
                counter += 1
            qid = f"q{counter}"
            taken.add(qid)
        elif qid in seen:
            problems.add(
                ["questions", index, "id"],
                f"duplicate question id {qid!r} (also question {seen[qid] + 1}); "
                "ids must be unique",
            )
        seen.setdefault(qid, index)
        questions.append(_normalise(raw, qid))
        _check_question(problems, index, raw)
    by_id = {q.id: (i, q) for i, q in enumerate(questions)}
    for index, question in enumerate(questions):
        if question.show_if is not None:
            _check_skip(problems, index, question, by_id)
    _check_respondents(problems, data)
    return questions, problems.items


def _normalise(raw: QuestionIn, qid: str) -> Question:
    values = raw.model_dump()
    values["id"] = qid
    if raw.type == "rating-scale":
        if values["scale_min"] is None:
            values["scale_min"] = DEFAULT_SCALE[0]
        if values["scale_max"] is None:
            values["scale_max"] = max(DEFAULT_SCALE[1], values["scale_min"] + 1)
    return Question.model_validate(values)


def _check_question(problems: _Problems, index: int, q: QuestionIn) -> None:
    at: list[str | int] = ["questions", index]
    options = q.options or []
    if q.type in CHOICE_TYPES:
        if len(options) < 2:
            problems.add(
                [*at, "options"],
                f"a {q.type} question needs at least 2 options (at most 50)",
                "missing_options",
            )
        first: dict[str, int] = {}
        for j, option in enumerate(options):
            if _key(option) in first:
                problems.add(
                    [*at, "options", j],
                    f"duplicate option {option!r} (same as option "
                    f"{first[_key(option)] + 1}); options must be distinct",
                    "duplicate_option",
                )
            first.setdefault(_key(option), j)
        if q.type == "ranking" and len(options) > MAX_RANKING_OPTIONS:
            problems.add(
                [*at, "options"],
                f"a ranking asks for a full order: at most {MAX_RANKING_OPTIONS} "
                f"options (got {len(options)})",
            )
    elif q.options:
        problems.add(
            [*at, "options"],
            f"options are only allowed for single-choice, multiple-choice and "
            f"ranking questions, not {q.type}",
        )
    if q.max_choices is not None:
        if q.type != "multiple-choice":
            problems.add([*at, "maxChoices"], "maxChoices is for multiple-choice only")
        elif options and q.max_choices > len(options):
            problems.add(
                [*at, "maxChoices"],
                f"maxChoices must be between 1 and the number of options "
                f"({len(options)})",
            )
    scale_set = q.scale_min is not None or q.scale_max is not None
    if q.type == "rating-scale":
        low = q.scale_min if q.scale_min is not None else DEFAULT_SCALE[0]
        high = (
            q.scale_max if q.scale_max is not None else max(DEFAULT_SCALE[1], low + 1)
        )
        if low >= high:
            problems.add(
                [*at, "scaleMax"],
                f"scaleMax ({high}) must be greater than scaleMin ({low})",
                "min_not_below_max",
            )
        elif high - low + 1 > MAX_SCALE_POINTS:
            problems.add(
                [*at, "scaleMax"],
                f"a rating scale has at most {MAX_SCALE_POINTS} points "
                f"(got {high - low + 1}: {low}..{high})",
            )
    elif scale_set or q.scale_min_label or q.scale_max_label:
        problems.add([*at, "scaleMin"], "scale settings are for rating-scale only")
    if q.type == "numeric":
        if q.min is None or q.max is None:
            problems.add(
                [*at, "min" if q.min is None else "max"],
                "a numeric question needs both min and max (the allowed range)",
                "missing_range",
            )
        elif not (math.isfinite(q.min) and math.isfinite(q.max)) or q.min >= q.max:
            problems.add(
                [*at, "max"],
                f"max ({q.max}) must be greater than min ({q.min})",
                "min_not_below_max",
            )
    elif q.min is not None or q.max is not None or q.unit:
        problems.add([*at, "min"], "min, max and unit are for numeric questions only")


def _check_skip(
    problems: _Problems,
    index: int,
    question: Question,
    by_id: dict[str, tuple[int, Question]],
) -> None:
    rule = question.show_if
    assert rule is not None  # noqa: S101 (caller checks)
    at: list[str | int] = ["questions", index, "showIf"]
    target = by_id.get(rule.question_id)
    earlier = ", ".join(q.id for _, q in list(by_id.values())[:index]) or "none"
    if target is None:
        problems.add(
            [*at, "questionId"],
            f"skip logic points at {rule.question_id!r}, which is not a question of "
            f"this survey; allowed: an earlier question ({earlier})",
            "skip_target_missing",
        )
        return
    target_index, source = target
    if target_index >= index:
        problems.add(
            [*at, "questionId"],
            f"skip logic must depend on an earlier question; {rule.question_id!r} "
            f"is question {target_index + 1}, this is question {index + 1} "
            f"(allowed: {earlier})",
            "skip_target_forward",
        )
        return
    if source.type == "open-text":
        problems.add(
            [*at, "questionId"],
            "skip logic cannot depend on an open-text answer",
        )
        return
    if rule.any_of is None and rule.min is None and rule.max is None:
        problems.add(at, "give anyOf (options) or min/max (a range) to match")
        return
    if source.type in CHOICE_TYPES:
        if rule.min is not None or rule.max is not None:
            problems.add(at, f"min/max cannot match a {source.type} answer; use anyOf")
        allowed = {_key(o) for o in source.options or []}
        for j, value in enumerate(rule.any_of or []):
            if not isinstance(value, str) or _key(value) not in allowed:
                problems.add(
                    [*at, "anyOf", j],
                    f"{value!r} is not an option of {source.id!r}; allowed: "
                    + ", ".join(repr(o) for o in source.options or []),
                )
    else:
        low, high = _range(source)
        for j, value in enumerate(rule.any_of or []):
            if not isinstance(value, int | float) or not low <= value <= high:
                problems.add(
                    [*at, "anyOf", j],
                    f"{value!r} is not a possible answer of {source.id!r} "
                    f"(numbers {low:g}..{high:g})",
                )
        if rule.min is not None and rule.max is not None and rule.min > rule.max:
            problems.add([*at, "max"], "max must not be below min")


def _range(question: Question) -> tuple[float, float]:
    if question.type == "rating-scale":
        return float(question.scale_min or 0), float(question.scale_max or 0)
    return (
        question.min if question.min is not None else -math.inf,
        question.max if question.max is not None else math.inf,
    )


def _check_respondents(problems: _Problems, data: SurveyCreate) -> None:
    who = data.respondents
    at: list[str | int] = ["respondents"]
    if who.mode == "personas" and not who.persona_ids:
        problems.add([*at, "persona_ids"], "mode 'personas' needs persona_ids")
    if who.mode == "segments":
        if not who.segments:
            problems.add([*at, "segments"], "mode 'segments' needs segments")
        for i, segment in enumerate(who.segments or []):
            for name, values in segment.filters.items():
                if name not in SEGMENT_FIELDS:
                    problems.add(
                        [*at, "segments", i, "filters", name],
                        f"unknown field {name!r}; allowed: {', '.join(SEGMENT_FIELDS)}",
                    )
                elif not values:
                    problems.add(
                        [*at, "segments", i, "filters", name], "list at least one value"
                    )


# ---- answers ------------------------------------------------------------------


def is_shown(
    question: Question, answers: dict[str, Any], types: Mapping[str, str]
) -> bool:
    """Skip logic, evaluated on the respondent's earlier (validated) answers;
    `types` maps question ids to their types."""
    rule = question.show_if
    if rule is None:
        return True
    value = answers.get(rule.question_id)
    if value is None:
        return False
    if rule.any_of is not None:
        wanted = {_key(v) if isinstance(v, str) else v for v in rule.any_of}
        if isinstance(value, list):  # multiple choice: any selected; ranking: top
            values = value[:1] if types.get(rule.question_id) == "ranking" else value
        else:
            values = [value]
        if not any((_key(v) if isinstance(v, str) else v) in wanted for v in values):
            return False
    if isinstance(value, int | float) and not isinstance(value, bool):
        if rule.min is not None and value < rule.min:
            return False
        if rule.max is not None and value > rule.max:
            return False
    return True


def _canonical(question: Question, value: str) -> str | None:
    """The option a model meant, tolerating case and spacing (never guessing)."""
    wanted = _key(value)
    for option in question.options or []:
        if _key(option) == wanted:
            return option
    return None


def check_answer(question: Question, value: Any) -> tuple[Any, str | None]:
    """(the answer in canonical form, None) or (None, what is wrong with it)."""
    kind = question.type
    blank = isinstance(value, str) and not value.strip()
    if value is None or blank or value == []:
        if question.required:
            return None, "an answer is required"
        return None, None
    options = question.options or []
    if kind == "single-choice":
        if not isinstance(value, str) or _canonical(question, value) is None:
            return None, f"{value!r} is not one of the options: {options}"
        return _canonical(question, value), None
    if kind in ("multiple-choice", "ranking"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None, "expected a list of options"
        chosen = [_canonical(question, v) for v in value]
        unknown = [v for v, c in zip(value, chosen, strict=True) if c is None]
        if unknown:
            return None, f"not options: {unknown}; options are {options}"
        canonical = [c for c in chosen if c is not None]
        if len(set(canonical)) != len(canonical):
            return None, "an option appears twice"
        if kind == "ranking" and len(canonical) != len(options):
            return None, f"rank all {len(options)} options, each once"
        if kind == "multiple-choice" and question.max_choices is not None:
            if len(canonical) > question.max_choices:
                return None, f"choose at most {question.max_choices} options"
        return canonical, None
    if kind in ("rating-scale", "numeric"):
        number = _number(value)
        if number is None:
            return None, f"{value!r} is not a number"
        low, high = _range(question)
        if not low <= number <= high:
            return None, f"{number:g} is outside {low:g}..{high:g}"
        if kind == "rating-scale":
            if number != round(number):
                return None, f"{number:g} is not a point of the scale {low:g}..{high:g}"
            return int(number), None
        return number, None
    if not isinstance(value, str) or not value.strip():
        return None, "expected a text answer"
    return value.strip()[:5000], None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value.replace(",", ".").strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None
