"""A focus group: overview, the AI summary with its insights and supporting
quotes, sentiment and theme charts, the concept graph, the transcript."""

from __future__ import annotations

from typing import Any

from sight.exports.charts import Bars, Network, Stacked
from sight.exports.document import (
    Bullets,
    Facts,
    Figure,
    Heading,
    Para,
    Picture,
    Quote,
    Report,
    Table,
    Turn,
)
from sight.exports.gather import is_offline
from sight.exports.text import num, stamp, t

MAX_THEMES = 12
MAX_CONCEPTS = 25


def group_offline_parts(lang: str, bundle: dict[str, Any]) -> list[str]:
    name = bundle["focus_group"]["name"]
    parts = []
    turns = [r for q in bundle["transcript"]["questions"] for r in q["responses"]]
    if any(is_offline(r["generated_by"]) for r in turns):
        parts.append(t(lang, "offline_parts_group", name=name))
    analysis = bundle["analysis"]
    if any(a and is_offline(a.get("_by")) for a in analysis.values()):
        parts.append(t(lang, "offline_parts_analysis", name=name))
    return parts


def _summary(report: Report, summary: dict[str, Any] | None, level: int) -> None:
    lang = report.language
    report.add(Heading(t(lang, "summary"), level))
    if summary is None:
        report.add(Para(t(lang, "no_summary"), "note"))
        return
    if is_offline(summary.get("_by")):
        report.add(Para(t(lang, "offline_section"), "warning"))
    report.add(Para(summary["executive_summary"]))
    report.add(Heading(t(lang, "key_insights"), level + 1))
    for index, insight in enumerate(summary["key_insights"], start=1):
        report.add(
            Para(
                f"{index}. {insight['title']} ({insight['type']}, "
                f"{t(lang, 'confidence')} {num(insight['confidence'], lang)})",
                "lead",
            ),
            Para(insight["insight"]),
        )
        for evidence in insight["evidence"]:
            report.add(Quote(evidence["quote"], evidence["persona_name"]))
    if summary.get("surprising_findings"):
        report.add(
            Heading(t(lang, "surprising"), level + 1),
            Bullets(list(summary["surprising_findings"])),
        )
    if summary.get("recommendations"):
        report.add(
            Heading(t(lang, "recommendations"), level + 1),
            Bullets(list(summary["recommendations"])),
        )


def _sentiment(report: Report, analysis: dict[str, Any], level: int) -> None:
    lang = report.language
    sentiment = analysis.get("sentiment")
    themes = analysis.get("themes")
    summary = analysis.get("summary")
    if sentiment is None:
        return
    report.add(Heading(t(lang, "sentiment"), level))
    if is_offline(sentiment.get("_by")):
        report.add(Para(t(lang, "offline_section"), "warning"))
    overall = sentiment["overall"]
    report.add(
        Facts(
            [
                (t(lang, "positive"), str(overall["positive"])),
                (t(lang, "neutral"), str(overall["neutral"])),
                (t(lang, "negative"), str(overall["negative"])),
                (t(lang, "mean"), num(overall["mean_score"], lang)),
            ]
        )
    )
    if summary and summary.get("sentiment_narrative"):
        report.add(Para(summary["sentiment_narrative"]))
    per_question = sentiment["per_question"]
    if per_question:
        report.add(
            Figure(
                Stacked(
                    t(lang, "sentiment_by_question"),
                    [
                        f"{q['question_index'] + 1}. {q['question']}"
                        for q in per_question
                    ],
                    [q["positive"] for q in per_question],
                    [q["neutral"] for q in per_question],
                    [q["negative"] for q in per_question],
                    names=(
                        t(lang, "positive"),
                        t(lang, "neutral"),
                        t(lang, "negative"),
                    ),
                )
            )
        )
    if themes and themes.get("themes"):
        top = sorted(themes["themes"], key=lambda x: -x["responses"])[:MAX_THEMES]
        report.add(Heading(t(lang, "themes"), level))
        report.add(
            Figure(
                Bars(
                    t(lang, "themes_chart"),
                    [x["theme"] for x in top],
                    [float(x["responses"]) for x in top],
                    percent=False,
                )
            ),
            Table(
                [
                    t(lang, "theme"),
                    t(lang, "answers"),
                    t(lang, "people"),
                    t(lang, "positive"),
                    t(lang, "neutral"),
                    t(lang, "negative"),
                ],
                [
                    [
                        x["theme"],
                        str(x["responses"]),
                        str(x["personas"]),
                        str(x["positive"]),
                        str(x["neutral"]),
                        str(x["negative"]),
                    ]
                    for x in top
                ],
                widths=[2.2, 1, 1, 1, 1, 1],
            ),
        )


def _graph(report: Report, graph: dict[str, Any] | None, level: int) -> None:
    if not graph or not graph.get("nodes"):
        return
    lang = report.language
    nodes = sorted(graph["nodes"], key=lambda n: -n["mentions"])[:MAX_CONCEPTS]
    index = {n["concept"]: i for i, n in enumerate(nodes)}
    edges = [
        (index[e["source"]], index[e["target"]], float(e["weight"]))
        for e in graph["edges"]
        if e["source"] in index and e["target"] in index
    ]
    tone = [
        (n["positive"] - n["negative"])
        / max(n["positive"] + n["neutral"] + n["negative"], 1)
        for n in nodes
    ]
    report.add(Heading(t(lang, "concept_graph"), level))
    if is_offline(graph.get("_by")):
        report.add(Para(t(lang, "offline_section"), "warning"))
    report.add(
        Figure(
            Network(
                t(lang, "concept_graph"),
                [n["concept"] for n in nodes],
                [float(n["mentions"]) for n in nodes],
                tone,
                edges,
            ),
            t(lang, "concept_caption"),
        )
    )
    if graph.get("contested_concepts"):
        report.add(
            Para(f"{t(lang, 'contested')}: " + ", ".join(graph["contested_concepts"]))
        )


def transcript_blocks(report: Report, bundle: dict[str, Any], level: int) -> None:
    lang = report.language
    report.add(Heading(t(lang, "transcript"), level))
    for question in bundle["transcript"]["questions"]:
        report.add(
            Heading(
                f"{question['question_index'] + 1}. {question['question']}", level + 1
            )
        )
        for turn in question["responses"]:
            if turn["status"] != "ok":
                continue
            moderator = turn["role"] == "moderator"
            report.add(
                Turn(
                    t(lang, "moderator") if moderator else str(turn["persona_name"]),
                    turn["response"],
                    moderator=moderator,
                )
            )


def group_blocks(
    report: Report, bundle: dict[str, Any], level: int, *, full: bool
) -> None:
    """A group's section; `full` adds the concept graph and the transcript."""
    lang = report.language
    group = bundle["focus_group"]
    turns = [r for q in bundle["transcript"]["questions"] for r in q["responses"]]
    answers = [r for r in turns if r["role"] == "persona" and r["status"] == "ok"]
    report.add(Heading(group["name"] if not full else t(lang, "overview"), level))
    if any(is_offline(r["generated_by"]) for r in turns):
        report.add(Para(t(lang, "offline_section"), "warning"))
    if group.get("description"):
        report.add(Para(group["description"]))
    report.add(
        Facts(
            [
                (t(lang, "mode"), t(lang, f"mode_{group['mode']}")),
                (t(lang, "participants"), str(len(bundle["participants"]))),
                (t(lang, "answers"), str(len(answers))),
            ]
        )
    )
    report.add(
        Heading(t(lang, "questions"), level + 1),
        Bullets([str(q["text"]) for q in group["questions"]]),
    )
    if group.get("stimulus"):
        stimulus = group["stimulus"]
        report.add(
            Heading(t(lang, "stimulus"), level + 1),
            Para(f"{stimulus.get('title', '')}", "lead"),
        )
        image, picture = stimulus.get("image"), group.get("stimulus_image")
        if image and picture:
            report.add(
                Picture(
                    picture,
                    image["mime_type"],
                    image["width"],
                    image["height"],
                    t(lang, "stimulus_shown"),
                )
            )
        report.add(Para(str(stimulus.get("content", ""))))
    sub = level + 1 if not full else level
    _summary(report, bundle["analysis"].get("summary"), sub)
    _sentiment(report, bundle["analysis"], sub)
    if full:
        _graph(report, bundle["analysis"].get("concept_graph"), sub)
        report.add(Heading(t(lang, "participants"), sub))
        report.add(
            Table(
                [
                    t(lang, "name"),
                    t(lang, "age"),
                    t(lang, "gender"),
                    t(lang, "education"),
                ],
                [
                    [
                        p["full_name"],
                        str(p["age"]),
                        p["labels"].get("gender", ""),
                        p["labels"].get("education", ""),
                    ]
                    for p in bundle["participants"]
                ],
                widths=[1.4, 0.5, 0.8, 2.0],
            )
        )
        transcript_blocks(report, bundle, sub)


def compose_group(bundle: dict[str, Any]) -> Report:
    lang = bundle["project"]["language"]
    parts = group_offline_parts(lang, bundle)
    report = Report(
        title=bundle["focus_group"]["name"],
        subtitle=t(lang, "group_report"),
        language=lang,
        cover=[
            f"{t(lang, 'project')}: {bundle['project']['name']}",
            stamp(lang, bundle["generated_at"]),
        ],
        offline_notice=(
            t(lang, "offline_cover", parts=", ".join(parts)) if parts else None
        ),
    )
    group_blocks(report, bundle, 1, full=True)
    report.add(Para(t(lang, "synthetic_note"), "note"))
    return report
