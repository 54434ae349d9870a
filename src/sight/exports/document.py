"""A report as a list of blocks, independent of the file format.

The composers (`compose_*.py`) turn stored data into a `Report`; the writers
(`pdf.py`, `word.py`, `markdown.py`) turn a `Report` into bytes. So a number
or a quote appears the same in every format, and a new format is one writer.
Charts are data (`charts.Chart`), drawn by each writer in its best form:
vector SVG in PDF, PNG in DOCX, a table of the numbers in Markdown.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Literal

from sight.exports.charts import Chart

ParaStyle = Literal["body", "note", "small", "warning", "lead"]


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 1: a section (new page in PDF), 2, 3


@dataclass(frozen=True)
class Para:
    text: str
    style: ParaStyle = "body"


@dataclass(frozen=True)
class Quote:
    text: str
    who: str = ""


@dataclass(frozen=True)
class Bullets:
    items: list[str]


@dataclass(frozen=True)
class Facts:
    """Label: value lines (a profile, a method box)."""

    pairs: list[tuple[str, str]]


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]
    # Relative column widths (default: equal).
    widths: list[float] | None = None
    # Cells to emphasise (row, column): significant crosstab cells.
    marked: frozenset[tuple[int, int]] = frozenset()


@dataclass(frozen=True)
class Figure:
    chart: Chart
    caption: str = ""


@dataclass(frozen=True)
class Picture:
    """A picture shown to participants (a focus group's image stimulus)."""

    data: bytes
    mime_type: str
    width: int
    height: int
    caption: str = ""

    def printable(self) -> bytes:
        """PNG or JPEG bytes, which every writer embeds (WebP and GIF are
        converted: python-docx reads neither WebP nor animation)."""
        if self.mime_type in ("image/png", "image/jpeg"):
            return self.data
        from PIL import Image  # only reports with a WebP/GIF picture need it

        with Image.open(io.BytesIO(self.data)) as image:
            out = io.BytesIO()
            image.convert("RGBA").save(out, format="PNG")
            return out.getvalue()


@dataclass(frozen=True)
class Turn:
    """One line of a transcript."""

    speaker: str
    text: str
    moderator: bool = False


Block = Heading | Para | Quote | Bullets | Facts | Table | Figure | Picture | Turn


@dataclass
class Report:
    title: str
    subtitle: str
    language: str
    # Cover lines under the title (project, date, who made what).
    cover: list[str] = field(default_factory=list)
    # Said on the cover when any part came from the offline engine.
    offline_notice: str | None = None
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)
