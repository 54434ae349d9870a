"""Events of a focus group's live stream (`GET /focus-groups/{id}/events`).

The SSE `event:` field is the event's `type`; `data` is the model as JSON.

- `question_started`  the moderator asks question `question_index` (round 0),
  or a probe round begins (round 1)
- `speaker_started`   a speaker (persona or moderator) begins a turn; carries
  its speaking position, wave and the turn it replies to
- `text_delta`        the next words of a turn, as the model writes them
- `answer_done`       a turn is complete and stored (`status` ok | failed);
  committed with the turn itself, so the transcript and the stream agree
- `probe`             the moderator probes: the text and who is addressed
- `question_done`     every turn of a question (and its probe) is stored
- `progress`          turns stored out of turns planned (`stage: "answers"`)
- `completed` | `failed` | `cancelled`  terminal; the stream ends after it
- `heartbeat` (not stored), `error` (the stream itself failed)

Deltas of all speakers are batched into one transaction every ~100 ms (see
`writers.DeltaWriter`): the room still reads word by word, and the database sees
a few writes per second instead of one per word.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import Field

from sight.focus_groups.schemas import ChatMessageRead
from sight.streams.events import (
    CancelledEvent,
    CompletedEvent,
    FailedEvent,
    HeartbeatEvent,
    ProgressEvent,
    StreamErrorEvent,
    StreamEventModel,
)

STREAM_KIND = "focus_group"


class QuestionStarted(StreamEventModel):
    type: Literal["question_started"] = "question_started"
    question_index: int
    round: int = 0
    text: str
    speakers: int = Field(description="Turns planned in this round.")
    waves: int


class SpeakerStarted(StreamEventModel):
    type: Literal["speaker_started"] = "speaker_started"
    question_index: int
    round: int
    wave: int
    position: int
    role: Literal["persona", "moderator"]
    persona_id: uuid.UUID | None
    persona_name: str | None
    segment: str | None
    reply_to_id: uuid.UUID | None
    attempt: int = Field(
        1, description="A retried turn starts again; drop the earlier attempt's text."
    )


class TextDelta(StreamEventModel):
    type: Literal["text_delta"] = "text_delta"
    question_index: int
    round: int
    persona_id: uuid.UUID | None = Field(description="None: the moderator.")
    text: str


class AnswerDone(StreamEventModel):
    type: Literal["answer_done"] = "answer_done"
    response_id: uuid.UUID
    question_index: int
    round: int
    wave: int
    position: int
    role: Literal["persona", "moderator"]
    persona_id: uuid.UUID | None
    reply_to_id: uuid.UUID | None
    status: Literal["ok", "failed"]
    text: str
    error: str | None = None
    word_count: int
    latency_ms: int | None
    first_token_ms: int | None
    generated_by: str


class Probe(StreamEventModel):
    type: Literal["probe"] = "probe"
    question_index: int
    response_id: uuid.UUID
    text: str
    reason: Literal["divergent", "vague", "always"]
    addressed_to: list[uuid.UUID]


class QuestionDone(StreamEventModel):
    type: Literal["question_done"] = "question_done"
    question_index: int
    answered: int
    failed: int
    probed: bool

    result: dict[str, Any] | None = None


FocusGroupEvent = Annotated[
    QuestionStarted
    | SpeakerStarted
    | TextDelta
    | AnswerDone
    | Probe
    | QuestionDone
    | ProgressEvent
    | CompletedEvent
    | FailedEvent
    | CancelledEvent
    | HeartbeatEvent
    | StreamErrorEvent,
    Field(discriminator="type"),
]


# ---- the interview stream (POST /personas/{id}/chat) ---------------------------


class InterviewMessage(StreamEventModel):
    """The researcher's message, stored before the persona answers."""

    type: Literal["message"] = "message"
    message: ChatMessageRead


class InterviewDelta(StreamEventModel):
    type: Literal["text_delta"] = "text_delta"
    text: str


class InterviewDone(StreamEventModel):
    """The persona's reply, stored; the stream ends after it."""

    type: Literal["answer_done"] = "answer_done"
    message: ChatMessageRead


InterviewEvent = Annotated[
    InterviewMessage | InterviewDelta | InterviewDone | StreamErrorEvent,
    Field(discriminator="type"),
]
