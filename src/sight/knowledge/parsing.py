"""Files to structured text: blocks that keep page numbers and headings.

Every parser returns the same `ParsedDocument`: a title, a page count (None for
formats without pages) and `Block`s in reading order, each either a heading
(level 1-6) or body text with the page it is on. Chunking works on blocks only,
so it never needs to know the format.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from sight.knowledge.errors import (
    CorruptDocument,
    DocumentOverLimit,
    EmptyDocument,
    EncryptedDocument,
)
from sight.knowledge.sniffing import decode_text


@dataclass(frozen=True)
class Block:
    text: str
    page: int | None = None
    # 0 for body text, 1..6 for a heading of that level.
    level: int = 0


@dataclass
class ParsedDocument:
    media_type: str
    title: str | None
    pages: int | None
    blocks: list[Block] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks)


def parse(data: bytes, media_type: str, max_pages: int | None = None) -> ParsedDocument:
    """Blocks of a document. Runs in the parsing process (preparation.py),
    never in a process that serves HTTP."""
    if media_type == "pdf":
        parsed = parse_pdf(data, max_pages)
    else:
        parser = {
            "docx": parse_docx,
            "markdown": parse_markdown,
            "html": parse_html,
            "text": parse_text,
        }[media_type]
        parsed = parser(data)
    if not any(b.level == 0 and b.text.strip() for b in parsed.blocks):
        if media_type == "pdf":
            raise EmptyDocument(
                "no text could be extracted from the PDF (a scanned document? "
                "text recognition is not supported)"
            )
        raise EmptyDocument("the document contains no text")
    return parsed


_SPACES = re.compile(r"[ \t\u00a0]+")
_NUMBERED_HEADING = re.compile(r"^(\d+(?:\.\d+){0,3})\.?\s+\S.{0,80}$")


def _out_of_memory(exc: BaseException) -> bool:
    """lxml and zlib report a failed allocation (under the parsing process's
    memory limit) as a syntax or zlib error; it is a memory problem."""
    if isinstance(exc, MemoryError):
        return True
    text = str(exc).lower()
    return "memory" in text and ("alloc" in text or "out of" in text)


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs with hyphenated line ends rejoined."""
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text.replace("\r\n", "\n"))
    return [
        _clean(p.replace("\n", " ")) for p in re.split(r"\n\s*\n", text) if p.strip()
    ]


def _looks_like_heading(line: str) -> int:
    """Heading level of a stand-alone line of plain or PDF text, or 0."""
    line = line.strip()
    if not line or len(line) > 90 or line[-1] in ".,;:!?":
        return 0
    numbered = _NUMBERED_HEADING.match(line)
    if numbered:
        # Level 1 is left to ALL-CAPS titles: "1." chapters sit below them.
        return min(6, numbered.group(1).count(".") + 2)
    letters = [c for c in line if c.isalpha()]
    if len(letters) >= 4 and all(c.isupper() for c in letters):
        return 1
    return 0


# ---- PDF ----------------------------------------------------------------------


def parse_pdf(data: bytes, max_pages: int | None = None) -> ParsedDocument:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # Owner-password-only PDFs open with the empty user password.
            try:
                opened = bool(reader.decrypt(""))
            except (PyPdfError, NotImplementedError, ValueError):
                opened = False
            if not opened:
                raise EncryptedDocument(
                    "the PDF is password-protected; remove the password and "
                    "upload it again"
                )
        # The page tree is read without decoding any page content, so the
        # count is checked before the expensive part.
        count = len(reader.pages)
        if max_pages is not None and count > max_pages:
            raise DocumentOverLimit(
                f"the PDF has {count:,} pages; the limit is {max_pages:,} pages "
                "per document"
            )
        page_texts = [page.extract_text() or "" for page in reader.pages]
        outline = _pdf_outline(reader)
        title = _pdf_title(reader)
    except (EncryptedDocument, DocumentOverLimit):
        raise
    except Exception as exc:
        if _out_of_memory(exc):
            raise MemoryError from None
        # pypdf raises many exception types on damaged files; for the user it
        # is all the same: the bytes are not a readable PDF.
        raise CorruptDocument(
            f"the PDF cannot be read (damaged or incomplete: {type(exc).__name__})"
        ) from None
    blocks: list[Block] = []
    for number, text in enumerate(page_texts, start=1):
        headings = outline.get(number, {})
        body: list[str] = []
        for line in text.splitlines():
            key = _clean(line).lower()
            level = headings.get(key) or _looks_like_heading(line)
            if level:
                blocks.extend(Block(p, number) for p in _paragraphs("\n".join(body)))
                body = []
                blocks.append(Block(_clean(line), number, level))
            else:
                body.append(line)
        blocks.extend(Block(p, number) for p in _paragraphs("\n".join(body)))
    return ParsedDocument("pdf", title, len(page_texts), blocks)


def _pdf_outline(reader: Any) -> dict[int, dict[str, int]]:
    """Bookmarks as {page number: {lower-cased title: level}}."""
    found: dict[int, dict[str, int]] = {}

    def walk(items: list[Any], level: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
                continue
            try:
                page = reader.get_destination_page_number(item) + 1
            except Exception:  # noqa: S112 (a broken bookmark is not fatal)
                continue
            title = _clean(str(getattr(item, "title", "") or "")).lower()
            if title:
                found.setdefault(page, {})[title] = min(6, level)

    try:
        walk(list(reader.outline), 1)
    except Exception:  # noqa: S110 (bookmarks are optional)
        pass
    return found


def _pdf_title(reader: Any) -> str | None:
    try:
        meta = reader.metadata
        title = _clean(str(meta.title)) if meta and meta.title else ""
    except Exception:
        return None
    return title or None


# ---- DOCX ---------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def parse_docx(data: bytes) -> ParsedDocument:
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise CorruptDocument(
            f"the Word document cannot be read (damaged: {type(exc).__name__})"
        ) from None
    except Exception as exc:
        if _out_of_memory(exc):
            raise MemoryError from None
        raise CorruptDocument(
            f"the Word document cannot be read ({type(exc).__name__})"
        ) from None
    from docx.text.paragraph import Paragraph

    # One look-up table of style names: python-docx resolves `paragraph.style`
    # by searching the styles part each time, which made a 5,000-paragraph
    # document take seconds.
    style_names = _docx_style_names(document)
    blocks: list[Block] = []
    title = _clean(document.core_properties.title or "") or None
    body = document.element.body
    # Word records where it broke pages when it last laid the document out;
    # without those marks, explicit page breaks are the best evidence.
    rendered = f"{_W}lastRenderedPageBreak"
    use_rendered = next(body.iter(rendered), None) is not None

    def breaks(element: Any) -> int:
        if use_rendered:
            return sum(1 for _ in element.iter(rendered))
        return sum(1 for el in element.iter(f"{_W}br") if el.get(f"{_W}type") == "page")

    has_pages = breaks(body) > 0
    page = 1
    for element in body.iterchildren():
        if element.tag == f"{_W}p":
            paragraph = Paragraph(element, document._body)
            text = _clean(paragraph.text)
            if text:
                level = _docx_level(style_names.get(element.style or "", ""))
                if level == -1:
                    title = title or text
                    level = 1
                blocks.append(Block(text, page if has_pages else None, level))
            page += breaks(element)
        elif element.tag == f"{_W}tbl":
            for row in element.iter(f"{_W}tr"):
                cells = [
                    _clean("".join(t.text or "" for t in cell.iter(f"{_W}t")))
                    for cell in row.iter(f"{_W}tc")
                ]
                line = " | ".join(c for c in cells if c)
                if line:
                    blocks.append(Block(line, page if has_pages else None))
            page += breaks(element)
    return ParsedDocument("docx", title, page if has_pages else None, blocks)


def _docx_style_names(document: Any) -> dict[str, str]:
    """Paragraph style id → UI name ("Heading1" → "Heading 1"); a paragraph
    without a style id gets the default paragraph style ("Normal")."""
    names: dict[str, str] = {}
    try:
        for style in document.styles:
            if style.style_id:
                names[style.style_id] = style.name or ""
    except Exception:  # noqa: S110 (a damaged styles part: no headings then)
        pass
    return names


def _docx_level(style: str) -> int:
    """Heading level of a paragraph style; -1 for the document title."""
    if style == "Title":
        return -1
    match = re.match(r"(?:Heading|Nagłówek)\s*(\d)", style)
    return min(6, int(match.group(1))) if match else 0


# ---- Markdown and plain text ------------------------------------------------

_ATX = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)(?=\S)(.+?)(?<=\S)\1")


def _markdown_inline(text: str) -> str:
    return _EMPHASIS.sub(r"\2", _LINK.sub(r"\1", text))


def parse_markdown(data: bytes) -> ParsedDocument:
    text = decode_text(data).replace("\r\n", "\n")
    if text.startswith("---\n"):  # YAML front matter is metadata, not content
        end = text.find("\n---", 4)
        if end > 0:
            text = text[end + 4 :]
    lines = text.split("\n")
    blocks: list[Block] = []
    body: list[str] = []
    in_code = False

    def flush() -> None:
        for paragraph in _paragraphs("\n".join(body)):
            blocks.append(Block(_markdown_inline(paragraph)))
        body.clear()

    for index, line in enumerate(lines):
        if line.strip().startswith("```"):
            in_code = not in_code
            continue
        nxt = lines[index + 1] if index + 1 < len(lines) else ""
        atx = None if in_code else _ATX.match(line)
        if atx:
            flush()
            blocks.append(
                Block(_markdown_inline(atx.group(2)), None, len(atx.group(1)))
            )
        elif (
            not in_code
            and line.strip()
            and re.fullmatch(r"\s*(=+|-+)\s*", nxt)
            and not re.fullmatch(r"\s*(=+|-+)\s*", line)
        ):
            flush()
            blocks.append(Block(_clean(line), None, 1 if "=" in nxt else 2))
        elif not in_code and re.fullmatch(r"\s*(=+|-+)\s*", line) and body == []:
            continue  # the underline of a setext heading
        else:
            body.append(line)
    flush()
    title = next((b.text for b in blocks if b.level == 1), None)
    return ParsedDocument("markdown", title, None, blocks)


def parse_text(data: bytes) -> ParsedDocument:
    text = decode_text(data)
    # A form feed is a page break in text exported from other programs.
    pages = text.split("\f")
    blocks: list[Block] = []
    for number, page_text in enumerate(pages, start=1):
        page = number if len(pages) > 1 else None
        for paragraph in re.split(r"\n\s*\n", page_text.replace("\r\n", "\n")):
            lines = [ln for ln in paragraph.split("\n") if ln.strip()]
            if len(lines) == 1 and _looks_like_heading(lines[0]):
                blocks.append(
                    Block(_clean(lines[0]), page, _looks_like_heading(lines[0]))
                )
            elif lines:
                blocks.extend(Block(p, page) for p in _paragraphs("\n".join(lines)))
    return ParsedDocument("text", None, len(pages) if len(pages) > 1 else None, blocks)


# ---- HTML ---------------------------------------------------------------------

_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "head", "nav"})
_BLOCK = frozenset(
    "p div li tr br section article blockquote pre td th dd dt figcaption "
    "header footer main aside ul ol table form".split()
)


class _HTMLBlocks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.title: str | None = None
        self._buffer: list[str] = []
        self._skip = 0
        self._heading = 0
        self._in_title = False

    def _flush(self) -> None:
        text = _clean(" ".join(self._buffer))
        self._buffer.clear()
        if text:
            self.blocks.append(Block(text, None, self._heading))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        if tag in _SKIP:
            self._skip += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self._heading = int(tag[1])
        elif tag in _BLOCK:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self._heading = 0
        elif tag in _BLOCK:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = _clean(data) or self.title
        elif not self._skip:
            self._buffer.append(data)


def parse_html(data: bytes) -> ParsedDocument:
    parser = _HTMLBlocks()
    parser.feed(decode_text(data))
    parser.close()
    parser._flush()
    title = parser.title or next((b.text for b in parser.blocks if b.level == 1), None)
    return ParsedDocument("html", title, None, parser.blocks)
