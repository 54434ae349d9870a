"""Chunks: sized by approximate tokens, overlapping, never across headings."""

from __future__ import annotations

import itertools
import uuid

import pytest

from sight.knowledge.chunking import approx_tokens, chunk_blocks
from sight.knowledge.parsing import Block


def _sentences(count: int, page: int | None = None, word: str = "alpha") -> Block:
    text = " ".join(f"Sentence {i} says {word} things here." for i in range(count))
    return Block(text, page)


def test_long_sections_split_with_overlap_and_stay_under_target() -> None:
    blocks = [Block("Chapter", None, 1), _sentences(60, page=4)]
    chunks = chunk_blocks(blocks, target=100, overlap=20)
    assert len(chunks) > 3
    assert all(c.tokens <= 100 for c in chunks)
    assert all(c.heading == "Chapter" for c in chunks)
    assert all(c.page == 4 for c in chunks)
    for before, after in itertools.pairwise(chunks):
        # The next chunk opens with the last sentences of the previous one.
        opening = after.text.split(". ")[0] + "."
        closing = before.text.split(". ")[-1]
        assert opening in before.text
        assert closing in after.text
        assert after.text != before.text


def test_headings_start_new_chunks_and_nest() -> None:
    blocks = [
        Block("Report", None, 1),
        Block("Consumers", None, 2),
        _sentences(2, word="beta"),
        Block("Prices", None, 2),
        _sentences(2, word="gamma"),
    ]
    chunks = chunk_blocks(blocks, target=400, overlap=60)
    assert [c.heading for c in chunks] == ["Report > Consumers", "Report > Prices"]
    assert "gamma" not in chunks[0].text
    assert "beta" not in chunks[1].text  # no overlap across a heading


def test_pages_are_spanned() -> None:
    chunks = chunk_blocks([_sentences(3, page=1), _sentences(3, page=2)], target=400)
    [chunk] = chunks
    assert (chunk.page, chunk.page_end) == (1, 2)


def test_a_giant_sentence_is_cut_at_words() -> None:
    giant = Block(" ".join(["word"] * 1000))
    chunks = chunk_blocks([giant], target=100, overlap=10)
    assert all(c.tokens <= 100 for c in chunks)
    assert sum(len(c.text.split()) for c in chunks) >= 1000


def test_ids_are_stable_and_embedding_text_has_heading() -> None:
    chunks = chunk_blocks([Block("Intro", None, 1), _sentences(2)])
    document = uuid.uuid4()
    assert chunks[0].chunk_id(document) == chunk_blocks(
        [Block("Intro", None, 1), _sentences(2)]
    )[0].chunk_id(document)
    assert chunks[0].embedding_text.startswith("Intro\n")


def test_tokens_are_characters_over_four() -> None:
    assert approx_tokens("a" * 400) == 100
    with pytest.raises(ValueError, match="overlap"):
        chunk_blocks([], target=50, overlap=50)
