"""From stored bytes to chunk drafts: limits → parse → language → chunks.

Everything here is CPU work on user-sized input, so it runs in a parsing
process (`sandbox.py`), never on the event loop of a process that serves HTTP.
The limits are checked before the expensive part: a .docx is a ZIP whose
members' unpacked sizes are declared in its directory (and `zipfile` never
unpacks more than declared), its paragraphs are counted by streaming
`word/document.xml`, a PDF's pages are counted from its page tree; the time
and memory limits are enforced by the parsing process itself.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sight.knowledge.chunking import ChunkDraft, chunk_blocks
from sight.knowledge.errors import CorruptDocument, DocumentOverLimit
from sight.knowledge.parsing import parse
from sight.knowledge.sniffing import decode_text, detect_language

if TYPE_CHECKING:
    # (type only: sight.config imports pydantic-settings, which the parsing
    # process does not need)
    from sight.knowledge.config import KnowledgeSettings

MB = 1024 * 1024


@dataclass(frozen=True)
class ParseLimits:
    unpacked_bytes: int
    paragraphs: int
    pages: int
    seconds: float
    memory_bytes: int

    @classmethod
    def from_settings(cls, settings: KnowledgeSettings) -> ParseLimits:
        return cls(
            unpacked_bytes=int(settings.max_unpacked_mb * MB),
            paragraphs=settings.max_paragraphs,
            pages=settings.max_pages,
            seconds=settings.parse_timeout_seconds,
            memory_bytes=settings.parse_memory_mb * MB,
        )


@dataclass(frozen=True)
class PreparedDocument:
    title: str | None
    pages: int | None
    language: str
    words: int
    paragraphs: int
    drafts: list[ChunkDraft]

    def describe(self) -> str:
        """What was read, in a researcher's words: "3 pages, 27 passages" or
        "a text of 4,200 words in 27 passages"."""
        passages = _plural(len(self.drafts), "passage")
        if self.pages:
            return f"{_plural(self.pages, 'page')}, {passages}"
        return f"a text of {_plural(self.words, 'word')} in {passages}"


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def prepare_document(
    data: bytes,
    media_type: str,
    *,
    default_language: str,
    chunk_tokens: int,
    overlap_tokens: int,
    limits: ParseLimits,
) -> PreparedDocument:
    check_limits(data, media_type, limits)
    parsed = parse(data, media_type, max_pages=limits.pages)
    paragraphs = sum(1 for b in parsed.blocks if b.level == 0)
    if len(parsed.blocks) > limits.paragraphs:
        raise _too_many_paragraphs(len(parsed.blocks), limits)
    text = parsed.text
    drafts = chunk_blocks(parsed.blocks, chunk_tokens, overlap_tokens)
    return PreparedDocument(
        title=parsed.title,
        pages=parsed.pages,
        language=detect_language(text, default=default_language),
        words=len(text.split()),
        paragraphs=paragraphs,
        drafts=drafts,
    )


def _too_many_paragraphs(count: int, limits: ParseLimits) -> DocumentOverLimit:
    return DocumentOverLimit(
        f"the document has {count:,} or more paragraphs; the limit is "
        f"{limits.paragraphs:,} paragraphs per document"
    )


# Paragraph openings: `<w:p>`, `<w:p w:rsidR=…>`, `<w:p/>` (not `<w:pPr>`).
_DOCX_PARAGRAPH = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?p[\s/>]")
_TEXT_PARAGRAPH = re.compile(r"\n[ \t\r\f]*\n")
_HTML_BLOCK = re.compile(r"<(?:p|div|li|tr|br|h[1-6]|td|th|dd|dt|pre)\b", re.I)


def check_limits(data: bytes, media_type: str, limits: ParseLimits) -> None:
    """Refuse, before parsing, what would exceed a limit. PDF pages are
    counted by the PDF parser before it extracts any text."""
    if media_type == "docx":
        _check_docx(data, limits)
    elif media_type in ("text", "markdown", "html"):
        text = decode_text(data)
        pattern = _HTML_BLOCK if media_type == "html" else _TEXT_PARAGRAPH
        count = sum(1 for _ in pattern.finditer(text))
        if count > limits.paragraphs:
            raise _too_many_paragraphs(count, limits)


def _check_docx(data: bytes, limits: ParseLimits) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise CorruptDocument("the Word document cannot be read (damaged)") from None
    with archive:
        unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > limits.unpacked_bytes:
            raise DocumentOverLimit(
                f"the Word document unpacks to {unpacked / MB:,.0f} MB; the limit "
                f"is {limits.unpacked_bytes / MB:,.0f} MB of unpacked content per "
                "document"
            )
        try:
            member = archive.open("word/document.xml")
        except KeyError:
            raise CorruptDocument(
                "the Word document cannot be read (no document body)"
            ) from None
        count = 0
        tail = b""
        with member:
            while block := member.read(1 << 20):
                # A tag split across two reads is seen once: the tail is
                # shorter than any match.
                window = tail + block
                count += len(_DOCX_PARAGRAPH.findall(window))
                tail = window[-5:]
                count -= len(_DOCX_PARAGRAPH.findall(tail))
                if count > limits.paragraphs:
                    raise _too_many_paragraphs(count, limits)
