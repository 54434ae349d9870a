"""Snippets are safe HTML with the query's words marked."""

from __future__ import annotations

from sight.knowledge.highlight import fold, highlight, marked_to_html, query_terms


def test_highlight_marks_prefix_matches_and_escapes() -> None:
    text = "Consumers <b>love</b> oat drinks; the consumer panel agreed & signed."
    snippet = highlight(text, "consumers oat")
    assert "<mark>Consumers</mark>" in snippet
    assert "<mark>consumer</mark>" in snippet
    assert "&lt;b&gt;love&lt;/b&gt;" in snippet
    assert "&amp;" in snippet


def test_highlight_picks_the_window_with_most_matches() -> None:
    text = " ".join(["filler"] * 100 + ["pistachio", "drink"] + ["filler"] * 100)
    snippet = highlight(text, "pistachio drink", words=10)
    assert "<mark>pistachio</mark>" in snippet
    assert snippet.startswith("… ")
    assert snippet.endswith(" …")


def test_terms_and_folding() -> None:
    assert query_terms('oat "milk" OR oat (price)') == ["oat", "milk", "OR", "price"]
    assert fold("Żółć Łódź") == "zolc lodz"
    assert marked_to_html("a < b \x02c\x03") == "a &lt; b <mark>c</mark>"


def test_highlight_folds_non_ascii_words_and_keeps_the_first_best_window() -> None:
    # Non-ASCII words still go through fold(); ASCII ones take the fast path.
    snippet = highlight("Konsumenci z Łodzi kupują mleko owsiane", "lodzi mleko")
    assert (
        snippet == "Konsumenci z <mark>Łodzi</mark> kupują <mark>mleko</mark> owsiane"
    )
    # Two windows with one match each: the earlier one wins, as before.
    text = " ".join(["oat"] + ["x"] * 10 + ["oat"] + ["x"] * 10)
    snippet = highlight(text, "oat", words=5)
    assert snippet.startswith("<mark>oat</mark> x x x x")
    assert snippet.endswith(" …")
