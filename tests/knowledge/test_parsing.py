"""Parsers keep what a citation needs: text, pages and headings."""

from __future__ import annotations

import pytest

from sight.knowledge.errors import CorruptDocument, EmptyDocument, EncryptedDocument
from sight.knowledge.parsing import parse
from tests.knowledge.documents import MARKET_PAGES, encrypt_pdf, make_docx, make_pdf


def test_pdf_keeps_pages_title_and_headings() -> None:
    parsed = parse(make_pdf(MARKET_PAGES, title="Plant milk report"), "pdf")
    assert parsed.title == "Plant milk report"
    assert parsed.pages == 3
    headings = [(b.text, b.page, b.level) for b in parsed.blocks if b.level]
    assert ("PLANT MILK MARKET IN POLAND", 1, 1) in headings
    assert ("2. Prices", 2, 2) in headings
    prices = next(b for b in parsed.blocks if "9.90 PLN" in b.text)
    assert prices.page == 2


def test_encrypted_pdf_is_refused_with_the_reason() -> None:
    with pytest.raises(EncryptedDocument, match="password"):
        parse(encrypt_pdf(make_pdf(MARKET_PAGES)), "pdf")


def test_pdf_with_only_an_owner_password_is_read() -> None:
    from io import BytesIO

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(BytesIO(make_pdf(MARKET_PAGES))))
    writer.encrypt(user_password="", owner_password="owner-only-9")
    out = BytesIO()
    writer.write(out)
    assert parse(out.getvalue(), "pdf").pages == 3


def test_truncated_pdf_is_corrupt() -> None:
    pdf = make_pdf(MARKET_PAGES)
    with pytest.raises(CorruptDocument, match="cannot be read"):
        parse(pdf[: len(pdf) // 3], "pdf")


def test_pdf_without_text_says_so() -> None:
    with pytest.raises(EmptyDocument, match="scanned"):
        parse(make_pdf([[], []]), "pdf")


def test_docx_headings_title_tables_and_page_breaks() -> None:
    import io

    import docx

    data = make_docx(
        [("Intro", 1), ("Body one.", 0), ("Market", 1), ("Body two.", 0)],
        title="Study",
        page_breaks=True,
    )
    document = docx.Document(io.BytesIO(data))
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Share"
    table.rows[0].cells[1].text = "34%"
    out = io.BytesIO()
    document.save(out)
    parsed = parse(out.getvalue(), "docx")
    assert parsed.title == "Study"
    assert parsed.pages == 2
    assert [(b.text, b.level, b.page) for b in parsed.blocks[:4]] == [
        ("Intro", 1, 1),
        ("Body one.", 0, 1),
        ("Market", 1, 2),
        ("Body two.", 0, 2),
    ]
    assert parsed.blocks[-1].text == "Share | 34%"


def test_corrupt_docx_is_refused() -> None:
    data = make_docx([("Text", 0)])
    with pytest.raises(CorruptDocument):
        parse(data[:400], "docx")


def test_markdown_headings_front_matter_and_inline_markup() -> None:
    text = (
        b"---\ntitle: ignored\n---\n# Report\n\nSee **bold** and [a link](http://x).\n"
        b"\nSetext section\n--------------\n\n```\n# not a heading\n```\n"
    )
    parsed = parse(text, "markdown")
    assert parsed.title == "Report"
    assert [(b.text, b.level) for b in parsed.blocks] == [
        ("Report", 1),
        ("See bold and a link.", 0),
        ("Setext section", 2),
        ("# not a heading", 0),
    ]


def test_html_skips_scripts_and_keeps_headings() -> None:
    parsed = parse(
        b"<html><head><title>Page</title><style>p{}</style></head><body>"
        b"<nav>Menu</nav><h2>Findings</h2><p>Tea &amp; coffee</p>"
        b"<script>evil()</script></body></html>",
        "html",
    )
    assert parsed.title == "Page"
    assert [(b.text, b.level) for b in parsed.blocks] == [
        ("Findings", 2),
        ("Tea & coffee", 0),
    ]


def test_text_form_feeds_are_pages() -> None:
    parsed = parse(b"First page text.\fSecond page text.", "text")
    assert parsed.pages == 2
    assert [(b.text, b.page) for b in parsed.blocks] == [
        ("First page text.", 1),
        ("Second page text.", 2),
    ]


def test_whitespace_only_text_is_empty() -> None:
    with pytest.raises(EmptyDocument):
        parse(b"   \n\n  ", "text")
