"""Rendering exports: which formats each kind has, file names, media types,
and the bounded pool the CPU work runs in (never the event loop)."""

from __future__ import annotations

import asyncio
import functools
import json
import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

Kind = Literal["project", "persona", "focus_group", "survey"]
Format = Literal["pdf", "docx", "md", "json", "xlsx", "csv"]

FORMATS: dict[str, tuple[str, ...]] = {
    "project": ("pdf", "docx", "md", "json", "xlsx", "csv"),
    "persona": ("pdf", "docx", "md", "json"),
    "focus_group": ("pdf", "docx", "md", "json", "xlsx", "csv"),
    "survey": ("pdf", "docx", "md", "json", "xlsx", "csv"),
}
MEDIA = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
# Two renders at a time per process: each is CPU-bound (the GIL), and a
# project report holds its charts in memory while it writes.
RENDER_THREADS = 2


@functools.cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(RENDER_THREADS, thread_name_prefix="sight-export")


def _plain(value: object) -> object:
    # A picture's bytes stay out of JSON: its metadata and URL are beside them.
    return None if isinstance(value, bytes) else str(value)


def render(kind: str, fmt: str, data: dict[str, Any]) -> bytes:
    """The file's bytes (blocking: call `render_async` from async code)."""
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=1, default=_plain).encode()
    if fmt in ("xlsx", "csv"):
        from sight.exports import tables

        writer = getattr(tables, f"{kind.replace('focus_group', 'group')}_{fmt}")
        out: bytes = writer(data)
        return out
    report = compose(kind, data)
    if fmt == "pdf":
        from sight.exports.pdf import render_pdf

        return render_pdf(report)
    if fmt == "docx":
        from sight.exports.word import render_docx

        return render_docx(report)
    from sight.exports.markdown import render_markdown

    return render_markdown(report)


def compose(kind: str, data: dict[str, Any]) -> Any:
    if kind == "project":
        from sight.exports.compose_project import compose_project

        return compose_project(data)
    if kind == "persona":
        from sight.exports.compose_persona import compose_persona

        return compose_persona(data)
    if kind == "focus_group":
        from sight.exports.compose_group import compose_group

        return compose_group(data)
    from sight.exports.compose_survey import compose_survey

    return compose_survey(data)


async def render_async(kind: str, fmt: str, data: dict[str, Any]) -> bytes:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_pool(), render, kind, fmt, data)


def filename(title: str, fmt: str) -> str:
    """An ASCII file name (any browser, any OS): Polish letters lose accents."""
    plain = unicodedata.normalize("NFKD", title.replace("ł", "l").replace("Ł", "L"))
    ascii_name = plain.encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_name).strip("-")[:80] or "report"
    return f"{name}.{fmt}"
