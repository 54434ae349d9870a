"""What a file is, judged by its bytes (never by its name), and its language.

A `.pdf` that is really a PNG is rejected as an image; a text file named
`report.docx` is read as text. Legacy and encrypted Office files share the OLE2
container, so both get the same advice.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter

from sight.knowledge.errors import EmptyDocument, UnsupportedDocument

MEDIA_TYPES = ("pdf", "docx", "markdown", "text", "html")

_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"RIFF", "a RIFF media file"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x7fELF", "an executable"),
    (b"MZ", "an executable"),
    (b"{\\rtf", "an RTF document (save it as .docx or PDF)"),
)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html)\b", re.I | re.S)
_HTML_TAG = re.compile(
    r"<(html|head|body|p|div|h[1-6]|table|ul|article|section)\b", re.I
)
_MD_HEADING = re.compile(r"^#{1,6}\s+\S", re.M)
_MD_BULLETS = re.compile(r"^\s*[-*+]\s+\S", re.M)
# Markup that plain text does not have. Numbered and bulleted lines are no
# evidence: licences, e-mails and exported reports are full of them (the GPL
# text was read as Markdown because of its numbered sections).
_MD_SIGNALS = re.compile(
    r"^\s*```|\[[^\]\n]+\]\([^)\s]+\)|\*\*\S[^*\n]*\*\*|__\S[^_\n]*__"
    r"|`[^`\n]+`|^[^\n]+\n(?:={3,}|-{3,})[ \t]*$",
    re.M,
)


def detect_media_type(data: bytes) -> str:
    if not data.strip():
        raise EmptyDocument("the file is empty")
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if data.startswith(_OLE2):
        raise UnsupportedDocument(
            "this is a legacy Word/Excel file or a password-protected Office "
            "document; save it as an unprotected .docx (or PDF) and upload again"
        )
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            raise UnsupportedDocument(
                f"this file is {what}; upload PDF, DOCX, Markdown, HTML or text"
            )
    text = decode_text(data)
    if _HTML_START.match(data[:4096]) or len(_HTML_TAG.findall(text[:4096])) >= 2:
        return "html"
    head = text[:20000]
    markup = len(_MD_SIGNALS.findall(head))
    # Bullets count only next to real markup ("- [link](url)").
    if _MD_HEADING.search(head) or markup >= 3 or (markup and _MD_BULLETS.search(head)):
        return "markdown"
    return "text"


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        raise UnsupportedDocument(
            "the file looks like a ZIP archive or an Office document but cannot "
            "be opened (damaged?)"
        ) from None
    if "word/document.xml" in names:
        return "docx"
    if any(n.startswith(("xl/", "ppt/")) for n in names):
        raise UnsupportedDocument(
            "Excel and PowerPoint files are not supported; export them as PDF"
        )
    raise UnsupportedDocument("ZIP archives are not supported; upload the files")


def decode_text(data: bytes) -> str:
    """Text with its encoding guessed: BOMs, UTF-8, then Windows-1250 (the
    legacy Polish code page, which also reads ASCII and most Latin-1 text)."""
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            return _checked(data.decode(codec, errors="replace"))
    if b"\x00" in data[:8192]:
        raise UnsupportedDocument(
            "this is a binary file; upload PDF, DOCX, Markdown, HTML or text"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1250", errors="replace")
    return _checked(text)


def _checked(text: str) -> str:
    sample = text[:20000]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f")
    if sample and controls / len(sample) > 0.02:
        raise UnsupportedDocument(
            "this is a binary file; upload PDF, DOCX, Markdown, HTML or text"
        )
    # A stray NUL past the sniffed prefix: PostgreSQL cannot store it in text,
    # and it carries nothing a reader would miss.
    return text.replace("\x00", "")


# Frequent function words: enough to tell the languages apart on a page of text.
_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the and of to in is that for are with as on this by be".split()),
    "pl": frozenset("i w na się nie że do jest z to jak o od przez dla są".split()),
    "de": frozenset(
        "der die und das ist nicht mit den ein eine zu von für auf".split()
    ),
    "fr": frozenset("le la les et des est une dans pour que qui sur pas du".split()),
    "es": frozenset("el la los las y de que en es por para una con del se".split()),
    "it": frozenset("il la che di e per una sono con del della non gli le".split()),
    "pt": frozenset("o a os as e de que em para com uma não do da por".split()),
}

# The text-search configuration of languages without a PostgreSQL snowball
# dictionary (Polish among them): `simple` with `unaccent`. Defined here rather
# than in models.py so the parsing process does not import SQLAlchemy.
FALLBACK_TS_CONFIG = "sight_simple_unaccent"

_TS_CONFIG_BY_LANGUAGE = {
    "en": "english",
    "de": "german",
    "fr": "french",
    "es": "spanish",
    "it": "italian",
    "pt": "portuguese",
}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def detect_language(text: str, default: str = "pl") -> str:
    """ISO 639-1 code of the text's language, or `default` when unclear."""
    words = [w.lower() for w in _WORD.findall(text[:30000])]
    counts: Counter[str] = Counter()
    for word in words:
        for language, stopwords in _STOPWORDS.items():
            if word in stopwords:
                counts[language] += 1
    if not counts:
        return default
    language, hits = counts.most_common(1)[0]
    return language if hits >= 3 else default


def ts_config_for(language: str) -> str:
    """The PostgreSQL text-search configuration for an ISO language code."""
    return _TS_CONFIG_BY_LANGUAGE.get(language, FALLBACK_TS_CONFIG)
