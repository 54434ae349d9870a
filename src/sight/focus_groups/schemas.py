"""API shapes of focus groups (the original product's, extended).

Input: `FocusGroupCreate` / `FocusGroupUpdate`. Output: `FocusGroupRead` (list
items), `FocusGroupDetail` (with timings), `Transcript` (responses grouped by
question, as the original's `/responses`), `RunAccepted`, and the interview's
`ChatMessageRead` / `ChatHistory`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from sight.kit.schemas import InputSchema, Schema

Mode = Literal["normal", "discussion", "adversarial"]
Language = Literal["pl", "en"]
# auto: probe when answers diverge or are vague (discussion modes only);
# always: probe after every question (any mode); never: no probe.
FollowUp = Literal["auto", "always", "never"]
StimulusKind = Literal["concept", "ad_copy", "price_point", "image", "other"]
Status = Literal["pending", "queued", "running", "completed", "failed", "cancelled"]

QuestionText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=3, max_length=1000)
]
MIN_PERSONAS, MAX_PERSONAS = 2, 100
MIN_QUESTIONS, MAX_QUESTIONS = 1, 20


class QuestionSpec(InputSchema):
    text: QuestionText
    follow_up: FollowUp = "auto"


# base64 of the largest image kept (focus_groups/images.py), with room for a
# data-URL prefix and line breaks; the bytes themselves are checked later.
MAX_IMAGE_BASE64_CHARS = 7_100_000


class Stimulus(InputSchema):
    """What the group reacts to: an object, or a plain string (a concept).

    An image (kind `image`) comes as `image_base64` (plain base64 or a
    `data:image/...;base64,` URL) with `content` describing it in words (kept
    for reports and analysis); it is shown to models that can see, and a
    group whose answering model cannot is refused with a 422 that says so.
    Images are not fetched from URLs."""

    kind: StimulusKind = "concept"
    title: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    content: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=3, max_length=4000)
    ]
    image_base64: (
        Annotated[str, StringConstraints(max_length=MAX_IMAGE_BASE64_CHARS)] | None
    ) = Field(
        None,
        description="kind image: the picture, base64 or a data URL "
        "(PNG, JPEG, WebP, GIF; at most 5 MB).",
    )
    mime_type: str | None = Field(
        None, description="Optional; the type is read from the bytes themselves."
    )

    @model_validator(mode="before")
    @classmethod
    def _plain_or_aliases(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"kind": "concept", "content": value}
        if isinstance(value, dict):
            if "image_url" in value or "url" in value:
                raise ValueError(
                    "images are not fetched from URLs; send the picture itself as "
                    "image_base64 (base64 or a data:image/...;base64, URL)"
                )
            if "image" in value and "image_base64" not in value:
                value = {**value, "image_base64": value["image"]}
                del value["image"]
        return value

    @model_validator(mode="after")
    def _image_matches_kind(self) -> Stimulus:
        if self.kind == "image" and not self.image_base64:
            raise ValueError(
                "a stimulus of kind image needs image_base64 (the picture as base64 "
                "or a data URL) and content (what it shows, in words)"
            )
        if self.kind != "image" and self.image_base64:
            raise ValueError(
                f"image_base64 was given for a stimulus of kind {self.kind}; "
                "set kind to image"
            )
        return self

    def stored(self) -> dict[str, Any]:
        """The group's stimulus JSON (the image's bytes are stored apart)."""
        return self.model_dump(exclude={"image_base64", "mime_type"})


def _questions(value: Any) -> Any:
    # The original product sends plain strings; objects add a follow-up policy.
    if isinstance(value, list):
        return [{"text": q} if isinstance(q, str) else q for q in value]
    return value


def _unique_ids(ids: list[uuid.UUID]) -> list[uuid.UUID]:
    seen: set[uuid.UUID] = set()
    for persona_id in ids:
        if persona_id in seen:
            raise ValueError(f"persona {persona_id} is listed twice")
        seen.add(persona_id)
    return ids


class FocusGroupCreate(InputSchema):
    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
    ]
    description: Annotated[str, StringConstraints(max_length=5000)] = ""
    project_context: Annotated[str, StringConstraints(max_length=10000)] = ""
    persona_ids: list[uuid.UUID] = Field(
        min_length=MIN_PERSONAS, max_length=MAX_PERSONAS
    )
    questions: list[QuestionSpec] = Field(
        min_length=MIN_QUESTIONS,
        max_length=MAX_QUESTIONS,
        description="Plain strings or {text, follow_up: auto|always|never}.",
    )
    stimulus: Stimulus | None = None
    language: Language | None = Field(
        None, description="Defaults to the project's language."
    )
    mode: Mode = "normal"
    wave_size: Annotated[int, Field(ge=1, le=MAX_PERSONAS)] | None = Field(
        None,
        description="Speakers per wave in discussion modes; default chosen from "
        "the group size so a discussion takes a few model latencies per question.",
    )
    turn_words: Annotated[int, Field(ge=10, le=400)] = Field(
        50, description="Target median words per turn (human groups: about 50)."
    )

    _split = field_validator("questions", mode="before")(_questions)

    @field_validator("persona_ids")
    @classmethod
    def _distinct(cls, ids: list[uuid.UUID]) -> list[uuid.UUID]:
        return _unique_ids(ids)


class FocusGroupUpdate(InputSchema):
    """Every field optional; allowed only while the group has never run."""

    name: (
        Annotated[
            str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
        ]
        | None
    ) = None
    description: Annotated[str, StringConstraints(max_length=5000)] | None = None
    project_context: Annotated[str, StringConstraints(max_length=10000)] | None = None
    persona_ids: (
        Annotated[
            list[uuid.UUID], Field(min_length=MIN_PERSONAS, max_length=MAX_PERSONAS)
        ]
        | None
    ) = None
    questions: (
        Annotated[
            list[QuestionSpec],
            Field(min_length=MIN_QUESTIONS, max_length=MAX_QUESTIONS),
        ]
        | None
    ) = None
    stimulus: Stimulus | None = None
    language: Language | None = None
    mode: Mode | None = None
    wave_size: Annotated[int, Field(ge=1, le=MAX_PERSONAS)] | None = None
    turn_words: Annotated[int, Field(ge=10, le=400)] | None = None

    _split = field_validator("questions", mode="before")(_questions)

    @field_validator("persona_ids")
    @classmethod
    def _distinct(cls, ids: list[uuid.UUID] | None) -> list[uuid.UUID] | None:
        return None if ids is None else _unique_ids(ids)

    @model_validator(mode="after")
    def _not_null(self) -> FocusGroupUpdate:
        # An explicit null means "no stimulus"; for the rest null is meaningless.
        for name in ("name", "persona_ids", "questions", "mode", "turn_words"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class QuestionRead(Schema):
    text: str
    follow_up: FollowUp


class StimulusImageRead(Schema):
    mime_type: str
    width: int
    height: int
    bytes: int
    sha256: str
    url: str = Field(description="GET it (same access as the group).")


class StimulusRead(Schema):
    kind: StimulusKind
    title: str
    content: str
    image: StimulusImageRead | None = None


class FocusGroupRead(Schema):
    id: uuid.UUID
    project_id: uuid.UUID
    name: str
    description: str
    project_context: str
    persona_ids: list[uuid.UUID]
    questions: list[QuestionRead]
    stimulus: StimulusRead | None
    language: Language
    mode: Mode
    wave_size: int
    turn_words: int
    status: Status
    job_id: uuid.UUID | None
    started_at: datetime | None
    completed_at: datetime | None
    total_execution_time_ms: int | None
    avg_response_time_ms: float | None
    error: str | None
    created_at: datetime
    updated_at: datetime


class AnswerTiming(Schema):
    response_id: uuid.UUID
    persona_id: uuid.UUID | None
    role: Literal["persona", "moderator"]
    question_index: int
    round: int
    wave: int
    status: Literal["ok", "failed"]
    latency_ms: int | None
    first_token_ms: int | None
    attempts: int


class Timings(Schema):
    answers_expected: int = Field(
        description="Persona answers to the questions (probes come on top)."
    )
    answers_done: int
    answers_failed: int
    probe_answers: int = Field(description="Answers to the moderator's probes.")
    median_latency_ms: float | None
    p95_latency_ms: float | None
    median_first_token_ms: float | None
    per_answer: list[AnswerTiming]


class FocusGroupDetail(FocusGroupRead):
    events_url: str
    timings: Timings


class ResponseRead(Schema):
    id: uuid.UUID
    focus_group_id: uuid.UUID
    persona_id: uuid.UUID | None
    persona_name: str | None
    segment: str | None
    role: Literal["persona", "moderator"]
    question_index: int
    question: str
    round: int = Field(description="0: answer to the question; 1: to the probe.")
    wave: int
    position: int = Field(description="Speaking order within the question.")
    reply_to_id: uuid.UUID | None
    response: str
    status: Literal["ok", "failed"]
    error: str | None
    word_count: int
    latency_ms: int | None
    first_token_ms: int | None
    generated_by: str
    prompt_version: str
    details: dict[str, Any]
    created_at: datetime


class QuestionTranscript(Schema):
    question_index: int
    question: str
    follow_up: FollowUp
    responses: list[ResponseRead]


class Transcript(Schema):
    focus_group_id: uuid.UUID
    status: Status
    total_responses: int
    questions: list[QuestionTranscript]


class RunAccepted(Schema):
    focus_group_id: uuid.UUID
    job_id: uuid.UUID
    status: Status
    wave_size: int
    status_url: str
    events_url: str = Field(description="The group's live stream (SSE).")
    job_events_url: str
    estimate: dict[str, Any]


class ChatRequest(InputSchema):
    message: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)
    ]


class ChatMessageRead(Schema):
    id: uuid.UUID
    persona_id: uuid.UUID
    role: Literal["user", "persona"]
    content: str
    generated_by: str | None
    prompt_version: str | None
    memory: list[uuid.UUID]
    created_at: datetime


class ChatHistory(Schema):
    persona_id: uuid.UUID
    messages: list[ChatMessageRead]
