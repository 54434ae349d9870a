"""Blocks to chunks: about `target` tokens each, `overlap` tokens repeated
between neighbours, along the document's structure.

Tokens are approximated as characters / 4 (the usual rule of thumb for
BPE tokenizers on English; Polish runs closer to characters / 3, so Polish
chunks hold about a quarter fewer words than English ones, which is harmless).
No tokenizer is loaded: chunking must not depend on which model embeds.

Rules, in order of priority:
1. a chunk never spans two sections (a heading starts a new chunk; overlap is
   taken from the same section only), so a citation's heading is always right;
2. chunks end at sentence ends; a sentence longer than `target` is split at
   word boundaries;
3. each chunk keeps the pages it spans (`page`..`page_end`).
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass

from sight.knowledge.parsing import Block

DEFAULT_TARGET_TOKENS = 400
DEFAULT_OVERLAP_TOKENS = 60

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"'„«(\[]?[A-ZÀ-ÖØ-ÞĄĆĘŁŃÓŚŹŻ0-9])")


def approx_tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4))


@dataclass(frozen=True)
class ChunkDraft:
    ordinal: int
    text: str
    heading: str
    page: int | None
    page_end: int | None
    tokens: int

    def chunk_id(self, document_id: uuid.UUID) -> uuid.UUID:
        """Stable across re-runs of the same document: writes are upserts."""
        return uuid.uuid5(document_id, f"chunk:{self.ordinal}")

    @property
    def embedding_text(self) -> str:
        # The section title gives a short paragraph the context it lacks.
        return f"{self.heading}\n{self.text}" if self.heading else self.text


@dataclass(frozen=True)
class _Unit:
    text: str
    page: int | None
    tokens: int
    paragraph_start: bool


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def _split_long(sentence: str, target: int) -> list[str]:
    words = sentence.split()
    pieces: list[str] = []
    current: list[str] = []
    for word in words:
        if current and approx_tokens(" ".join([*current, word])) > target:
            pieces.append(" ".join(current))
            current = []
        current.append(word)
    if current:
        pieces.append(" ".join(current))
    return pieces


def _units(block: Block, target: int) -> list[_Unit]:
    units: list[_Unit] = []
    for sentence in _sentences(block.text):
        for piece in _split_long(sentence, target):
            units.append(_Unit(piece, block.page, approx_tokens(piece), not units))
    return units


def chunk_blocks(
    blocks: list[Block],
    target: int = DEFAULT_TARGET_TOKENS,
    overlap: int = DEFAULT_OVERLAP_TOKENS,
) -> list[ChunkDraft]:
    if overlap >= target:
        raise ValueError("overlap must be smaller than the chunk size")
    chunks: list[ChunkDraft] = []
    headings: dict[int, str] = {}
    section: list[_Unit] = []

    def heading_path() -> str:
        return " > ".join(headings[level] for level in sorted(headings))

    def flush_section() -> None:
        for text, pages, tokens in _pack(section, target, overlap):
            known = [p for p in pages if p is not None]
            chunks.append(
                ChunkDraft(
                    ordinal=len(chunks),
                    text=text,
                    heading=heading_path(),
                    page=min(known) if known else None,
                    page_end=max(known) if known else None,
                    tokens=tokens,
                )
            )
        section.clear()

    for block in blocks:
        if block.level:
            flush_section()
            headings = {lvl: t for lvl, t in headings.items() if lvl < block.level}
            headings[block.level] = block.text
        else:
            section.extend(_units(block, target))
    flush_section()
    return chunks


def _pack(
    units: list[_Unit], target: int, overlap: int
) -> list[tuple[str, list[int | None], int]]:
    packed: list[tuple[str, list[int | None], int]] = []
    current: list[_Unit] = []
    fresh = 0  # units in `current` not carried over from the previous chunk

    def emit() -> None:
        text = ""
        for unit in current:
            sep = "\n\n" if unit.paragraph_start and text else " "
            text = f"{text}{sep}{unit.text}" if text else unit.text
        packed.append((text, [u.page for u in current], approx_tokens(text)))

    for unit in units:
        size = sum(u.tokens for u in current)
        if current and fresh and size + unit.tokens > target:
            emit()
            current = _tail(current, overlap)
            fresh = 0
            # An overlap that leaves no room for the next unit is dropped.
            if sum(u.tokens for u in current) + unit.tokens > target:
                current = []
        current.append(unit)
        fresh += 1
    if current and fresh:
        emit()
    return packed


def _tail(units: list[_Unit], overlap: int) -> list[_Unit]:
    """The last whole sentences of a chunk that fit in `overlap` tokens."""
    tail: list[_Unit] = []
    total = 0
    for unit in reversed(units):
        if total + unit.tokens > overlap:
            break
        tail.insert(0, unit)
        total += unit.tokens
    if tail:
        return tail
    # The last sentence alone is longer than the overlap: repeat its end.
    words = units[-1].text.split()
    kept: list[str] = []
    while words and approx_tokens(" ".join([words[-1], *kept])) <= overlap:
        kept.insert(0, words.pop())
    if not kept:
        return []
    text = " ".join(kept)
    return [_Unit(text, units[-1].page, approx_tokens(text), False)]
