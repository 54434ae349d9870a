"""A persona's export: profile, what it said in the group and the survey,
and the interview."""

from __future__ import annotations

from typing import Any

import httpx

from tests.exports.conftest import (
    INTERVIEW,
    docx_text,
    download,
    flat,
    pdf_text,
    pdf_to_png,
)


async def test_persona_profile_with_answers_and_interview(
    client: httpx.AsyncClient, research: dict[str, Any]
) -> None:
    auth = research["auth"]
    pid = research["personas"][0]["id"]
    persona = (await client.get(f"/api/v1/personas/{pid}", headers=auth)).json()
    transcript = (
        await client.get(
            f"/api/v1/focus-groups/{research['group']['id']}/responses", headers=auth
        )
    ).json()
    said = [
        r["response"]
        for q in transcript["questions"]
        for r in q["responses"]
        if r["persona_id"] == pid and r["status"] == "ok"
    ]
    assert said
    chat = (await client.get(f"/api/v1/personas/{pid}/chat", headers=auth)).json()
    reply = chat["messages"][-1]["content"]

    pdf = await download(client, f"/api/v1/export/personas/{pid}/pdf", auth)
    text, _ = pdf_text(pdf.content, footer=persona["full_name"])
    pdf_to_png(pdf.content, "persona", pages=3)
    assert persona["full_name"] in text
    assert flat(persona["profile"]["background_story"])[:120] in text
    for answer in said:
        assert flat(answer) in text
    assert "Odpowiedzi w ankietach" in text
    assert flat(INTERVIEW) in text
    assert flat(reply)[:100] in text

    docx = await download(client, f"/api/v1/export/personas/{pid}/docx", auth)
    body, _ = docx_text(docx.content)
    assert flat(INTERVIEW) in body
    md = (await download(client, f"/api/v1/export/personas/{pid}/md", auth)).text
    assert persona["full_name"] in md
