"""Per-answer sentiment and themes: by a language model when one is configured,
by the local method (sentiment.py, themes.py) when not. Every annotation says
which method made it.

The choice follows the route of the `analysis.annotate` flow: when it resolves
to the offline engine there is no model to ask, so the local embedding +
lexicon method runs instead (a real measure, not a composed placeholder). With
a provider the answers go in batches; an answer the model skipped or garbled
is annotated locally and marked so.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from sight.analysis.inputs import AnswerRecord
from sight.analysis.sentiment import (
    LOCAL_METHOD,
    Label,
    anchor_texts,
    classify,
)
from sight.analysis.themes import THEMES, concepts_of, emergent_concepts, themes_of
from sight.llm.gateway import LLMGateway
from sight.llm.types import CallContext
from sight.prompts import analysis as prompts

# numpy (0.1 s of CPU) is imported where used, not by `sight serve`'s start (issue 16).
if TYPE_CHECKING:
    import numpy as np

FLOW = "analysis.annotate"
# Answers per model call: enough context to keep theme names consistent,
# small enough that one bad answer costs little to redo.
LLM_BATCH = 25
LOCAL_BATCH = 64


@dataclass(frozen=True)
class Annotation:
    response_id: uuid.UUID
    sentiment: Label
    score: float
    confidence: float
    # Theme labels in the group's language.
    themes: tuple[str, ...]
    # Themes plus the emergent concepts the answer mentions (graph nodes).
    concepts: tuple[str, ...]
    method: str


class AnnotatedAnswer(BaseModel):
    ref: str = Field(description="The answer's reference, e.g. 'a3'.")
    sentiment: Literal["positive", "neutral", "negative"]
    score: float = Field(ge=-1, le=1, description="Polarity, -1 to 1.")
    themes: list[str] = Field(
        default_factory=list,
        max_length=4,
        description="1-4 short noun phrases in the group's language.",
    )


class AnnotationBatch(BaseModel):
    answers: list[AnnotatedAnswer]


async def uses_model(llm: LLMGateway, ctx: CallContext) -> bool:
    route = await llm.route(FLOW, ctx)
    return route.provider != "offline"


def _unit(rows: list[list[float]]) -> np.ndarray:
    import numpy as np

    matrix = np.asarray(rows, dtype=np.float64)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    result: np.ndarray = matrix / norms
    return result


class LocalAnnotator:
    """The local method for one group; anchors are embedded once per run."""

    def __init__(
        self, llm: LLMGateway, ctx: CallContext, language: str, all_texts: list[str]
    ) -> None:
        self._llm, self._ctx, self._language = llm, ctx, language
        self._anchors: np.ndarray | None = None
        self._anchor_labels: list[int] = []
        # Concepts shared across answers need the whole group, not a batch.
        self.emergent = emergent_concepts(all_texts)
        self.method = LOCAL_METHOD

    async def _ensure_anchors(self) -> np.ndarray:
        if self._anchors is None:
            texts, self._anchor_labels = anchor_texts()
            vectors = await self._llm.embed(texts, self._ctx, flow=FLOW)
            self._anchors = _unit(vectors)
            embedder = await self._llm.embedder()
            self.method = f"{LOCAL_METHOD} ({embedder.model})"
        return self._anchors

    async def annotate(self, answers: Sequence[AnswerRecord]) -> list[Annotation]:
        if not answers:
            return []
        anchors = await self._ensure_anchors()
        texts = [a.text for a in answers]
        vectors = await self._llm.embed(texts, self._ctx, flow=FLOW)
        # Scoring and theme matching loop over user-sized data: off the loop.
        return await asyncio.to_thread(
            self._score, list(answers), _unit(vectors), anchors
        )

    def _score(
        self, answers: list[AnswerRecord], vectors: np.ndarray, anchors: np.ndarray
    ) -> list[Annotation]:
        texts = [a.text for a in answers]
        sentiments = classify(texts, vectors, anchors, self._anchor_labels)
        result: list[Annotation] = []
        for answer, sentiment in zip(answers, sentiments, strict=True):
            themes = tuple(
                THEMES[k].label(self._language) for k in themes_of(answer.text)
            )
            concepts = themes + tuple(
                c for c in concepts_of(answer.text, self.emergent) if c not in themes
            )
            result.append(
                Annotation(
                    response_id=answer.id,
                    sentiment=sentiment.label,
                    score=sentiment.score,
                    confidence=sentiment.confidence,
                    themes=themes,
                    concepts=concepts,
                    method=self.method,
                )
            )
        return result


def _clean_theme(theme: str) -> str:
    cleaned = " ".join(theme.split()).strip(" .,;:-")
    return cleaned[:1].upper() + cleaned[1:60] if cleaned else ""


async def annotate_with_model(
    llm: LLMGateway,
    ctx: CallContext,
    language: str,
    answers: Sequence[AnswerRecord],
    fallback: LocalAnnotator,
) -> list[Annotation]:
    """One model call for a batch; anything it missed is annotated locally."""
    if not answers:
        return []
    refs = {f"a{i}": answer for i, answer in enumerate(answers)}
    result = await llm.generate(
        FLOW,
        AnnotationBatch,
        system=prompts.annotate_system(language),
        prompt=prompts.annotate_prompt(language, refs),
        ctx=ctx,
        prompt_version=prompts.PROMPT_VERSION,
    )
    method = f"llm:{result.generated_by}"
    done: dict[uuid.UUID, Annotation] = {}
    for item in result.output.answers:
        answer = refs.get(item.ref)
        if answer is None or answer.id in done:
            continue
        themes = tuple(t for t in (_clean_theme(x) for x in item.themes) if t)
        done[answer.id] = Annotation(
            response_id=answer.id,
            sentiment=item.sentiment,
            score=round(item.score, 4),
            confidence=round((1 + abs(item.score)) / 2, 4),
            themes=themes,
            concepts=themes,
            method=method,
        )
    missing = [a for a in answers if a.id not in done]
    for annotation in await fallback.annotate(missing):
        done[annotation.response_id] = annotation
    return [done[a.id] for a in answers]
