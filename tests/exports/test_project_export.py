"""The project report: built as a job with progress, downloaded, and read:
goal, the fit statistic as the API gives it, personas, the group's quotes,
the survey, sources, models and cost, the offline engine said on the cover."""

from __future__ import annotations

import io
from typing import Any

import httpx
import openpyxl

from sight.exports.text import num
from tests.exports.conftest import (
    ARTIFACTS,
    SURVEY_TITLE,
    as_json,
    docx_text,
    download,
    flat,
    pdf_text,
    pdf_to_png,
)
from tests.jobs.test_jobs import read_sse
from tests.personas.test_generation import wait_job


async def test_project_report_as_a_job(
    client: httpx.AsyncClient, research: dict[str, Any]
) -> None:
    auth = research["auth"]
    pid = research["project"]["id"]
    gid = research["group"]["id"]
    started = await client.post(
        f"/api/v1/projects/{pid}/exports",
        json={"format": "pdf", "include_full_personas": True},
        headers=auth,
    )
    assert started.status_code == 202, started.text
    accepted = started.json()
    events = await read_sse(client, accepted["job_id"], auth["Authorization"])
    job = await wait_job(client, accepted["job_id"], auth)
    assert job["status"] == "succeeded", job
    progress = [e["data"] for e in events if e["event"] == "progress"]
    assert progress
    assert progress[-1]["done"] == progress[-1]["total"]
    result = job["result"]
    assert result["filename"] == "Coffee-subscription.pdf"
    pdf = await download(client, result["download_url"], auth)
    assert len(pdf.content) == result["size_bytes"]
    text, pages = pdf_text(pdf.content, footer=research["project"]["name"])
    pdf_to_png(pdf.content, "project", pages=6)

    for title in (
        "Raport z badania",
        "Spis treści",
        "Cel badania i grupa docelowa",
        "Próba a populacja docelowa",
        "Persony",
        "Profile wszystkich person",
        "Grupy fokusowe",
        "Ankiety",
        "Źródła",
        "Modele i koszt",
    ):
        assert title in text, title
    assert "silnik offline" in flat(pages[0])
    assert "Would urban adults pay for a coffee subscription?" in text
    summary = (
        await client.get(f"/api/v1/projects/{pid}/personas/summary", headers=auth)
    ).json()
    for dimension in summary["fit"]["dimensions"]:
        if dimension["chi_square"] is not None:
            assert num(dimension["chi_square"], "pl") in text
    for persona in research["personas"]:
        assert persona["full_name"] in text
    insights = (
        await client.get(f"/api/v1/focus-groups/{gid}/ai-summary", headers=auth)
    ).json()
    for insight in insights["key_insights"]:
        for evidence in insight["evidence"]:
            assert flat(evidence["quote"]) in text
    assert flat(SURVEY_TITLE) in text
    assert "offline:" in text  # the models used (the offline engine's calls)

    # Directly, with the 10 most representative profiles only.
    docx = await download(client, f"/api/v1/projects/{pid}/export/docx", auth)
    body, headings = docx_text(docx.content)
    assert "Profile 10 najbardziej reprezentatywnych person" in [h for _, h in headings]
    assert "Modele i koszt" in body

    xlsx = await download(client, f"/api/v1/projects/{pid}/export/xlsx", auth)
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
    names = [r[1] for r in list(book["Personas"].iter_rows(values_only=True))[1:]]
    assert sorted(names) == sorted(p["full_name"] for p in research["personas"])

    raw = await download(client, f"/api/v1/projects/{pid}/export/json", auth)
    (ARTIFACTS / "project.json").write_bytes(raw.content)
    data = as_json(raw)
    assert data["fit"] == summary["fit"]
    assert len(data["profiles"]) == 10
    md = (await download(client, f"/api/v1/projects/{pid}/export/md", auth)).text
    assert "Próba a populacja docelowa" in md
