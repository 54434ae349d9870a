"""A survey's report: the numbers shown are the results and crosstab
endpoints' numbers; charts, crosstabs and quotes in every format."""

from __future__ import annotations

import io
from typing import Any

import httpx
import openpyxl

from sight.exports.text import pct
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


def same(ours: Any, api: Any) -> bool:
    """Equal, where a field the API's response model fills with null may be
    absent from the stored dict the report was built from."""
    if isinstance(ours, dict) and isinstance(api, dict):
        keys = set(ours) | set(api)
        return all(same(ours.get(k), api.get(k)) for k in keys)
    if isinstance(ours, list) and isinstance(api, list):
        return len(ours) == len(api) and all(map(same, ours, api))
    return bool(ours == api)


async def test_survey_report_shows_the_api_numbers(
    client: httpx.AsyncClient, research: dict[str, Any]
) -> None:
    auth = research["auth"]
    sid = research["survey"]["id"]
    results = (await client.get(f"/api/v1/surveys/{sid}/results", headers=auth)).json()
    by_id = {q["id"]: q for q in results["questions"]}

    raw = await download(client, f"/api/v1/export/surveys/{sid}/json", auth)
    (ARTIFACTS / "survey.json").write_bytes(raw.content)
    data = as_json(raw)
    assert same(data["results"]["questions"], results["questions"])
    # Every crosstab the report shows is what the crosstab endpoint answers.
    for table in data["crosstabs"]:
        api = (
            await client.get(
                f"/api/v1/surveys/{sid}/crosstabs",
                params={"question": table["question_id"], "by": table["by"]},
                headers=auth,
            )
        ).json()
        shown = {k: v for k, v in table.items() if k != "question_title"}
        assert same(shown, api)

    pdf = await download(client, f"/api/v1/export/surveys/{sid}/pdf", auth)
    text, _ = pdf_text(pdf.content, footer=SURVEY_TITLE)
    for title in ("Spis treści", "Metoda", "Wyniki", "Istotne tabele krzyżowe"):
        assert title in text, title
    assert "Co syntetyczni respondenci mogą, a czego nie mogą powiedzieć" in text
    assert flat(SURVEY_TITLE) in text  # diacritics intact
    assert f"Respondenci: {results['respondents']}" in text
    for option in by_id["buy"]["options"]:
        row = (
            f"{option['option']} {option['count']} {pct(option['share'], 'pl')} "
            f"{pct(option['ci_low'], 'pl')} \u2013 {pct(option['ci_high'], 'pl')}"
        )
        assert row in text, row
    price = by_id["price"]["summary"]
    assert f"Średnia: {price['mean']:.2f}".replace(".", ",") in text
    for theme in by_id["why"].get("themes") or []:
        for quote in theme["quotes"]:
            assert flat(quote) in text, quote
    if data["crosstabs"]:
        first = data["crosstabs"][0]
        assert first["question_title"] in text
    else:
        assert "Żadna odpowiedź nie różniła się istotnie" in text
    pdf_to_png(pdf.content, "survey", pages=5)

    docx = await download(client, f"/api/v1/export/surveys/{sid}/docx", auth)
    body, headings = docx_text(docx.content)
    assert "Wyniki" in [h for _, h in headings]
    assert pct(by_id["buy"]["options"][0]["share"], "pl") in body

    xlsx = await download(client, f"/api/v1/export/surveys/{sid}/xlsx", auth)
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
    answers = list(book["Responses"].iter_rows(values_only=True))
    assert len(answers) - 1 == results["respondents"]
    shares = {
        (r[0], r[3]): r[5]
        for r in list(book["Results"].iter_rows(values_only=True))[1:]
    }
    for option in by_id["buy"]["options"]:
        assert shares[("buy", option["option"])] == option["share"]

    md = (await download(client, f"/api/v1/export/surveys/{sid}/md", auth)).text
    assert "## Spis treści" in md
    assert pct(by_id["buy"]["options"][0]["share"], "pl") in md
    csv_body = (
        await download(client, f"/api/v1/export/surveys/{sid}/csv", auth)
    ).content
    assert csv_body.decode("utf-8-sig").count("\n") == results["respondents"] + 1
