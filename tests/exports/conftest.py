"""A research project built once through the API with the offline engine
(personas, a focus group with its AI summary, a survey, an interview) and
shared by the export tests; readers that open the produced files the way a
person's tools would (pypdf, python-docx, openpyxl) and PDF pages as PNG."""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path
from typing import Any

import httpx
import pypdf
import pypdfium2 as pdfium
import pytest
from docx import Document

from tests.conftest import register_user
from tests.focus_groups.conftest import make_group, project_with_personas
from tests.personas.test_generation import wait_job
from tests.surveys.conftest import QUESTIONS

ARTIFACTS = (
    Path(os.environ.get("SIGHT_TEST_ARTIFACTS", Path(__file__).parents[2] / ".sight"))
    / "test-artifacts"
    / "exports"
)
SURVEY_TITLE = "Subskrypcja kawy: ankieta zażółć gęślą jaźń"
INTERVIEW = "Dlaczego wybrałaby Pani/wybrałby Pan kawę z subskrypcji?"

_BUILT: dict[str, dict[str, Any]] = {}


async def _interview(
    client: httpx.AsyncClient, auth: dict[str, str], persona_id: str
) -> None:
    async with client.stream(
        "POST",
        f"/api/v1/personas/{persona_id}/chat",
        json={"message": INTERVIEW},
        headers=auth,
        timeout=60,
    ) as response:
        assert response.status_code == 200
        async for _ in response.aiter_lines():
            pass


async def build(client: httpx.AsyncClient) -> dict[str, Any]:
    user = await register_user(client)
    auth = {"Authorization": user["authorization"]}
    project, personas = await project_with_personas(client, auth, n=12)
    ids = [p["id"] for p in personas]
    group = await make_group(client, auth, project["id"], ids[:5])
    run = await client.post(f"/api/v1/focus-groups/{group['id']}/run", headers=auth)
    assert run.status_code == 202, run.text
    assert (await wait_job(client, run.json()["job_id"], auth, within=120))[
        "status"
    ] == "succeeded"
    summary = await client.post(
        f"/api/v1/focus-groups/{group['id']}/ai-summary", headers=auth
    )
    assert summary.status_code == 202, summary.text
    assert (await wait_job(client, summary.json()["job_id"], auth, within=120))[
        "status"
    ] == "succeeded"
    survey = await client.post(
        f"/api/v1/projects/{project['id']}/surveys",
        json={"title": SURVEY_TITLE, "questions": QUESTIONS},
        headers=auth,
    )
    assert survey.status_code == 201, survey.text
    survey_run = await client.post(
        f"/api/v1/surveys/{survey.json()['id']}/run", headers=auth
    )
    assert survey_run.status_code == 202, survey_run.text
    assert (await wait_job(client, survey_run.json()["job_id"], auth, within=120))[
        "status"
    ] == "succeeded"
    await _interview(client, auth, ids[0])
    return {
        "auth": auth,
        "project": project,
        "personas": personas,
        "group": group,
        "survey": survey.json(),
    }


@pytest.fixture
async def research(client: httpx.AsyncClient) -> dict[str, Any]:
    """Built by the first test that asks; the others reuse it (minutes saved)."""
    if "research" not in _BUILT:
        _BUILT["research"] = await build(client)
    return _BUILT["research"]


async def download(
    client: httpx.AsyncClient, path: str, auth: dict[str, str]
) -> httpx.Response:
    response = await client.get(path, headers=auth, timeout=120)
    assert response.status_code == 200, response.text[:500]
    return response


def flat(text: str) -> str:
    """Whitespace folded: a PDF breaks lines where a paragraph wraps."""
    return " ".join(text.split())


def pdf_text(body: bytes, footer: str | None = None) -> tuple[str, list[str]]:
    """The text of all pages; with `footer` (the report's title), the running
    footers are taken out, so a paragraph that crosses a page reads whole."""
    reader = pypdf.PdfReader(io.BytesIO(body))
    pages = [page.extract_text() or "" for page in reader.pages]
    text = flat(" ".join(pages))
    if footer is not None:
        text = re.sub(
            rf" ?{re.escape(footer)} (?:Strona|Page) \d+ (?:z|of) \d+", "", text
        )
    return text, pages


def pdf_to_png(body: bytes, name: str, pages: int = 4) -> list[Path]:
    """The first pages as PNG in the test artifacts, for a person to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    document = pdfium.PdfDocument(body)
    written = []
    for index in range(min(pages, len(document))):
        path = ARTIFACTS / f"{name}-page{index + 1}.png"
        document[index].render(scale=1.4).to_pil().save(path)
        written.append(path)
    document.close()
    (ARTIFACTS / f"{name}.pdf").write_bytes(body)
    return written


def docx_text(body: bytes) -> tuple[str, list[tuple[str, str]]]:
    """All text (paragraphs and table cells) and the (style, text) of headings."""
    document = Document(io.BytesIO(body))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    headings = [
        (p.style.name, p.text)
        for p in document.paragraphs
        if p.style is not None and p.style.name.startswith(("Heading", "Title"))
    ]
    return flat(" ".join(parts)), headings


def as_json(response: httpx.Response) -> Any:
    return json.loads(response.content)
