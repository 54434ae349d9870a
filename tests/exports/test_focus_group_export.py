"""A focus group's report in every format, read back by independent readers."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import openpyxl

from tests.exports.conftest import (
    ARTIFACTS,
    as_json,
    docx_text,
    download,
    flat,
    pdf_text,
    pdf_to_png,
)


async def test_focus_group_report_in_every_format(
    client: httpx.AsyncClient, research: dict[str, Any]
) -> None:
    auth = research["auth"]
    gid = research["group"]["id"]
    summary = (
        await client.get(f"/api/v1/focus-groups/{gid}/ai-summary", headers=auth)
    ).json()
    transcript = (
        await client.get(f"/api/v1/focus-groups/{gid}/responses", headers=auth)
    ).json()
    sentiment = (
        await client.get(f"/api/v1/focus-groups/{gid}/sentiment", headers=auth)
    ).json()
    spoken = [
        r
        for q in transcript["questions"]
        for r in q["responses"]
        if r["status"] == "ok"
    ]
    quotes = [e["quote"] for i in summary["key_insights"] for e in i["evidence"]]
    assert quotes

    pdf = await download(client, f"/api/v1/export/focus-groups/{gid}/pdf", auth)
    assert pdf.headers["content-type"] == "application/pdf"
    assert "Kawa-w-subskrypcji.pdf" in pdf.headers["content-disposition"]
    text, pages = pdf_text(pdf.content, footer="Kawa w subskrypcji")
    for title in (
        "Spis treści",
        "Podsumowanie",
        "Kluczowe wnioski",
        "Nastroje",
        "Graf pojęć",
        "Transkrypcja",
        "Raport z grupy fokusowej",
    ):
        assert title in text, title
    # Polish letters survive: the questions as the researcher wrote them.
    assert "Co sądzicie o subskrypcji kawy dostarczanej do domu?" in text
    assert "Ile bylibyście gotowi zapłacić miesięcznie?" in text
    for quote in quotes:
        assert flat(quote) in text, quote
    for turn in spoken[:10]:
        assert flat(turn["response"])[:80] in text
    # Offline engine said on the cover; page numbers on the pages after it.
    assert "silnik offline" in flat(pages[0])
    assert f"Strona 2 z {len(pages)}" in flat(pages[1])
    overall = sentiment["overall"]
    assert f"pozytywne: {overall['positive']}" in text
    pngs = pdf_to_png(pdf.content, "focus-group")
    assert all(p.stat().st_size > 5000 for p in pngs)

    docx = await download(client, f"/api/v1/export/focus-groups/{gid}/docx", auth)
    body, headings = docx_text(docx.content)
    names = [h for _, h in headings]
    assert "Podsumowanie" in names
    assert "Transkrypcja" in names
    for quote in quotes:
        assert flat(quote) in body
    assert "Co sądzicie o subskrypcji kawy dostarczanej do domu?" in body

    xlsx = await download(client, f"/api/v1/export/focus-groups/{gid}/xlsx", auth)
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
    rows = list(book["Transcript"].iter_rows(values_only=True))
    assert len(rows) - 1 == len(spoken)
    assert {r[7] for r in rows[1:]} == {t["response"] for t in spoken}
    insight_quotes = [
        r[6] for r in list(book["Insights"].iter_rows(values_only=True))[1:]
    ]
    assert insight_quotes == quotes

    raw = await download(client, f"/api/v1/export/focus-groups/{gid}/csv", auth)
    table = list(csv.reader(io.StringIO(raw.content.decode("utf-8-sig"))))
    assert len(table) - 1 == len(spoken)

    md = (
        await download(client, f"/api/v1/export/focus-groups/{gid}/md", auth)
    ).content.decode()
    assert "## Spis treści" in md
    for quote in quotes:
        assert quote in md

    raw = await download(client, f"/api/v1/export/focus-groups/{gid}/json", auth)
    (ARTIFACTS / "focus-group.json").write_bytes(raw.content)
    data = as_json(raw)
    assert (
        data["analysis"]["summary"]["executive_summary"] == summary["executive_summary"]
    )
    assert data["transcript"]["total_responses"] == transcript["total_responses"]
