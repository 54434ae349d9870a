"""API shapes of surveys: the questionnaire definition, respondents, reads.

Question fields follow the original product (`scaleMin`, `scaleMax`, camelCase);
snake_case spellings are accepted too. Types are the original's four hyphenated
names (`single-choice`, `multiple-choice`, `rating-scale`, `open-text`; underscore
spellings accepted) plus `numeric` and `ranking`.

Shape checks live here (pydantic: types, lengths, limits); rules that relate one
field to another (options present and distinct, min < max, skip logic pointing
back at an existing question) live in `validation.py`, which reports every
problem with its field path.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)
from pydantic.alias_generators import to_camel

from sight.kit.schemas import Schema

QUESTION_TYPES = (
    "single-choice",
    "multiple-choice",
    "rating-scale",
    "open-text",
    "numeric",
    "ranking",
)
MAX_QUESTIONS = 100
MAX_OPTIONS = 50
# Fields a respondent segment may filter on (columns of the personas table).
SEGMENT_FIELDS = (
    "age_group",
    "gender",
    "location",
    "urban_rural",
    "education",
    "income_band",
    "segment",
)


def _hyphenate(value: Any) -> Any:
    return value.strip().lower().replace("_", "-") if isinstance(value, str) else value


QuestionType = Annotated[
    Literal[
        "single-choice",
        "multiple-choice",
        "rating-scale",
        "open-text",
        "numeric",
        "ranking",
    ],
    BeforeValidator(_hyphenate),
]
QuestionId = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$"
    ),
]
OptionText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)
]
Scalar = str | float


class _Camel(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=True
    )


class ShowIf(_Camel):
    """Skip logic: show the question only when an earlier answer matches.

    `anyOf` matches a choice (or any selected option of a multiple choice, or
    the top-ranked option); `min`/`max` match a rating or number in range.
    """

    question_id: QuestionId
    any_of: list[Scalar] | None = Field(default=None, max_length=MAX_OPTIONS)
    min: float | None = None
    max: float | None = None


class QuestionIn(_Camel):
    # Optional: questions without one get q1, q2, ... by position.
    id: QuestionId | None = None
    type: QuestionType
    title: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)
    ] = Field(description="The question text")
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    options: list[OptionText] | None = Field(default=None, max_length=MAX_OPTIONS)
    required: bool = True
    scale_min: int | None = Field(default=None, ge=0, le=100)
    scale_max: int | None = Field(default=None, ge=1, le=100)
    scale_min_label: Annotated[str, StringConstraints(max_length=100)] | None = None
    scale_max_label: Annotated[str, StringConstraints(max_length=100)] | None = None
    min: float | None = Field(default=None, description="numeric: smallest allowed")
    max: float | None = Field(default=None, description="numeric: largest allowed")
    unit: Annotated[str, StringConstraints(max_length=30)] | None = None
    max_choices: int | None = Field(
        default=None, ge=1, le=MAX_OPTIONS, description="multiple-choice: at most"
    )
    show_if: ShowIf | None = None


class Question(QuestionIn):
    """A stored question: id assigned, rating bounds filled in."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        serialize_by_alias=True,
    )
    id: QuestionId


class Segment(BaseModel):
    """Personas matching every listed field (any of the values per field)."""

    model_config = ConfigDict(extra="forbid")
    filters: dict[str, list[str]] = Field(min_length=1)
    name: Annotated[str, StringConstraints(max_length=100)] | None = None


class Respondents(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mode: Literal["all", "personas", "segments"] = "all"
    persona_ids: list[uuid.UUID] | None = Field(default=None, max_length=5000)
    segments: list[Segment] | None = Field(default=None, max_length=50)


class SurveySettings(BaseModel):
    """Bias guards, on by default (each is reported with the results)."""

    model_config = ConfigDict(extra="forbid")
    shuffle_options: bool = True
    # auto: two-pass when a real model answers, direct for the offline engine.
    rating_mode: Literal["auto", "direct", "two-pass"] = "auto"
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)


class SurveyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
    ]
    description: Annotated[str, StringConstraints(max_length=5000)] = ""
    questions: list[QuestionIn] = Field(min_length=1, max_length=MAX_QUESTIONS)
    respondents: Respondents = Field(default_factory=Respondents)
    settings: SurveySettings = Field(default_factory=SurveySettings)


class Problem(BaseModel):
    """One thing wrong with a definition, in the API's 422 detail shape."""

    loc: list[str | int]
    field: str
    msg: str
    type: str


class SurveyCheck(BaseModel):
    """What the builder shows while editing: problems, sample, expected cost."""

    valid: bool
    problems: list[Problem]
    respondents: int
    estimate: dict[str, Any] | None


class SurveyRead(Schema):
    id: uuid.UUID
    project_id: uuid.UUID
    title: str
    description: str
    questions: list[dict[str, Any]]
    respondents: dict[str, Any]
    settings: dict[str, Any]
    status: str
    job_id: uuid.UUID | None
    answered: int
    target: int
    prompt_version: str
    created_at: datetime
    updated_at: datetime


class RunAccepted(BaseModel):
    job_id: uuid.UUID
    survey_id: uuid.UUID
    status_url: str
    events_url: str
    respondents: int
    already_answered: int
    estimate: dict[str, Any]


class AnswerRead(Schema):
    id: uuid.UUID
    persona_id: uuid.UUID
    persona_name: str
    demographics: dict[str, Any]
    answers: dict[str, Any]
    details: dict[str, Any]
    raw_output: str
    generated_by: str
    prompt_version: str
    created_at: datetime
