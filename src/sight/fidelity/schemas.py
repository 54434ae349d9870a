"""API shapes of fidelity runs and uploaded studies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from sight.kit.schemas import InputSchema, Int, Line, Schema

Name = Annotated[Line, StringConstraints(min_length=1, max_length=120)]


class FidelityRunCreate(InputSchema):
    """What to measure: a shipped benchmark by name, or an uploaded study of
    this project (`study_id`, mapped and ready)."""

    benchmark: Name | None = Field(
        default=None, description="a shipped benchmark; default gss2018_us"
    )
    study_id: uuid.UUID | None = None
    per_group: Int = Field(
        default=200,
        ge=2,
        le=2000,
        description="synthetic respondents per group (see the sampling-noise "
        "table in docs/fidelity.md: 200 keeps noise below the group gaps)",
    )
    seed: Int | None = Field(default=None, ge=0, le=2**31 - 1)
    questions: list[Name] | None = Field(default=None, max_length=200)
    groups: list[Name] | None = Field(default=None, max_length=100)
    volunteered: Literal["omit", "offer"] = Field(
        default="omit",
        description="answers the interviewer did not read out: left out of the "
        "prompt and the human distribution renormalised (omit), or offered",
    )


class RunAccepted(BaseModel):
    run_id: uuid.UUID
    job_id: uuid.UUID
    status_url: str
    run_url: str
    respondents: int
    estimate: dict[str, Any]


class FidelityRunSummary(Schema):
    id: uuid.UUID
    project_id: uuid.UUID | None
    job_id: uuid.UUID | None
    study_id: uuid.UUID | None
    status: str
    benchmark: str
    country: str
    params: dict[str, Any]
    provider: str
    model: str
    prompt_version: str
    offline: bool
    calls: int
    cost_usd: float
    score: float | None
    error: str | None
    progress: float | None = None
    progress_message: str | None = None
    created_at: datetime
    finished_at: datetime | None


class FidelityRunRead(FidelityRunSummary):
    result: dict[str, Any] | None


class BenchmarkInfo(BaseModel):
    name: str
    title: str
    country: str
    questions: int
    groups: list[str]
    question_ids: list[str]
    citation: str | None


# ---- uploaded studies ------------------------------------------------------


class ColumnInfo(BaseModel):
    name: str
    kind: str  # categorical | numeric | identifier | text | empty
    values: list[dict[str, Any]]  # [{"value": ..., "count": n}]
    distinct: int
    suggested_role: str | None = None


class StudyRead(Schema):
    id: uuid.UUID
    project_id: uuid.UUID
    name: str
    filename: str
    country: str
    layout: str
    status: str
    rows: int
    columns: list[dict[str, Any]]
    mapping: dict[str, Any] | None
    questions: list[dict[str, Any]] = Field(default_factory=list)
    groups: list[dict[str, Any]] = Field(default_factory=list)
    created_at: datetime


class GroupValue(InputSchema):
    """One group of the upload: which census cell it is, so personas can be
    drawn for it. `dimension` + `categories` (census keys, e.g. gender:
    [female]), or an age range `age: [min, max]`."""

    value: Annotated[Line, StringConstraints(min_length=1, max_length=200)]
    dimension: Name | None = None
    categories: list[Name] | None = Field(default=None, max_length=30)
    age: list[Int] | None = Field(default=None, min_length=2, max_length=2)


class GroupColumn(InputSchema):
    column: Name
    name: Name | None = None  # e.g. "age"; default: the column name
    values: list[GroupValue] = Field(min_length=1, max_length=60)


class QuestionColumn(InputSchema):
    column: Name
    text: Annotated[Line, StringConstraints(min_length=1, max_length=1000)] | None = (
        None
    )
    options: list[Annotated[Line, StringConstraints(min_length=1, max_length=300)]] = (
        Field(min_length=2, max_length=30, description="answer values in order")
    )
    scale: Literal["ordinal", "nominal"] = "ordinal"


class StudyMapping(InputSchema):
    """respondents layout: `group_columns` and `question_columns`.
    distributions layout: `roles` naming the question/option/group/share
    columns, and `groups` saying which census cell each group value is."""

    group_columns: list[GroupColumn] | None = Field(default=None, max_length=10)
    question_columns: list[QuestionColumn] | None = Field(default=None, max_length=200)
    roles: dict[str, Name] | None = None
    groups: list[GroupValue] | None = Field(default=None, max_length=100)
    scales: dict[str, Literal["ordinal", "nominal"]] | None = None
