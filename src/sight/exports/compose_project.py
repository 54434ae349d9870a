"""The whole project for a client: goal and audience, the sample against the
target with the fit statistic, personas, every focus group's summary with
its quotes, every survey's results, sources, models and cost. The cover and
each affected section say where the offline engine made a part."""

from __future__ import annotations

from typing import Any

from sight.exports.charts import Grouped, Panel
from sight.exports.compose_group import group_blocks, group_offline_parts
from sight.exports.compose_persona import profile_blocks
from sight.exports.compose_survey import methods_note, survey_blocks
from sight.exports.document import Facts, Figure, Heading, Para, Report, Table
from sight.exports.gather import is_offline
from sight.exports.text import num, p_value, pct, stamp, t

VERDICTS = {
    "pass": ("pass", "zgodna"),
    "fail": ("fail", "niezgodna"),
    "inconclusive": ("inconclusive", "nierozstrzygnięta"),
}


def _goal(report: Report, data: dict[str, Any]) -> None:
    lang = report.language
    project = data["project"]
    report.add(Heading(t(lang, "goal"), 1))
    if project.get("research_goal"):
        report.add(Heading(t(lang, "research_goal"), 2), Para(project["research_goal"]))
    if project.get("description"):
        report.add(Heading(t(lang, "description"), 2), Para(project["description"]))
    report.add(Heading(t(lang, "target_audience"), 2))
    report.add(
        Facts(
            [
                (t(lang, "sample_size"), str(project["target_sample_size"])),
                ("Country / Kraj", project["country"].upper()),
            ]
        )
    )
    target = project.get("target_demographics") or {}
    rows = [
        [t(lang, d) if d in _KNOWN else d, str(k), pct(float(v), lang)]
        for d, shares in target.items()
        if isinstance(shares, dict)
        for k, v in shares.items()
    ]
    if rows:
        report.add(
            Table(
                [t(lang, "dimension"), "", t(lang, "target")],
                rows,
                widths=[1.2, 1.4, 0.8],
            )
        )


def _verdict(verdict: str, lang: str) -> str:
    en, pl = VERDICTS.get(verdict, (verdict, verdict))
    return pl if lang == "pl" else en


_KNOWN = {"age_group", "gender", "location", "urban_rural", "education", "income_band"}


def _fit(report: Report, data: dict[str, Any]) -> None:
    lang = report.language
    report.add(Heading(t(lang, "sample_fit"), 1))
    summary = data["persona_summary"]
    fit = data.get("fit")
    if not fit:
        report.add(Para(t(lang, "no_fit")))
        return
    report.add(
        Para(
            t(
                lang,
                "fit_method",
                alpha=num(fit["alpha"], lang),
                per=num(fit["per_test_alpha"], lang, 4),
            ),
            "small",
        )
    )
    labels = {k: v["label"] for k, v in (summary.get("dimensions") or {}).items()}
    report.add(
        Table(
            [t(lang, "dimension"), "n", "χ²", "df", "p", "max |Δ|", t(lang, "verdict")],
            [
                [
                    labels.get(d["dimension"], d["dimension"]),
                    str(d["n"]),
                    num(d["chi_square"], lang),
                    "—"
                    if d["degrees_of_freedom"] is None
                    else str(d["degrees_of_freedom"]),
                    p_value(d["p_value"], lang),
                    pct(d["max_abs_share_deviation"], lang),
                    _verdict(d["verdict"], lang),
                ]
                for d in fit["dimensions"]
            ],
            widths=[1.6, 0.6, 0.8, 0.5, 0.9, 0.9, 1.2],
        )
    )
    panels = [
        Panel(
            labels.get(dimension, dimension),
            [r["label"] for r in rows],
            {
                t(lang, "sample"): [float(r["share"]) for r in rows],
                t(lang, "target"): [float(r["target_share"]) for r in rows],
            },
        )
        for dimension, rows in summary["distributions"].items()
        if rows
    ]
    if panels:
        report.add(Figure(Grouped(t(lang, "fit_chart"), panels)))
    # The fit's reasons are English sentences (sight.demographics.fit).
    for d in fit["dimensions"] if lang == "en" else []:
        if d.get("reason"):
            report.add(
                Para(
                    f"{labels.get(d['dimension'], d['dimension'])}: {d['reason']}",
                    "small",
                )
            )


def _personas(report: Report, data: dict[str, Any]) -> None:
    lang = report.language
    report.add(Heading(t(lang, "personas"), 1))
    if any(is_offline(p["generated_by"]) for p in data["personas"]):
        report.add(Para(t(lang, "offline_section"), "warning"))
    report.add(Heading(t(lang, "personas_table"), 2))
    report.add(
        Table(
            [
                t(lang, "name"),
                t(lang, "age"),
                t(lang, "gender"),
                t(lang, "location"),
                t(lang, "education"),
                t(lang, "occupation"),
            ],
            [
                [
                    p["full_name"],
                    str(p["age"]),
                    p["labels"].get("gender", ""),
                    p["labels"].get("location", ""),
                    p["labels"].get("education", ""),
                    p["occupation"],
                ]
                for p in data["personas"]
            ],
            widths=[1.5, 0.5, 0.8, 1.1, 1.3, 1.6],
        )
    )
    profiles = data["profiles"]
    if data["include_full_personas"]:
        report.add(Heading(t(lang, "profiles_all"), 2))
    else:
        report.add(
            Heading(t(lang, "profiles_some", k=len(profiles)), 2),
            Para(t(lang, "representative_note"), "small"),
        )
    for persona in profiles:
        profile_blocks(report, persona, 3)


def _sources(report: Report, data: dict[str, Any]) -> None:
    lang = report.language
    report.add(Heading(t(lang, "sources"), 1))
    documents = data["documents"]
    if not documents and not data["citations"]:
        report.add(Para(t(lang, "no_sources")))
        return
    if documents:
        report.add(
            Heading(t(lang, "documents"), 2),
            Table(
                ["", "", ""],
                [[d["title"], d["filename"], str(d["pages"] or "")] for d in documents],
                widths=[2.0, 1.6, 0.5],
            ),
        )
    if data["citations"]:
        report.add(
            Heading(t(lang, "cited"), 2),
            Table(
                ["", t(lang, "personas")],
                [
                    [str(c.get("title") or c.get("document_id")), str(c["personas"])]
                    for c in data["citations"]
                ],
                widths=[3.0, 0.8],
            ),
        )


def _costs(report: Report, data: dict[str, Any], parts: list[str]) -> None:
    lang = report.language
    report.add(Heading(t(lang, "models_cost"), 1))
    usage = data["usage"]
    used = sorted({f"{u['provider']}:{u['model']}" for u in usage})
    report.add(Heading(t(lang, "models_used"), 2))
    report.add(Para(", ".join(used) if used else t(lang, "no_usage")))
    for item in data.get("fidelity", []):
        report.add(Para(_fidelity_line(item, lang)))
    if parts:
        report.add(Para(t(lang, "offline_cover", parts=", ".join(parts)), "warning"))
    if usage:
        total = sum(u["cost_usd"] for u in usage)
        rows = [
            [
                u["flow"],
                f"{u['provider']}:{u['model']}",
                str(u["calls"]),
                str(u["input_tokens"]),
                str(u["output_tokens"]),
                num(u["cost_usd"], lang, 4),
            ]
            for u in usage
        ]
        rows.append(
            [
                t(lang, "total"),
                "",
                str(sum(u["calls"] for u in usage)),
                str(sum(u["input_tokens"] for u in usage)),
                str(sum(u["output_tokens"] for u in usage)),
                num(total, lang, 4),
            ]
        )
        report.add(
            Table(
                [
                    t(lang, "flow"),
                    t(lang, "model"),
                    t(lang, "calls"),
                    t(lang, "tokens_in"),
                    t(lang, "tokens_out"),
                    t(lang, "cost"),
                ],
                rows,
                widths=[1.6, 1.6, 0.7, 0.9, 0.9, 0.8],
            )
        )


def _fidelity_line(item: dict[str, Any], lang: str) -> str:
    """The latest fidelity figure for a model and the project's population
    (sight.fidelity.latest_fidelity), or that none was measured."""
    country = str(item["country"]).upper()
    latest = item["latest"]
    if latest is None:
        return t(lang, "fidelity_none", model=item["model"], country=country)
    line = t(
        lang,
        "fidelity_line",
        model=item["model"],
        country=country,
        score=num(latest["score"], lang, 3),
        benchmark=latest["benchmark"],
        date=latest["date"],
        uniform=num(latest["uniform_baseline"], lang, 3),
        demographics=num(latest["overall_as_prediction"], lang, 3),
        per_group=latest["per_group"],
    )
    return line + (" " + t(lang, "fidelity_offline") if latest["offline"] else "")


def offline_parts(data: dict[str, Any]) -> list[str]:
    lang = data["project"]["language"]
    parts = []
    if any(is_offline(p["generated_by"]) for p in data["personas"]):
        parts.append(t(lang, "offline_parts_personas"))
    for bundle in data["focus_groups"]:
        parts += group_offline_parts(lang, bundle)
    for bundle in data["surveys"]:
        if any(is_offline(by) for by in bundle["generated_by"]):
            parts.append(
                t(lang, "offline_parts_survey", name=bundle["survey"]["title"])
            )
    return parts


def compose_project(data: dict[str, Any]) -> Report:
    project = data["project"]
    lang = project["language"]
    parts = offline_parts(data)
    used = sorted({f"{u['provider']}:{u['model']}" for u in data["usage"]})
    report = Report(
        title=project["name"],
        subtitle=t(lang, "project_report"),
        language=lang,
        cover=[
            stamp(lang, data["generated_at"]),
            f"{t(lang, 'personas')}: {len(data['personas'])} · "
            f"{t(lang, 'focus_groups')}: {len(data['focus_groups'])} · "
            f"{t(lang, 'surveys')}: {len(data['surveys'])}",
            f"{t(lang, 'models_used')}: {', '.join(used) if used else '—'}",
        ],
        offline_notice=(
            t(lang, "offline_cover", parts=", ".join(parts)) if parts else None
        ),
    )
    _goal(report, data)
    _fit(report, data)
    _personas(report, data)
    report.add(Heading(t(lang, "focus_groups"), 1))
    if not data["focus_groups"]:
        report.add(Para(t(lang, "none")))
    for bundle in data["focus_groups"]:
        group_blocks(report, bundle, 2, full=False)
    report.add(Heading(t(lang, "surveys"), 1))
    if not data["surveys"]:
        report.add(Para(t(lang, "none")))
    for bundle in data["surveys"]:
        report.add(Heading(bundle["survey"]["title"], 2))
        survey_blocks(report, bundle, 3)
    if data["surveys"]:
        methods_note(report, 2)
    _sources(report, data)
    _costs(report, data, parts)
    report.add(Para(t(lang, "synthetic_note"), "note"))
    return report
