"""Checking that every quoted span exists verbatim in the transcript.

A model's quote is accepted only as a span of the stored answer text. Small
slips are repaired to the real span (different case or spacing, typographic
quote marks, an ellipsis, a wrong response id); a quote with no close match
anywhere is dropped, and an insight left without evidence is dropped too. The
stored quote is always `text[start:end]` of the answer it names.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from difflib import SequenceMatcher

from sight.analysis.inputs import AnswerRecord, GroupRecord
from sight.analysis.schemas import Evidence, EvidenceDraft

# A fuzzy match must cover this share of the quote (and at least MIN_CHARS).
MIN_SHARE = 0.7
MIN_CHARS = 12
_TRIM = " \t\n\"'„”“‚‘’«»…."  # noqa: RUF001 (typographic quote marks)


# Typographic marks a model may swap for plain ones (or back); one character
# for one, so offsets found in the folded text hold for the original.
_FOLD = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
     "\u2013": "-", "\u2014": "-"}
)  # fmt: skip


@dataclass
class QuoteStats:
    checked: int = 0
    repaired: int = 0
    dropped: int = 0


def _widen(text: str, start: int, end: int) -> tuple[int, int]:
    """Extend a span to whole words."""
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return start, end


def locate(quote: str, text: str) -> tuple[int, int, bool] | None:
    """(start, end, exact) of the quote in the text, or None."""
    if quote and (at := text.find(quote)) >= 0:
        return at, at + len(quote), True
    text, quote = text.translate(_FOLD), quote.translate(_FOLD)
    core = quote.strip(_TRIM)
    # An ellipsis inside means the model skipped words: keep the longest part.
    core = max(re.split(r"\s*(?:\.\.\.|…)\s*", core), key=len).strip(_TRIM)
    if len(core) < 3:
        return None
    words = core.split()
    pattern = r"\s+".join(re.escape(w) for w in words)
    match = re.search(pattern, text, flags=re.IGNORECASE)
    if match:
        return match.start(), match.end(), False
    matcher = SequenceMatcher(None, text.lower(), core.lower(), autojunk=False)
    block = matcher.find_longest_match(0, len(text), 0, len(core))
    if block.size >= max(MIN_CHARS, MIN_SHARE * len(core)):
        start, end = _widen(text, block.a, block.a + block.size)
        return start, end, False
    return None


def check_evidence(
    group: GroupRecord, drafts: list[EvidenceDraft], stats: QuoteStats
) -> list[Evidence]:
    """The drafts that hold, each as the real span; repaired where possible."""
    by_id = {str(a.id): a for a in group.answers}
    evidence: list[Evidence] = []
    seen: set[tuple[uuid.UUID, int]] = set()
    for draft in drafts:
        stats.checked += 1
        found = _find(by_id.get(draft.response_id.strip()), draft.quote)
        if found is None:
            # The model may have cited the wrong answer: look everywhere.
            for answer in group.answers:
                found = _find(answer, draft.quote)
                if found is not None:
                    found = (found[0], found[1], found[2], False)
                    break
        if found is None:
            stats.dropped += 1
            continue
        answer, start, end, exact = found
        if not exact:
            stats.repaired += 1
        if (answer.id, start) in seen:
            continue
        seen.add((answer.id, start))
        evidence.append(
            Evidence(
                response_id=answer.id,
                persona_id=answer.persona_id,
                persona_name=answer.persona_name,
                question_index=answer.question_index,
                quote=answer.text[start:end],
                start=start,
                end=end,
            )
        )
    return evidence


def _find(
    answer: AnswerRecord | None, quote: str
) -> tuple[AnswerRecord, int, int, bool] | None:
    if answer is None:
        return None
    located = locate(quote, answer.text)
    if located is None:
        return None
    start, end, exact = located
    return answer, start, end, exact
