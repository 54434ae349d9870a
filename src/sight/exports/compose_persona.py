"""A persona's profile and everything it said: its answers in focus groups
and surveys, and the reader's interview with it."""

from __future__ import annotations

from typing import Any

from sight.exports.document import (
    Bullets,
    Facts,
    Heading,
    Para,
    Quote,
    Report,
    Table,
    Turn,
)
from sight.exports.gather import DIMENSIONS, is_offline
from sight.exports.text import num, stamp, t

LISTS = (
    "values",
    "interests",
    "needs",
    "pain_points",
    "media_habits",
    "shopping_habits",
)


def answer_text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def profile_blocks(report: Report, persona: dict[str, Any], level: int) -> None:
    """The profile of one persona (also used by the project report)."""
    lang = report.language
    profile = persona.get("profile") or {}
    labels = persona.get("labels") or {}
    report.add(Heading(f"{persona['full_name']}, {persona['age']}", level))
    if is_offline(persona.get("generated_by")):
        report.add(Para(t(lang, "offline_section"), "warning"))
    facts = [(t(lang, "occupation"), persona["occupation"])]
    facts += [(t(lang, d), labels.get(d, str(persona.get(d, "")))) for d in DIMENSIONS]
    facts.append(
        (t(lang, "income"), f"{persona['income']} {persona['income_currency']}")
    )
    report.add(Facts(facts))
    if profile.get("quote"):
        report.add(Quote(str(profile["quote"]), persona["full_name"]))
    if profile.get("background_story"):
        report.add(Heading(t(lang, "background_story"), level + 1))
        report.add(Para(str(profile["background_story"])))
    for key in LISTS:
        items = profile.get(key) or []
        if items:
            report.add(
                Heading(t(lang, key), level + 1), Bullets([str(i) for i in items])
            )
    for key, title in (("big_five", "personality"), ("hofstede", "culture")):
        traits = profile.get(key) or {}
        if traits:
            report.add(
                Heading(t(lang, title), level + 1),
                Facts(
                    [
                        (k.replace("_", " "), num(float(v), lang))
                        for k, v in traits.items()
                    ]
                ),
            )


def compose_persona(data: dict[str, Any]) -> Report:
    persona = data["persona"]
    lang = data["project"]["language"]
    parts = []
    if is_offline(persona.get("generated_by")):
        parts.append(t(lang, "offline_parts_personas"))
    if any(
        is_offline(a["generated_by"])
        for g in data["focus_groups"]
        for a in g["answers"]
    ):
        parts.append(t(lang, "focus_groups").lower())
    if any(is_offline(s["generated_by"]) for s in data["surveys"]):
        parts.append(t(lang, "surveys").lower())
    if any(is_offline(m.get("generated_by")) for m in data["interview"]):
        parts.append(t(lang, "offline_parts_interview"))
    report = Report(
        title=persona["full_name"],
        subtitle=t(lang, "persona_report"),
        language=lang,
        cover=[
            f"{t(lang, 'project')}: {data['project']['name']}",
            stamp(lang, data["generated_at"]),
        ],
        offline_notice=t(lang, "offline_cover", parts=", ".join(parts))
        if parts
        else None,
    )
    report.add(Heading(t(lang, "profile"), 1))
    profile_blocks(report, persona, 2)
    report.add(
        Heading(t(lang, "provenance"), 2),
        Facts(
            [
                (t(lang, "generated_by"), persona["generated_by"]),
                (t(lang, "prompt_version"), persona["prompt_version"]),
            ]
        ),
    )
    report.add(Heading(t(lang, "answers_in_groups"), 1))
    if not data["focus_groups"]:
        report.add(Para(t(lang, "none")))
    for group in data["focus_groups"]:
        report.add(Heading(group["name"], 2))
        if any(is_offline(a["generated_by"]) for a in group["answers"]):
            report.add(Para(t(lang, "offline_section"), "warning"))
        for answer in group["answers"]:
            title = answer["question"]
            if answer["round"]:
                title += f" ({t(lang, 'probe_answer')})"
            report.add(Para(title, "lead"), Quote(answer["text"]))
    report.add(Heading(t(lang, "answers_in_surveys"), 1))
    if not data["surveys"]:
        report.add(Para(t(lang, "none")))
    for survey in data["surveys"]:
        report.add(Heading(survey["title"], 2))
        if is_offline(survey["generated_by"]):
            report.add(Para(t(lang, "offline_section"), "warning"))
        report.add(
            Table(
                [t(lang, "questions"), t(lang, "option")],
                [[a["question"], answer_text(a["answer"])] for a in survey["answers"]],
                widths=[1.2, 1.0],
            )
        )
    report.add(Heading(t(lang, "interview"), 1))
    if not data["interview"]:
        report.add(Para(t(lang, "none")))
    for message in data["interview"]:
        mine = message["role"] == "user"
        report.add(
            Turn(
                t(lang, "interviewer") if mine else persona["full_name"],
                message["content"],
                moderator=mine,
            )
        )
    report.add(Para(t(lang, "synthetic_note"), "note"))
    return report
