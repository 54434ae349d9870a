"""What analysis reads: a focus group's answers as plain values.

Analysis never touches the focus-group tables directly except in
`repository.load_group`, which turns them into these; everything else (local
sentiment, themes, the summary composer, quote checks, the concept graph) is
plain functions of a `GroupRecord`, testable without a database.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

# Demographic dimensions answers are compared by (persona columns).
DIMENSIONS: tuple[str, ...] = (
    "age_group",
    "gender",
    "urban_rural",
    "education",
    "income_band",
)


@dataclass(frozen=True)
class AnswerRecord:
    id: uuid.UUID
    persona_id: uuid.UUID
    persona_name: str
    # The persona's generation segment ("25-34/female/high").
    segment: str
    # Canonical category keys per dimension in DIMENSIONS.
    demographics: dict[str, str]
    question_index: int
    question: str
    text: str
    # 0: the answer to the question, 1: to the moderator's probe.
    round: int = 0
    reply_to_id: uuid.UUID | None = None


@dataclass(frozen=True)
class GroupRecord:
    id: uuid.UUID
    project_id: uuid.UUID
    name: str
    language: str  # "pl" | "en"
    country: str  # census used for segment labels ("PL", "US")
    questions: list[str]
    answers: list[AnswerRecord]
    stimulus: str = ""
    # Labels of demographic keys in the group's language, per dimension.
    labels: dict[str, dict[str, str]] = field(default_factory=dict)

    def label(self, dimension: str, key: str) -> str:
        return self.labels.get(dimension, {}).get(key, key)

    def answer(self, answer_id: uuid.UUID) -> AnswerRecord | None:
        for answer in self.answers:
            if answer.id == answer_id:
                return answer
        return None
