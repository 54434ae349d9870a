"""Answers grounded in retrieved chunks, with numbered citations.

The model sees the question and the top chunks numbered [1]..[n] and must
either answer citing them or say the documents do not contain the answer.
Citations are checked against what it was shown: an answer without a valid
citation is reported as not found rather than passed off as grounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from sight.knowledge.highlight import fold, query_terms
from sight.knowledge.retrieval import RetrievedChunk
from sight.llm.gateway import LLMGateway
from sight.llm.providers.offline import OfflineInput, facts_block, offline_composer
from sight.llm.types import CallContext

PROMPT_VERSION = "knowledge.answer/1"
NOT_FOUND = "The documents in this project do not contain the answer to this question."

SYSTEM = (
    "You answer a market researcher's question using ONLY the numbered sources "
    "from their documents. Cite every statement with the source numbers in "
    "square brackets, like [1] or [2][3]. If the sources do not contain the "
    "answer, set found to false and say so; never use outside knowledge. Answer "
    "in the language of the question."
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
    citations: list[tuple[int, RetrievedChunk]]
    generated_by: str | None


_MARKER = re.compile(r"\[(\d{1,3})\]")


def answer_prompt(question: str, chunks: list[RetrievedChunk]) -> str:
    sources = "\n\n".join(
        f"[{n}] {c.document_title}"
        + (f", p. {c.page}" if c.page else "")
        + (f" — {c.heading}" if c.heading else "")
        + f"\n{c.text}"
        for n, c in enumerate(chunks, start=1)
    )
    facts = {
        "question": question,
        "sources": [{"n": n, "text": c.text} for n, c in enumerate(chunks, start=1)],
    }
    return f"Question: {question}\n\nSources:\n{sources}\n\n" + facts_block(facts)


async def answer_question(
    gateway: LLMGateway,
    question: str,
    chunks: list[RetrievedChunk],
    ctx: CallContext,
) -> Answer:
    if not chunks:
        return Answer(question, False, NOT_FOUND, [], None)
    result = await gateway.generate(
        "knowledge.answer",
        GroundedAnswer,
        system=SYSTEM,
        prompt=answer_prompt(question, chunks),
        ctx=ctx,
        prompt_version=PROMPT_VERSION,
    )
    output = result.output
    shown = set(range(1, len(chunks) + 1))
    cited = [n for n in output.citations if n in shown]
    cited += [int(m) for m in _MARKER.findall(output.answer) if int(m) in shown]
    numbers = sorted(set(cited))
    if not output.found or not numbers:
        return Answer(question, False, NOT_FOUND, [], result.generated_by)
    # Markers pointing at sources the model was not shown are removed.
    text = _MARKER.sub(
        lambda m: m.group(0) if int(m.group(1)) in shown else "", output.answer
    ).strip()
    return Answer(
        question,
        True,
        text,
        [(n, chunks[n - 1]) for n in numbers],
        result.generated_by,
    )


# ---- offline engine -----------------------------------------------------------

_STOP = frozenset(
    fold(w)
    for w in (
        "what which who whom whose when where why how does did have has the and "
        "for with from that this are was were about into their there they them "
        "czy jak jaki jaka jakie kto gdzie kiedy dlaczego ile się oraz jest są "
        "który która które dla przez".split()
    )
)
_SENTENCES = re.compile(r"(?<=[.!?])\s+")


def _stems(text: str) -> set[str]:
    return {
        fold(t)[:5] for t in query_terms(text) if len(t) > 2 and fold(t) not in _STOP
    }


@offline_composer("knowledge.answer")
def offline_answer(offline_input: OfflineInput) -> dict[str, Any]:
    """The sources' sentences sharing the most words with the question, each
    with its citation; "not found" when no sentence shares enough of them."""
    question = str(offline_input.facts.get("question", ""))
    wanted = _stems(question)
    scored: list[tuple[int, int, int, str]] = []
    for source in offline_input.facts.get("sources", []):
        n = int(source.get("n", 0))
        for index, sentence in enumerate(_SENTENCES.split(str(source.get("text", "")))):
            overlap = len(wanted & _stems(sentence))
            if overlap:
                scored.append((overlap, -n, -index, sentence.strip()))
    needed = 1 if len(wanted) <= 2 else 2
    best = sorted(scored, reverse=True)[:3]
    if not best or best[0][0] < needed:
        return {"found": False, "answer": NOT_FOUND, "citations": []}
    parts = [f"{sentence} [{-neg_n}]" for _, neg_n, _, sentence in best]
    return {
        "found": True,
        "answer": "According to the documents: " + " ".join(parts),
        "citations": sorted({-neg_n for _, neg_n, _, _ in best}),
    }
