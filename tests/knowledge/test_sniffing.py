"""File types come from the bytes, never the name; language from the words."""

from __future__ import annotations

import io
import zipfile

import pytest

from sight.knowledge.errors import EmptyDocument, UnsupportedDocument
from sight.knowledge.sniffing import (
    decode_text,
    detect_language,
    detect_media_type,
    ts_config_for,
)
from tests.knowledge.documents import MARKET_PAGES, make_docx, make_pdf


def _zip(names: list[str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "x")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (make_pdf(MARKET_PAGES), "pdf"),
        (make_docx([("Hello", 0)]), "docx"),
        (b"# Title\n\ntext", "markdown"),
        (b"- one\n- two\n- [link](http://x)\n", "markdown"),
        (b"<!DOCTYPE html><html><body><p>x</p></body></html>", "html"),
        (b"<div><p>fragment</p></div>", "html"),
        (b"Plain notes about oat milk.", "text"),
    ],
)
def test_kinds(data: bytes, kind: str) -> None:
    assert detect_media_type(data) == kind


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\nrest", "PNG"),
        (b"\xff\xd8\xff\xe0JFIF", "JPEG"),
        (_zip(["xl/workbook.xml"]), "Excel"),
        (_zip(["a.txt"]), "ZIP"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "legacy"),
        (b"PK\x03\x04broken", "cannot be opened"),
        (bytes(range(256)) * 4, "binary"),
    ],
)
def test_unsupported_files_say_what_they_are(data: bytes, message: str) -> None:
    with pytest.raises(UnsupportedDocument, match=message):
        detect_media_type(data)


def test_empty_is_not_unsupported() -> None:
    with pytest.raises(EmptyDocument):
        detect_media_type(b" \n\t ")


def test_legacy_polish_encoding_is_read() -> None:
    assert decode_text("Zażółć gęślą jaźń".encode("cp1250")) == "Zażółć gęślą jaźń"
    assert decode_text("\ufeffkawa".encode("utf-8")) == "kawa"


def test_language_and_text_search_configuration() -> None:
    assert (
        detect_language("The market for oat milk is growing and the share of") == "en"
    )
    polish = "Rynek napojów roślinnych w Polsce rośnie i jest to trend, który się"
    assert detect_language(polish, default="en") == "pl"
    assert detect_language("12 34 56", default="de") == "de"
    assert ts_config_for("en") == "english"
    assert ts_config_for("pl") == "sight_simple_unaccent"
