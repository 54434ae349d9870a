"""A `Report` as Markdown: headings, tables, quotes; charts as tables of
their numbers (a Markdown reader has no charts)."""

from __future__ import annotations

from sight.exports.charts import numbers
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


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    head = [_cell(h) or " " for h in headers]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def render_markdown(report: Report) -> bytes:
    lines = [f"# {report.title}", "", f"*{report.subtitle}*", ""]
    lines += [f"{line}  " for line in report.cover] + [""]
    if report.offline_notice:
        lines += [f"> **{report.offline_notice}**", ""]
    lines += [f"## {t(report.language, 'contents')}", ""]
    for block in report.blocks:
        if isinstance(block, Heading) and block.level <= 2:
            lines.append(f"{'  ' * (block.level - 1)}- {block.text}")
    lines.append("")
    for block in report.blocks:
        if isinstance(block, Heading):
            lines += [f"{'#' * min(block.level + 1, 6)} {block.text}", ""]
        elif isinstance(block, Para):
            text = block.text
            if block.style == "warning":
                text = f"> **{text}**"
            elif block.style == "lead":
                text = f"**{text}**"
            elif block.style in ("note", "small"):
                text = f"*{text}*"
            lines += [text, ""]
        elif isinstance(block, Quote):
            lines.append(f"> {block.text}")
            if block.who:
                lines.append(f"> — {block.who}")
            lines.append("")
        elif isinstance(block, Turn):
            lines += [f"**{block.speaker}:** {block.text}", ""]
        elif isinstance(block, Bullets):
            lines += [f"- {item}" for item in block.items] + [""]
        elif isinstance(block, Facts):
            lines += [f"- **{label}:** {value}" for label, value in block.pairs]
            lines.append("")
        elif isinstance(block, Table):
            rows = [
                [f"**{c}**" if (i, j) in block.marked else c for j, c in enumerate(r)]
                for i, r in enumerate(block.rows)
            ]
            lines += _table(block.headers, rows)
        elif isinstance(block, Picture):
            # A text file cannot hold the picture: say what it was.
            lines += [f"*[{block.width} x {block.height} px]* {block.caption}", ""]
        elif isinstance(block, Figure):
            title = getattr(block.chart, "title", "")
            lines += [f"*{title}*", ""]
            lines += _table(*numbers(block.chart))
            if block.caption:
                lines += [f"*{block.caption}*", ""]
    return "\n".join(lines).encode("utf-8")
