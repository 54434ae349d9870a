"""A `Report` as DOCX (python-docx): Word heading styles (navigation pane), a
table-of-contents field Word fills in on opening, page numbers in the footer,
charts as PNG (DOCX has no portable vector chart format python-docx writes).

CPU work: called in a worker thread, never on the event loop."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt, RGBColor

from sight.exports import draw
from sight.exports.document import (
    Bullets,
    Facts,
    Figure,
    Heading,
    Para,
    Picture,
    Quote,
    Report,
    Table,
    Turn,
)
from sight.exports.text import t

WARN = RGBColor(0x7A, 0x52, 0x00)
MUTED = RGBColor(0x60, 0x66, 0x70)
MARKED = RGBColor(0x96, 0x28, 0x1E)


def _field(paragraph: Any, instruction: str, placeholder: str = "") -> None:
    """A Word field (PAGE, NUMPAGES, TOC): Word computes it when it opens."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = instruction
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = placeholder
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, code, separate, shown, end):
        run._r.append(element)


def _update_fields_on_open(document: Any) -> None:
    settings = document.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)


def _footer(document: Any, report: Report) -> None:
    footer = document.sections[0].footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    template = t(report.language, "page", n="\x00", total="\x01")
    before, _, rest = template.partition("\x00")
    middle, _, after = rest.partition("\x01")
    footer.add_run(before)
    _field(footer, "PAGE", "1")
    footer.add_run(middle)
    _field(footer, "NUMPAGES", "1")
    footer.add_run(after)


def _table(document: Any, block: Table) -> None:
    has_headings = any(block.headers)
    table = document.add_table(rows=0, cols=len(block.headers))
    table.style = "Light List Accent 1"
    if has_headings:
        cells = table.add_row().cells
        for cell, text in zip(cells, block.headers, strict=True):
            cell.text = text
    for i, values in enumerate(block.rows):
        cells = table.add_row().cells
        for j, (cell, text) in enumerate(zip(cells, values, strict=True)):
            cell.text = text
            if (i, j) in block.marked:
                run = cell.paragraphs[0].runs[0]
                run.bold = True
                run.font.color.rgb = MARKED
    document.add_paragraph()


def render_docx(report: Report) -> bytes:
    document = Document()
    styles = document.styles
    styles["Normal"].font.name = "Calibri"
    styles["Normal"].font.size = Pt(10.5)
    core = document.core_properties
    core.title = report.title
    core.subject = report.subtitle
    core.language = report.language
    core.author = "Sight"
    _footer(document, report)

    document.add_paragraph(report.subtitle)
    document.add_heading(report.title, level=0)
    for line in report.cover:
        document.add_paragraph(line)
    if report.offline_notice:
        run = document.add_paragraph().add_run(report.offline_notice)
        run.bold = True
        run.font.color.rgb = WARN
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_heading(t(report.language, "contents"), level=1)
    _field(document.add_paragraph(), 'TOC \\o "1-2" \\h \\z \\u', "…")
    _update_fields_on_open(document)

    for block in report.blocks:
        if isinstance(block, Heading):
            if block.level == 1:
                document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            document.add_heading(block.text, level=min(block.level, 4))
        elif isinstance(block, Para):
            paragraph = document.add_paragraph()
            run = paragraph.add_run(block.text)
            if block.style == "warning":
                run.bold = True
                run.font.color.rgb = WARN
            elif block.style in ("note", "small"):
                run.italic = block.style == "note"
                run.font.size = Pt(9)
                run.font.color.rgb = MUTED
            elif block.style == "lead":
                run.bold = True
        elif isinstance(block, Quote):
            document.add_paragraph(block.text, style="Quote")
            if block.who:
                who = document.add_paragraph().add_run(f"— {block.who}")
                who.font.size = Pt(9)
                who.font.color.rgb = MUTED
        elif isinstance(block, Turn):
            paragraph = document.add_paragraph()
            name = paragraph.add_run(f"{block.speaker}: ")
            name.bold = True
            text = paragraph.add_run(block.text)
            text.italic = block.moderator
        elif isinstance(block, Bullets):
            for item in block.items:
                document.add_paragraph(item, style="List Bullet")
        elif isinstance(block, Facts):
            for label, value in block.pairs:
                paragraph = document.add_paragraph()
                paragraph.paragraph_format.space_after = Pt(1)
                paragraph.add_run(f"{label}: ").bold = True
                paragraph.add_run(value)
        elif isinstance(block, Table):
            _table(document, block)
        elif isinstance(block, Figure):
            document.add_picture(io.BytesIO(draw.png(block.chart)), width=Inches(6.2))
            if block.caption:
                caption = document.add_paragraph().add_run(block.caption)
                caption.font.size = Pt(9)
                caption.font.color.rgb = MUTED
        elif isinstance(block, Picture):
            # At most 4.5 in wide and 3.5 in high, in proportion.
            wide = min(4.5, 3.5 * block.width / max(block.height, 1))
            document.add_picture(io.BytesIO(block.printable()), width=Inches(wide))
            if block.caption:
                caption = document.add_paragraph().add_run(block.caption)
                caption.font.size = Pt(9)
                caption.font.color.rgb = MUTED
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
