"""Exports of a survey's answers: one row per respondent, one column per
question, demographics included (CSV, XLSX via XlsxWriter, JSON).

Building a file is CPU work over user-sized data: callers run these in a
worker thread.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sight.surveys.schemas import Question

DEMOGRAPHIC_HEADERS = (
    "age",
    "gender",
    "age_group",
    "location",
    "urban_rural",
    "education",
    "income_band",
    "income",
    "income_currency",
    "segment",
    "occupation",
)


def cell(question: Question, value: Any) -> Any:
    """A spreadsheet cell for an answer: choices joined, rankings in order."""
    if value is None:
        return None
    if question.type == "multiple-choice":
        return "; ".join(value)
    if question.type == "ranking":
        return " > ".join(value)
    return value


def headers(questions: list[Question]) -> list[str]:
    return [
        "respondent_id",
        "persona_id",
        "persona_name",
        *DEMOGRAPHIC_HEADERS,
        "generated_by",
        *(f"{q.id}: {q.title}"[:250] for q in questions),
    ]


def rows(questions: list[Question], responses: list[dict[str, Any]]) -> list[list[Any]]:
    table = []
    for r in responses:
        demo = r["demographics"]
        table.append(
            [
                r["id"],
                r["persona_id"],
                r["persona_name"],
                *(demo.get(h) for h in DEMOGRAPHIC_HEADERS),
                r["generated_by"],
                *(cell(q, r["answers"].get(q.id)) for q in questions),
            ]
        )
    return table


def to_csv(questions: list[Question], responses: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers(questions))
    writer.writerows(rows(questions, responses))
    # A byte-order mark, so spreadsheet programs read Polish letters as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(
    title: str, questions: list[Question], responses: list[dict[str, Any]]
) -> bytes:
    # Imported here (in the worker thread that writes the file): the API
    # process loads it only when a spreadsheet is asked for.
    import xlsxwriter  # type: ignore[import-untyped]

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = workbook.add_format({"bold": True})
    sheet = workbook.add_worksheet("Responses")
    sheet.write_row(0, 0, headers(questions), bold)
    for index, row in enumerate(rows(questions, responses), start=1):
        sheet.write_row(index, 0, row)
    sheet.freeze_panes(1, 3)
    definitions = workbook.add_worksheet("Questions")
    definitions.write_row(0, 0, ["id", "type", "question", "options", "range"], bold)
    for index, q in enumerate(questions, start=1):
        scale = (
            f"{q.scale_min}..{q.scale_max}"
            if q.type == "rating-scale"
            else f"{q.min:g}..{q.max:g} {q.unit or ''}".strip()
            if q.type == "numeric" and q.min is not None and q.max is not None
            else ""
        )
        definitions.write_row(
            index, 0, [q.id, q.type, q.title, "; ".join(q.options or []), scale]
        )
    workbook.set_properties({"title": title[:200]})
    workbook.close()
    return buffer.getvalue()


def to_json(
    survey: dict[str, Any], questions: list[Question], responses: list[dict[str, Any]]
) -> bytes:
    document = {
        "survey": survey,
        "questions": [q.model_dump(mode="json", exclude_none=True) for q in questions],
        "respondents": [
            {
                "respondent_id": r["id"],
                "persona_id": r["persona_id"],
                "persona_name": r["persona_name"],
                "demographics": r["demographics"],
                "answers": r["answers"],
                "generated_by": r["generated_by"],
            }
            for r in responses
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
