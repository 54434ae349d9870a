"""A survey's stream (`GET /surveys/{id}/events`): its declared events.

- `started`          a run began: `job_id`, respondents `total`, `already_answered`
- `progress`         respondents answered so far (stage `respondents`, monotonic)
- `respondent`       one respondent answered (stored in the same transaction as
                     the answers): who, which questions needed a repair, what
                     could not be used
- `respondent_failed` a respondent could not answer (the reason, in words)
- `respondents`      who answers in this run (id and name, each waiting), sent
                     once when the run starts answering
- `answering`        respondents whose model call started (batched, ~0.1 s)
- `partial_results`  statistics of the answers so far (counts, shares, means)
- `results`          the full results are stored (`GET /results`), themes
                     included (`themes_pending` is false; true only from
                     servers that stored the themes after), then `completed`
- `completed` | `failed` | `cancelled`   terminal; the stream ends after it
- `heartbeat`, `error`  as on every stream

A new run of the same survey starts the stream afresh (the previous run's
events are dropped), so a client connecting without `Last-Event-ID` sees the
current run from its start.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import Field

from sight.kit.schemas import Schema
from sight.streams import (
    CancelledEvent,
    CompletedEvent,
    FailedEvent,
    HeartbeatEvent,
    ProgressEvent,
    StreamErrorEvent,
    StreamEventModel,
    StreamKey,
)

STREAM_KIND = "survey"


def survey_stream(survey_id: uuid.UUID) -> StreamKey:
    return StreamKey(STREAM_KIND, survey_id)


class RunStarted(StreamEventModel):
    type: Literal["started"] = "started"
    job_id: uuid.UUID
    total: int
    already_answered: int


class RespondentAnswered(StreamEventModel):
    type: Literal["respondent"] = "respondent"
    persona_id: uuid.UUID
    persona_name: str
    done: int
    total: int
    repaired: list[str] = Field(default_factory=list)
    unusable: list[str] = Field(default_factory=list)
    generated_by: str


class RespondentFailed(StreamEventModel):
    type: Literal["respondent_failed"] = "respondent_failed"
    persona_id: uuid.UUID
    persona_name: str
    reason: str


class Respondent(Schema):
    persona_id: uuid.UUID
    persona_name: str


class RespondentsListed(StreamEventModel):
    type: Literal["respondents"] = "respondents"
    respondents: list[Respondent]
    # Answered by an earlier attempt of this run (shown as done).
    answered: list[uuid.UUID] = Field(default_factory=list)


class RespondentsAnswering(StreamEventModel):
    type: Literal["answering"] = "answering"
    persona_ids: list[uuid.UUID]


class ResultsReady(StreamEventModel):
    type: Literal["results"] = "results"
    answered: int
    total: int
    themes_pending: bool


class PartialResults(StreamEventModel):
    type: Literal["partial_results"] = "partial_results"
    answered: int
    total: int
    questions: list[dict[str, Any]]


SurveyStreamEvent = Annotated[
    RunStarted
    | ProgressEvent
    | RespondentAnswered
    | RespondentFailed
    | RespondentsListed
    | RespondentsAnswering
    | PartialResults
    | ResultsReady
    | CompletedEvent
    | FailedEvent
    | CancelledEvent
    | HeartbeatEvent
    | StreamErrorEvent,
    Field(discriminator="type"),
]
