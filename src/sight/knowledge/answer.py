"""Answers grounded in retrieved chunks, with numbered citations.

The model sees the question and the top chunks numbered [1]..[n] and must
either answer citing them or say the documents do not contain the answer.
Citations are checked against what it was shown: an answer without a valid
citation is reported as not found rather than passed off as grounded.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from sight.knowledge.relevance import DEFAULT_FLOOR, content_stems
from sight.knowledge.retrieval import RetrievedChunk
from sight.llm.gateway import LLMGateway
from sight.llm.providers.offline import OfflineInput, facts_block, offline_composer
from sight.llm.types import CallContext

PROMPT_VERSION = "knowledge.answer/2"

# In the project's language; other languages get English.
_NOT_FOUND = {
    "en": "The documents in this project do not contain the answer to this question.",
    "pl": "Dokumenty tego projektu nie zawierają odpowiedzi na to pytanie.",
}
_ACCORDING = {"en": "According to the documents:", "pl": "Według dokumentów:"}
_LANGUAGE_NAMES = {
    "en": "English",
    "pl": "Polish",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
}
NOT_FOUND = _NOT_FOUND["en"]


def not_found(language: str) -> str:
    return _NOT_FOUND.get(language, NOT_FOUND)


SYSTEM = (
    "You answer a market researcher's question using ONLY the numbered sources "
    "from their documents. Cite every statement with the source numbers in "
    "square brackets, like [1] or [2][3]. If the sources do not contain the "
    "answer, set found to false and say so; never use outside knowledge. The "
    "sources and the question may be in different languages: answer in the "
    "language the prompt names, quoting sources in their own words."
)


class GroundedAnswer(BaseModel):
    found: bool = Field(description="false when the sources do not answer it")
    answer: str
    citations: list[int] = Field(
        default_factory=list, description="numbers of the sources used"
    )


@dataclass
class Answer:
    question: str
    found: bool
    answer: str
    # (number as shown in the answer, chunk), numbered 1, 2, 3 in the order
    # the answer cites them.
    citations: list[tuple[int, RetrievedChunk]]
    generated_by: str | None


_MARKER = re.compile(r"\[(\d{1,3})\]")
_SENTENCES = re.compile(r"(?<=[.!?])\s+")
# Sentences scored for the offline engine: enough for a few pages of sources.
_MAX_SENTENCES_PER_SOURCE = 24
_MAX_SENTENCES = 96


def _sentences(text: str) -> list[str]:
    return [" ".join(s.split()) for s in _SENTENCES.split(text) if len(s.split()) >= 3][
        :_MAX_SENTENCES_PER_SOURCE
    ]


def answer_prompt(
    question: str,
    chunks: list[RetrievedChunk],
    language: str = "en",
    sentence_scores: list[list[tuple[str, float]]] | None = None,
    floor: float = DEFAULT_FLOOR,
) -> str:
    sources = "\n\n".join(
        f"[{n}] {c.document_title}"
        + (f", p. {c.page}" if c.page else "")
        + (f" — {c.heading}" if c.heading else "")
        + f"\n{c.text}"
        for n, c in enumerate(chunks, start=1)
    )
    facts: dict[str, Any] = {
        "question": question,
        "language": language,
        "floor": floor,
        "sources": [
            {
                "n": n,
                "text": c.text,
                "sentences": sentence_scores[n - 1] if sentence_scores else None,
            }
            for n, c in enumerate(chunks, start=1)
        ],
    }
    name = _LANGUAGE_NAMES.get(language, "the language of the question")
    return (
        f"Question: {question}\n\nSources:\n{sources}\n\nAnswer in {name}.\n\n"
        + facts_block(facts)
    )


async def _sentence_scores(
    gateway: LLMGateway, question: str, chunks: list[RetrievedChunk], ctx: CallContext
) -> list[list[tuple[str, float]]]:
    """Cosine similarity of each source sentence to the question. Only for
    the offline engine, which cannot read: the multilingual embedder lets it
    find the sentence that answers a Polish question in an English text."""
    per_source = [_sentences(c.text) for c in chunks]
    flat = [s for sentences in per_source for s in sentences][:_MAX_SENTENCES]
    if not flat:
        return [[] for _ in chunks]
    vectors = await gateway.embed([question, *flat], ctx, flow="knowledge.embed")
    asked, rest = vectors[0], vectors[1:]
    scores = iter(_cosine(asked, v) for v in rest)
    scored: list[list[tuple[str, float]]] = []
    budget = len(flat)
    for sentences in per_source:
        taken = sentences[:budget]
        budget -= len(taken)
        scored.append([(s, round(next(scores), 4)) for s in taken])
    return scored


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


async def answer_question(
    gateway: LLMGateway,
    question: str,
    chunks: list[RetrievedChunk],
    ctx: CallContext,
    *,
    language: str = "en",
    floor: float = DEFAULT_FLOOR,
) -> Answer:
    """Answer from `chunks` (already filtered to what may be cited) in the
    project's `language`; `floor` is the embedder's relevance floor."""
    if not chunks:
        return Answer(question, False, not_found(language), [], None)
    route = await gateway.route("knowledge.answer", ctx)
    scores = None
    if route.provider == "offline":
        scores = await _sentence_scores(gateway, question, chunks, ctx)
    result = await gateway.generate(
        "knowledge.answer",
        GroundedAnswer,
        system=SYSTEM,
        prompt=answer_prompt(question, chunks, language, scores, floor),
        ctx=ctx,
        prompt_version=PROMPT_VERSION,
    )
    output = result.output
    shown = set(range(1, len(chunks) + 1))
    # Numbered as the reader sees them: [1], [2], [3] in order of first
    # mention, whatever the source numbers were.
    order: list[int] = []
    for number in [int(m) for m in _MARKER.findall(output.answer)] + list(
        output.citations
    ):
        if number in shown and number not in order:
            order.append(number)
    if not output.found or not order:
        return Answer(question, False, not_found(language), [], result.generated_by)
    renumber = {old: new for new, old in enumerate(order, start=1)}
    # Markers pointing at sources the model was not shown are removed.
    text = _MARKER.sub(
        lambda m: (
            f"[{renumber[int(m.group(1))]}]" if int(m.group(1)) in renumber else ""
        ),
        output.answer,
    )
    text = re.sub(r"[ \t]{2,}", " ", text).strip()
    return Answer(
        question,
        True,
        text,
        [(renumber[old], chunks[old - 1]) for old in order],
        result.generated_by,
    )


# ---- offline engine -----------------------------------------------------------


@offline_composer("knowledge.answer")
def offline_answer(offline_input: OfflineInput) -> dict[str, Any]:
    """Quotes the source sentences that answer best: those close to the
    question in meaning (when scored) or sharing enough of its content words,
    each with its citation; "not in the documents" when none does. Framed in
    the project's language; the quotes stay in the documents' words."""
    facts = offline_input.facts
    language = str(facts.get("language", "en"))
    question = str(facts.get("question", ""))
    floor = float(facts.get("floor", DEFAULT_FLOOR))
    wanted = content_stems(question)
    needed = 1 if len(wanted) <= 2 else 2
    candidates: list[tuple[float, int, int, str]] = []
    for source in facts.get("sources", []):
        n = int(source.get("n", 0))
        scored = source.get("sentences")
        if scored is None:
            scored = [[s, None] for s in _sentences(str(source.get("text", "")))]
        for index, (sentence, score) in enumerate(scored):
            overlap = len(wanted & content_stems(str(sentence)))
            close = score is not None and float(score) >= floor
            if overlap >= needed or close:
                rank = float(score or 0.0) + 0.1 * overlap
                candidates.append((rank, -n, -index, str(sentence)))
    if not candidates:
        return {"found": False, "answer": not_found(language), "citations": []}
    best = sorted(candidates, reverse=True)[:3]
    parts = [f"{sentence} [{-neg_n}]" for _, neg_n, _, sentence in best]
    return {
        "found": True,
        "answer": _ACCORDING.get(language, _ACCORDING["en"]) + " " + " ".join(parts),
        "citations": sorted({-neg_n for _, neg_n, _, _ in best}),
    }
