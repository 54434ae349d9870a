# ruff: noqa: RUF001  (report typography: en dashes, the multiplication sign)
"""A survey: method and bias guards, a chart per question with 95 %
intervals and the random-answer baseline, significant crosstabs, themes of
open answers with quotes, and a note on what synthetic respondents can tell.
Every number is the results/crosstab endpoints' number, formatted."""

from __future__ import annotations

from typing import Any

from sight.exports.charts import Bars
from sight.exports.document import (
    Bullets,
    Facts,
    Figure,
    Heading,
    Para,
    Quote,
    Report,
    Table,
)
from sight.exports.gather import is_offline
from sight.exports.text import guard_notes, num, p_value, pct, stamp, t

SELECTION = {
    "all": ("all live personas of the project", "wszystkie aktywne persony projektu"),
    "personas": ("chosen personas", "wybrane persony"),
    "segments": ("demographic segments", "segmenty demograficzne"),
}


def _share_table(lang: str, rows: list[dict[str, Any]]) -> Table:
    return Table(
        [
            t(lang, "option"),
            t(lang, "count"),
            t(lang, "share"),
            t(lang, "ci"),
            t(lang, "baseline"),
        ],
        [
            [
                str(r["option"]),
                str(r["count"]),
                pct(r["share"], lang),
                f"{pct(r['ci_low'], lang)} – {pct(r['ci_high'], lang)}",
                pct(r["baseline"], lang),
            ]
            for r in rows
        ],
        widths=[2.4, 0.8, 0.9, 1.6, 1.1],
    )


def _share_chart(lang: str, title: str, rows: list[dict[str, Any]]) -> Figure:
    return Figure(
        Bars(
            title,
            [str(r["option"]) for r in rows],
            [float(r["share"] or 0.0) for r in rows],
            low=[r["ci_low"] for r in rows],
            high=[r["ci_high"] for r in rows],
            baseline=[r["baseline"] for r in rows],
            legend=(t(lang, "share"), t(lang, "baseline")),
        )
    )


def _describe(lang: str, summary: dict[str, Any], unit: str = "") -> Facts:
    if not summary.get("n"):
        return Facts([("n", "0")])
    suffix = f" {unit}" if unit else ""
    return Facts(
        [
            (
                t(lang, "mean"),
                f"{num(summary['mean'], lang)}{suffix} ({t(lang, 'ci')} "
                f"{num(summary['mean_ci_low'], lang)} – "
                f"{num(summary['mean_ci_high'], lang)})",
            ),
            (
                t(lang, "median"),
                f"{num(summary['median'], lang)}{suffix} ({t(lang, 'ci')} "
                f"{num(summary.get('median_ci_low'), lang)} – "
                f"{num(summary.get('median_ci_high'), lang)})",
            ),
            (t(lang, "sd"), num(summary.get("sd"), lang)),
            (
                t(lang, "range"),
                f"{num(summary['min'], lang)} – {num(summary['max'], lang)}",
            ),
        ]
    )


def _question(report: Report, index: int, q: dict[str, Any], level: int) -> None:
    lang = report.language
    title = f"{index}. {q['title']}"
    report.add(Heading(title, level))
    report.add(Para(t(lang, "n_answered", n=q["n"], skipped=q["skipped"]), "small"))
    kind = q["type"]
    if kind in ("single-choice", "multiple-choice"):
        report.add(
            _share_chart(lang, title, q["options"]), _share_table(lang, q["options"])
        )
    elif kind == "rating-scale":
        report.add(
            _share_chart(lang, title, q["distribution"]),
            _describe(lang, q["summary"]),
            _share_table(lang, q["distribution"]),
        )
    elif kind == "numeric":
        rows = q["distribution"]
        report.add(
            Figure(
                Bars(
                    title,
                    [
                        f"{num(r['low'], lang, 0)}–{num(r['high'], lang, 0)}"
                        for r in rows
                    ],
                    [float(r["share"] or 0.0) for r in rows],
                    baseline=[r["baseline"] for r in rows],
                    legend=(t(lang, "share"), t(lang, "baseline")),
                )
            ),
            _describe(lang, q["summary"], q.get("unit") or ""),
        )
    elif kind == "ranking":
        rows = q["options"]
        k = q["top_k"]
        report.add(
            Figure(
                Bars(
                    title,
                    [str(r["option"]) for r in rows],
                    [float(r["mean_rank"] or 0.0) for r in rows],
                    low=[r["ci_low"] for r in rows],
                    high=[r["ci_high"] for r in rows],
                    baseline=[q["baseline_mean_rank"]] * len(rows),
                    percent=False,
                    legend=(t(lang, "mean_rank"), t(lang, "baseline")),
                )
            ),
            Table(
                [
                    t(lang, "option"),
                    t(lang, "mean_rank"),
                    t(lang, "ci"),
                    t(lang, "top_k", k=k),
                ],
                [
                    [
                        str(r["option"]),
                        num(r["mean_rank"], lang),
                        f"{num(r['ci_low'], lang)} – {num(r['ci_high'], lang)}",
                        pct(r["top"][str(k)]["share"], lang),
                    ]
                    for r in rows
                ],
                widths=[2.4, 1, 1.6, 1],
            ),
        )
    elif kind == "open-text":
        themes = q.get("themes") or []
        if themes:
            report.add(Heading(t(lang, "open_themes"), level + 1))
        for theme in themes:
            report.add(
                Para(
                    f"{theme['label']}: {theme['count']} ({pct(theme['share'], lang)})",
                    "lead",
                )
            )
            for quote in theme["quotes"]:
                report.add(Quote(quote))
    warnings = guard_notes(q.get("guards") or {}, lang)
    if warnings:
        report.add(Para(f"{t(lang, 'warnings')}: " + "; ".join(warnings), "warning"))


def _crosstab(report: Report, table: dict[str, Any], level: int) -> None:
    lang = report.language
    field = table["by"][0]
    report.add(Heading(f"{table['question_title']} × {t(lang, field)}", level))
    marked = set()
    rows = []
    for i, row in enumerate(table["rows"]):
        cells = [f"{row['group']} (n={row['n']})"]
        for j, cell in enumerate(row["cells"]):
            star = "*" if cell["marker"] else ""
            if star:
                marked.add((i, j + 1))
            cells.append(f"{pct(cell['share'], lang)} ({cell['count']}){star}")
        rows.append(cells)
    report.add(
        Table(
            [t(lang, "group"), *[str(c) for c in table["columns"]]],
            rows,
            widths=[2.0] + [1.0] * len(table["columns"]),
            marked=frozenset(marked),
        )
    )
    tests = table.get("tests") or [{"option": None, **table["test"]}]
    lines = []
    for test in tests:
        if not test.get("testable"):
            continue
        label = f"{test['option']}: " if test.get("option") else ""
        lines.append(
            f"{label}χ² = {num(test['chi2'], lang)}, df = {test['df']}, "
            f"p = {p_value(test['p_used'], lang)} ({test['test']}), "
            f"Cramér V = {num(test['cramers_v'], lang, 3)}"
            + (" *" if test["significant"] else "")
        )
    report.add(Para("; ".join(lines), "small"))


def survey_blocks(report: Report, bundle: dict[str, Any], level: int) -> None:
    lang = report.language
    survey = bundle["survey"]
    results = bundle["results"]
    guards = results.get("guards") or {}
    offline = any(is_offline(by) for by in bundle.get("generated_by", {})) or any(
        is_offline(by) for by in results.get("generated_by", [])
    )
    if offline:
        report.add(Para(t(lang, "offline_section"), "warning"))
    mode = str((survey.get("respondents") or {}).get("mode", "all"))
    en, pl = SELECTION.get(mode, (mode, mode))
    report.add(Heading(t(lang, "method"), level))
    if survey.get("description"):
        report.add(Para(survey["description"]))
    report.add(
        Facts(
            [
                (t(lang, "questions"), str(len(survey["questions"]))),
                (t(lang, "respondents"), str(results["respondents"])),
                (t(lang, "selection"), pl if lang == "pl" else en),
                (
                    t(lang, "shuffled"),
                    t(lang, "yes" if guards.get("shuffle_options") else "no"),
                ),
                (t(lang, "rating_mode"), str(guards.get("rating_mode", ""))),
                (
                    t(lang, "heterogeneous"),
                    t(lang, "yes" if guards.get("heterogeneous_sample") else "no"),
                ),
                (t(lang, "prompt_version"), survey["prompt_version"]),
            ]
        )
    )
    report.add(Heading(t(lang, "results"), level))
    for index, q in enumerate(results["questions"], start=1):
        _question(report, index, q, level + 1)
    report.add(Heading(t(lang, "crosstabs"), level))
    if not bundle["crosstabs"]:
        report.add(Para(t(lang, "no_crosstabs")))
    else:
        report.add(Para(t(lang, "crosstab_note"), "small"))
    for table in bundle["crosstabs"]:
        _crosstab(report, table, level + 1)


def methods_note(report: Report, level: int) -> None:
    lang = report.language
    report.add(
        Heading(t(lang, "methods_note"), level),
        Bullets([t(lang, "methods_can"), t(lang, "methods_cannot")]),
    )


def compose_survey(bundle: dict[str, Any]) -> Report:
    lang = bundle["project"]["language"]
    title = bundle["survey"]["title"]
    offline = any(is_offline(by) for by in bundle.get("generated_by", {}))
    report = Report(
        title=title,
        subtitle=t(lang, "survey_report"),
        language=lang,
        cover=[
            f"{t(lang, 'project')}: {bundle['project']['name']}",
            stamp(lang, bundle["generated_at"]),
        ],
        offline_notice=(
            t(lang, "offline_cover", parts=t(lang, "offline_parts_survey", name=title))
            if offline
            else None
        ),
    )
    survey_blocks(report, bundle, 1)
    methods_note(report, 1)
    return report
