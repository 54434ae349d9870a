"""Spreadsheet exports (XLSX via XlsxWriter, CSV): the rows behind a report,
numbers as numbers. Survey answers reuse the surveys domain's columns.

CPU work: called in a worker thread."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import xlsxwriter  # type: ignore[import-untyped]

from sight.surveys import export as survey_export
from sight.surveys.schemas import Question


class _Book:
    def __init__(self, title: str) -> None:
        self.buffer = io.BytesIO()
        self.book = xlsxwriter.Workbook(self.buffer, {"in_memory": True})
        self.book.set_properties({"title": title[:200], "author": "Sight"})
        self.bold = self.book.add_format({"bold": True, "bg_color": "#E8EEF5"})
        self.wrap = self.book.add_format({"text_wrap": True, "valign": "top"})

    def sheet(
        self,
        name: str,
        headers: list[str],
        rows: list[list[Any]],
        widths: dict[int, int] | None = None,
    ) -> None:
        sheet = self.book.add_worksheet(name[:31])
        sheet.write_row(0, 0, headers, self.bold)
        for index, row in enumerate(rows, start=1):
            sheet.write_row(index, 0, [_plain(v) for v in row])
        sheet.freeze_panes(1, 0)
        if rows:
            sheet.autofilter(0, 0, len(rows), len(headers) - 1)
        for column, width in (widths or {}).items():
            sheet.set_column(column, column, width, self.wrap)

    def close(self) -> bytes:
        self.book.close()
        return self.buffer.getvalue()


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def _csv(headers: list[str], rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows([[_plain(v) for v in row] for row in rows])
    # A byte-order mark, so spreadsheet programs read Polish letters as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# ---- focus groups --------------------------------------------------------------

TRANSCRIPT_HEADERS = [
    "question_number",
    "question",
    "round",
    "role",
    "speaker",
    "persona_id",
    "segment",
    "text",
    "words",
    "generated_by",
    "response_id",
]


def _transcript_rows(bundle: dict[str, Any]) -> list[list[Any]]:
    return [
        [
            q["question_index"] + 1,
            q["question"],
            r["round"],
            r["role"],
            r["persona_name"] or "moderator",
            r["persona_id"],
            r["segment"],
            r["response"],
            r["word_count"],
            r["generated_by"],
            r["id"],
        ]
        for q in bundle["transcript"]["questions"]
        for r in q["responses"]
        if r["status"] == "ok"
    ]


def group_csv(bundle: dict[str, Any]) -> bytes:
    return _csv(TRANSCRIPT_HEADERS, _transcript_rows(bundle))


def group_xlsx(bundle: dict[str, Any]) -> bytes:
    book = _Book(bundle["focus_group"]["name"])
    book.sheet(
        "Transcript",
        TRANSCRIPT_HEADERS,
        _transcript_rows(bundle),
        {1: 40, 7: 80},
    )
    analysis = bundle["analysis"]
    summary = analysis.get("summary")
    if summary:
        book.sheet(
            "Insights",
            ["number", "type", "title", "insight", "confidence", "person", "quote"],
            [
                [
                    i,
                    insight["type"],
                    insight["title"],
                    insight["insight"],
                    insight["confidence"],
                    evidence["persona_name"],
                    evidence["quote"],
                ]
                for i, insight in enumerate(summary["key_insights"], start=1)
                for evidence in insight["evidence"]
            ],
            {2: 30, 3: 60, 6: 60},
        )
    themes = analysis.get("themes")
    if themes:
        book.sheet(
            "Themes",
            ["theme", "answers", "people", "positive", "neutral", "negative"],
            [
                [
                    x["theme"],
                    x["responses"],
                    x["personas"],
                    x["positive"],
                    x["neutral"],
                    x["negative"],
                ]
                for x in themes["themes"]
            ],
        )
    sentiment = analysis.get("sentiment")
    if sentiment:
        book.sheet(
            "Sentiment",
            ["question_number", "question", "positive", "neutral", "negative", "mean"],
            [
                [
                    q["question_index"] + 1,
                    q["question"],
                    q["positive"],
                    q["neutral"],
                    q["negative"],
                    q["mean_score"],
                ]
                for q in sentiment["per_question"]
            ],
        )
    return book.close()


# ---- surveys -------------------------------------------------------------------


def _questions(bundle: dict[str, Any]) -> list[Question]:
    return [Question.model_validate(q) for q in bundle["survey"]["questions"]]


def survey_csv(bundle: dict[str, Any]) -> bytes:
    csv_bytes: bytes = survey_export.to_csv(_questions(bundle), bundle["responses"])
    return csv_bytes


def _result_rows(bundle: dict[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for q in bundle["results"]["questions"]:
        for r in q.get("options") or q.get("distribution") or []:
            label = r.get("option", f"{r.get('low')}-{r.get('high')}")
            share = r.get("share", (r.get("top") or {}).get("1", {}).get("share"))
            rows.append(
                [
                    q["id"],
                    q["title"],
                    q["type"],
                    label,
                    r.get("count"),
                    share,
                    r.get("ci_low"),
                    r.get("ci_high"),
                    r.get("baseline"),
                    r.get("mean_rank"),
                ]
            )
        summary = q.get("summary")
        if summary and summary.get("n"):
            rows.append(
                [
                    q["id"],
                    q["title"],
                    q["type"],
                    "mean",
                    summary["n"],
                    summary["mean"],
                    summary["mean_ci_low"],
                    summary["mean_ci_high"],
                    None,
                    None,
                ]
            )
    return rows


def survey_xlsx(bundle: dict[str, Any]) -> bytes:
    questions = _questions(bundle)
    book = _Book(bundle["survey"]["title"])
    book.sheet(
        "Responses",
        survey_export.headers(questions),
        survey_export.rows(questions, bundle["responses"]),
    )
    book.sheet(
        "Results",
        [
            "question_id",
            "question",
            "type",
            "answer",
            "count",
            "share",
            "ci_low",
            "ci_high",
            "baseline",
            "mean_rank",
        ],
        _result_rows(bundle),
        {1: 40, 3: 24},
    )
    crosstab_rows = []
    for table in bundle["crosstabs"]:
        test = table.get("test") or {}
        for row in table["rows"]:
            for cell in row["cells"]:
                crosstab_rows.append(
                    [
                        table["question_id"],
                        table["by"][0],
                        row["group"],
                        cell["column"],
                        cell["count"],
                        cell["share"],
                        cell["residual"],
                        cell["marker"],
                        test.get("p_used"),
                    ]
                )
    book.sheet(
        "Crosstabs",
        [
            "question_id",
            "by",
            "group",
            "answer",
            "count",
            "share",
            "residual",
            "marker",
            "p",
        ],
        crosstab_rows,
    )
    return book.close()


# ---- personas (project) ----------------------------------------------------------

PERSONA_HEADERS = [
    "persona_id",
    "full_name",
    "age",
    "gender",
    "age_group",
    "location",
    "urban_rural",
    "education",
    "income_band",
    "occupation",
    "segment",
    "generated_by",
]


def _persona_rows(data: dict[str, Any]) -> list[list[Any]]:
    return [
        [
            p["id"],
            p["full_name"],
            p["age"],
            p["labels"].get("gender"),
            p["labels"].get("age_group"),
            p["labels"].get("location"),
            p["labels"].get("urban_rural"),
            p["labels"].get("education"),
            p["labels"].get("income_band"),
            p["occupation"],
            p["segment"],
            p["generated_by"],
        ]
        for p in data["personas"]
    ]


def project_csv(data: dict[str, Any]) -> bytes:
    return _csv(PERSONA_HEADERS, _persona_rows(data))


def project_xlsx(data: dict[str, Any]) -> bytes:
    book = _Book(data["project"]["name"])
    book.sheet("Personas", PERSONA_HEADERS, _persona_rows(data), {1: 24, 9: 30})
    fit = data.get("fit") or {}
    book.sheet(
        "Fit",
        [
            "dimension",
            "category",
            "observed",
            "expected",
            "observed_share",
            "target_share",
            "chi_square",
            "p_value",
            "verdict",
        ],
        [
            [
                d["dimension"],
                c["category"],
                c["observed"],
                c["expected"],
                c["observed_share"],
                c["target_share"],
                d["chi_square"],
                d["p_value"],
                d["verdict"],
            ]
            for d in fit.get("dimensions", [])
            for c in d["categories"]
        ],
    )
    book.sheet(
        "Usage",
        [
            "flow",
            "provider",
            "model",
            "calls",
            "cache_hits",
            "input_tokens",
            "output_tokens",
            "cost_usd",
        ],
        [
            [
                u["flow"],
                u["provider"],
                u["model"],
                u["calls"],
                u["cache_hits"],
                u["input_tokens"],
                u["output_tokens"],
                u["cost_usd"],
            ]
            for u in data["usage"]
        ],
    )
    return book.close()
