"""A `Report` as PDF (fpdf2): DejaVu Sans embedded (subset) so Polish
letters render and extract; a table of contents with page numbers and links,
bookmarks, "page n of N" footers; charts as vector SVG.

CPU work: called in a worker thread, never on the event loop."""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import cast

import matplotlib
from fpdf import FPDF
from fpdf.outline import OutlineSection

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

FONT = "dejavu"
# The DejaVu fonts matplotlib ships (licence: mpl-data/fonts/ttf/LICENSE_DEJAVU).
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT_FILES = {
    "": "DejaVuSans.ttf",
    "B": "DejaVuSans-Bold.ttf",
    "I": "DejaVuSans-Oblique.ttf",
    "BI": "DejaVuSans-BoldOblique.ttf",
}
INK = (33, 37, 41)
MUTED = (96, 102, 112)
ACCENT = (47, 93, 140)
WARN_FILL = (253, 243, 214)
WARN_INK = (122, 82, 0)
HEAD_FILL = (232, 238, 245)
TOC_LINES_PER_PAGE = 38
SIZES = {1: 17.0, 2: 13.0, 3: 11.0, 4: 10.0}


class _PDF(FPDF):
    def __init__(self, report: Report) -> None:
        super().__init__(format="A4", unit="mm")
        self.report = report
        # The header row a table repeats after a page break.
        self.table_header: list[str] | None = None
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(True, margin=18)
        for style, name in FONT_FILES.items():
            self.add_font(FONT, style, str(FONT_DIR / name))
            # The family charts name in their SVG text (see draw.py).
            self.add_font("DejaVu Sans", style, str(FONT_DIR / name))
        self.set_font(FONT, size=10)
        self.set_text_color(*INK)
        self.set_title(report.title)
        self.set_subject(report.subtitle)
        self.set_creator("Sight")
        self.set_lang(report.language)

    def footer(self) -> None:
        if self.page_no() == 1:
            return
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, self.report.title[:90], align="L")
        self.set_x(self.l_margin)
        self.cell(
            0,
            5,
            t(self.report.language, "page", n=self.page_no(), total="{nb}"),
            align="R",
        )
        self.set_text_color(*INK)


def _toc(pdf: FPDF, outline: list[OutlineSection]) -> None:
    lang = pdf.report.language  # type: ignore[attr-defined]
    pdf.set_font(FONT, "B", 16)
    pdf.set_x(pdf.l_margin)
    pdf.cell(0, 10, t(lang, "contents"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for section in outline:
        if section.level > 1:
            continue
        size = 10.5 if section.level == 0 else 9.5
        pdf.set_font(FONT, "B" if section.level == 0 else "", size)
        indent = 6 * section.level
        link = pdf.add_link(page=section.page_number)
        pdf.set_x(pdf.l_margin + indent)
        width = pdf.epw - indent - 14
        name = section.name
        while pdf.get_string_width(name) > width - 4 and len(name) > 8:
            name = name[:-4] + "…"
        pdf.cell(width, 6, name, link=link)
        pdf.cell(14, 6, str(section.page_number), align="R", link=link)
        pdf.ln(6)


def _heading(pdf: _PDF, block: Heading) -> None:
    level = min(block.level, 4)
    fresh = pdf.get_y() <= pdf.t_margin + 0.5  # a page that has nothing yet
    # A section starts a page unless the page is still mostly empty.
    if level == 1 and not fresh and pdf.get_y() > pdf.h * 0.45:
        pdf.add_page()
    elif level == 1 and not fresh:
        pdf.ln(8)
    elif fresh:
        pass
    elif pdf.will_page_break(28):
        pdf.add_page()
    else:
        pdf.ln(3 if level > 2 else 5)
    if level <= 3:
        pdf.start_section(block.text[:120], level - 1)
    pdf.set_font(FONT, "B", SIZES[level])
    pdf.set_text_color(*(ACCENT if level <= 2 else INK))
    pdf.multi_cell(0, SIZES[level] * 0.5, block.text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.ln(1.5)
    pdf.set_font(FONT, "", 10)


def _para(pdf: _PDF, block: Para) -> None:
    if block.style == "warning":
        pdf.set_font(FONT, "B", 9)
        pdf.set_fill_color(*WARN_FILL)
        pdf.set_text_color(*WARN_INK)
        pdf.multi_cell(
            0, 5, block.text, fill=True, padding=2, new_x="LMARGIN", new_y="NEXT"
        )
        pdf.set_text_color(*INK)
        pdf.ln(2)
    elif block.style in ("note", "small"):
        pdf.set_font(FONT, "I" if block.style == "note" else "", 8.5)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(0, 4.3, block.text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(*INK)
        pdf.ln(1.5)
    else:
        pdf.set_font(FONT, "B" if block.style == "lead" else "", 10)
        pdf.multi_cell(0, 5, block.text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    pdf.set_font(FONT, "", 10)


def _quote(pdf: _PDF, block: Quote) -> None:
    pdf.set_font(FONT, "I", 9.5)
    top = pdf.get_y()
    pdf.set_x(pdf.l_margin + 6)
    text = f"„{block.text}”" if pdf.report.language == "pl" else f"“{block.text}”"
    pdf.multi_cell(pdf.epw - 6, 4.8, text, new_x="LMARGIN", new_y="NEXT")
    if block.who:
        pdf.set_font(FONT, "", 8.5)
        pdf.set_text_color(*MUTED)
        pdf.set_x(pdf.l_margin + 6)
        pdf.multi_cell(
            pdf.epw - 6, 4.5, f"— {block.who}", new_x="LMARGIN", new_y="NEXT"
        )
        pdf.set_text_color(*INK)
    bottom = pdf.get_y()
    if bottom > top:  # the bar beside the quote (same page only)
        pdf.set_draw_color(*ACCENT)
        pdf.set_line_width(0.6)
        pdf.line(pdf.l_margin + 2, top + 0.5, pdf.l_margin + 2, bottom - 0.5)
    pdf.ln(2)
    pdf.set_font(FONT, "", 10)


def _turn(pdf: _PDF, block: Turn) -> None:
    pdf.set_font(FONT, "B", 9.5)
    pdf.set_text_color(*(ACCENT if block.moderator else INK))
    pdf.write(4.8, f"{block.speaker}: ")
    pdf.set_text_color(*INK)
    pdf.set_font(FONT, "I" if block.moderator else "", 9.5)
    pdf.write(4.8, block.text)
    pdf.ln(6.5)
    pdf.set_font(FONT, "", 10)


LINE = 4.2
PAD = 1.0


def _row(
    pdf: _PDF,
    widths: list[float],
    cells: list[str],
    *,
    header: bool = False,
    marked: set[int] | frozenset[int] = frozenset(),
) -> None:
    """One table row: cells that fit on a line are drawn as such (cheap);
    only longer ones are broken into lines."""
    lines: list[list[str]] = []
    for width, text in zip(widths, cells, strict=True):
        if "\n" not in text and pdf.get_string_width(text) <= width - 2 * PAD:
            lines.append([text])
        else:
            broken = pdf.multi_cell(
                width - 2 * PAD, LINE, text, dry_run=True, output="LINES"
            )
            lines.append(cast(list[str], broken))
    height = max(len(cell) for cell in lines) * LINE + 2 * PAD
    if pdf.will_page_break(height):
        pdf.add_page()
        if not header and pdf.table_header is not None:
            _row(pdf, widths, pdf.table_header, header=True)
    top, x = pdf.get_y(), pdf.l_margin
    if header:
        pdf.set_fill_color(*HEAD_FILL)
        pdf.rect(x, top, sum(widths), height, style="F")
    for index, (width, cell) in enumerate(zip(widths, lines, strict=True)):
        bold = header or index in marked
        pdf.set_font(FONT, "B" if bold else "", 8.5)
        pdf.set_text_color(*((150, 40, 30) if index in marked else INK))
        for number, line in enumerate(cell):
            pdf.set_xy(x + PAD, top + PAD + number * LINE)
            pdf.cell(width - 2 * PAD, LINE, line)
        x += width
    pdf.set_text_color(*INK)
    pdf.set_draw_color(200, 205, 212)
    pdf.set_line_width(0.2)
    pdf.line(pdf.l_margin, top + height, pdf.l_margin + sum(widths), top + height)
    pdf.set_xy(pdf.l_margin, top + height)


def _table(pdf: _PDF, block: Table) -> None:
    relative = block.widths or [1.0] * len(block.headers)
    widths = [pdf.epw * w / sum(relative) for w in relative]
    has_headings = any(block.headers)
    pdf.table_header = list(block.headers) if has_headings else None
    if has_headings:
        if pdf.will_page_break(3 * LINE + 4 * PAD):
            pdf.add_page()
        _row(pdf, widths, list(block.headers), header=True)
    for i, values in enumerate(block.rows):
        marked = {j for j in range(len(values)) if (i, j) in block.marked}
        _row(pdf, widths, values, marked=marked)
    pdf.table_header = None
    pdf.ln(3)
    pdf.set_font(FONT, "", 10)


def _facts(pdf: _PDF, block: Facts) -> None:
    for label, value in block.pairs:
        pdf.set_font(FONT, "B", 9)
        pdf.write(4.8, f"{label}: ")
        pdf.set_font(FONT, "", 9)
        pdf.write(4.8, value)
        pdf.ln(5)
    pdf.ln(2)
    pdf.set_font(FONT, "", 10)


def _figure(pdf: _PDF, block: Figure) -> None:
    svg = draw.svg(block.chart)
    pdf.image(io.BytesIO(svg), w=pdf.epw * 0.96, x=pdf.l_margin)
    if block.caption:
        _para(pdf, Para(block.caption, "small"))
    pdf.ln(2)


def _picture(pdf: _PDF, block: Picture) -> None:
    # At most 60 % of the text width and 90 mm high, in proportion.
    width = min(pdf.epw * 0.6, 90 * block.width / max(block.height, 1))
    pdf.image(io.BytesIO(block.printable()), w=width, x=pdf.l_margin)
    if block.caption:
        _para(pdf, Para(block.caption, "small"))
    pdf.ln(2)


def _cover(pdf: _PDF, report: Report) -> None:
    pdf.add_page()
    pdf.ln(40)
    pdf.set_font(FONT, "", 12)
    pdf.set_text_color(*ACCENT)
    pdf.cell(0, 8, report.subtitle, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.set_font(FONT, "B", 24)
    pdf.multi_cell(0, 11, report.title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(FONT, "", 10.5)
    for line in report.cover:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    if report.offline_notice:
        pdf.ln(10)
        _para(pdf, Para(report.offline_notice, "warning"))


def render_pdf(report: Report) -> bytes:
    pdf = _PDF(report)
    _cover(pdf, report)
    pdf.add_page()
    entries = sum(1 for b in report.blocks if isinstance(b, Heading) and b.level <= 2)
    pdf.insert_toc_placeholder(
        _toc, pages=max(1, math.ceil((entries + 3) / TOC_LINES_PER_PAGE))
    )
    writers = {
        Heading: _heading,
        Para: _para,
        Quote: _quote,
        Turn: _turn,
        Table: _table,
        Facts: _facts,
        Figure: _figure,
        Picture: _picture,
        Bullets: _bullets,
    }
    for block in report.blocks:
        writers[type(block)](pdf, block)  # type: ignore[operator]
    return bytes(pdf.output())


def _bullets(pdf: _PDF, block: Bullets) -> None:
    pdf.set_font(FONT, "", 10)
    for item in block.items:
        pdf.set_x(pdf.l_margin + 2)
        pdf.cell(4, 5, "•")
        pdf.multi_cell(pdf.epw - 6, 5, item, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(0.8)
    pdf.ln(1.5)
