"""Bias guards made visible: position effects of the option order, implausibly
uniform answers, and answers that ignore demographics that should matter.

Position effects: options are shuffled per respondent and the order shown is
stored, so without a position bias the *shown position* of the chosen option is
uniform whatever the preferences are. A goodness-of-fit test (SciPy
`chisquare`) on those positions measures the effect.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import numpy as np
from scipy import stats  # type: ignore[import-untyped]

from sight.surveys.crosstabs import crosstab
from sight.surveys.schemas import Question
from sight.surveys.statistics import Respondent, answered

UNIFORM_SHARE = 0.8
UNIFORM_SD = 0.5
MIN_N = 10
MIN_N_DEMOGRAPHICS = 30
CLOSED = ("single-choice", "multiple-choice", "rating-scale", "numeric", "ranking")

# Words in a question that make a demographic expected to matter.
_CUES: dict[str, re.Pattern[str]] = {
    "income_band": re.compile(
        r"\b(pric|cost|afford|expens|cheap|pay|spend|budget|subscri|"
        r"cen[aey]|koszt|drog|tani|zapłac|płaci|wyda|budżet|abonam|subskryp)",
        re.IGNORECASE,
    ),
    "age_group": re.compile(
        r"\b(app|online|internet|smartphone|digital|social media|stream|tiktok|"
        r"retire|aplikac|smartfon|cyfrow|media społeczn|emerytur)",
        re.IGNORECASE,
    ),
}


def position_effect(question: Question, respondents: list[Respondent]) -> Any:
    """Where the chosen (or top-ranked) option was shown, vs a uniform spread."""
    if question.type not in ("single-choice", "ranking"):
        return None
    positions: list[int] = []
    for r in respondents:
        value = r["answers"].get(question.id)
        order = (r["details"].get(question.id) or {}).get("option_order")
        if value is None or not order:
            continue
        chosen = value[0] if isinstance(value, list) else value
        if chosen in order:
            positions.append(order.index(chosen))
    k = len(question.options or [])
    n = len(positions)
    if n < k or k < 2:
        return {"n": n, "testable": False}
    counts = np.bincount(positions, minlength=k)
    test = stats.chisquare(counts)
    return {
        "n": n,
        "testable": True,
        "chosen_by_position": [int(c) for c in counts],
        "first_share": round(float(counts[0] / n), 4),
        "expected_share": round(1 / k, 4),
        "chi2": round(float(test.statistic), 4),
        "p": float(test.pvalue),
        "flagged": bool(test.pvalue < 0.05),
    }


def heterogeneous(respondents: list[Respondent]) -> bool:
    varied = 0
    for field in ("age_group", "gender", "education", "income_band", "urban_rural"):
        if len({r["demographics"].get(field) for r in respondents}) > 1:
            varied += 1
    return varied >= 2


Flag = tuple[str, dict[str, Any]]  # (message in English, {"code", params})


def uniformity(question: Question, respondents: list[Respondent]) -> Flag | None:
    values = answered(question, respondents)
    if len(values) < MIN_N:
        return None
    if question.type == "single-choice":
        option, count = Counter(values).most_common(1)[0]
        share = count / len(values)
        if share > UNIFORM_SHARE:
            return (
                f"{share:.0%} chose {option!r}: implausibly uniform for a varied "
                "sample",
                {"code": "uniform_option", "share": round(share, 4), "option": option},
            )
    elif question.type == "multiple-choice":
        combo, count = Counter(tuple(sorted(v)) for v in values).most_common(1)[0]
        share = count / len(values)
        if share > UNIFORM_SHARE:
            return (
                f"{share:.0%} gave the same selection {list(combo)}",
                {"code": "uniform_selection", "share": round(share, 4)},
            )
    elif question.type in ("rating-scale", "numeric"):
        sd = float(np.std(np.asarray(values, dtype=float), ddof=1))
        span = (
            1.0
            if question.type == "rating-scale"
            else float((question.max or 1) - (question.min or 0)) / 10
        )
        if sd < UNIFORM_SD * span:
            return (
                f"standard deviation {sd:.2f}: nearly everyone answered alike",
                {"code": "uniform_spread", "sd": round(sd, 4)},
            )
    elif question.type == "ranking":
        combo, count = Counter(tuple(v) for v in values).most_common(1)[0]
        share = count / len(values)
        if share > UNIFORM_SHARE:
            return (
                f"{share:.0%} gave the identical ranking",
                {"code": "uniform_ranking", "share": round(share, 4)},
            )
    return None


def ignored_demographics(
    question: Question, respondents: list[Respondent]
) -> list[Flag]:
    """Warnings where a question's topic should depend on a demographic that
    shows no relation at all to the answers."""
    text = f"{question.title} {question.description or ''} {question.options or ''}"
    found: list[Flag] = []
    n = len(answered(question, respondents))
    if n < MIN_N_DEMOGRAPHICS:
        return found
    for field, cue in _CUES.items():
        if not cue.search(text):
            continue
        if len({r["demographics"].get(field) for r in respondents}) < 2:
            continue
        table = crosstab(question, respondents, [field], exact=False)
        tests = table["tests"] if table["test"] is None else [table["test"]]
        tested = [t for t in tests if t.get("testable")]
        if tested and all(t["cramers_v"] < 0.1 and t["p"] > 0.5 for t in tested):
            v = max(t["cramers_v"] for t in tested)
            found.append(
                (
                    f"answers show no relation to {field} although the question is "
                    f"about something {field} usually shapes (Cramér's V {v:.2f})",
                    {"code": "ignores_demographic", "field": field, "v": v},
                )
            )
    return found


def question_guards(
    question: Question, respondents: list[Respondent], *, varied: bool
) -> dict[str, Any]:
    # `warnings`: sentences (English); `flags`: the same as codes and numbers,
    # for a client to say in its reader's language.
    flags: list[Flag] = []
    if varied and question.type in CLOSED:
        uniform = uniformity(question, respondents)
        if uniform:
            flags.append(uniform)
        flags.extend(ignored_demographics(question, respondents))
    warnings = [message for message, _ in flags]
    guards: dict[str, Any] = {
        "warnings": warnings,
        "flags": [flag for _, flag in flags],
    }
    effect = position_effect(question, respondents)
    if effect is not None:
        guards["position_effect"] = effect
        if effect.get("flagged"):
            warnings.append(
                f"position effect: the option shown first was chosen "
                f"{effect['first_share']:.0%} of the time (expected "
                f"{effect['expected_share']:.0%}, p = {effect['p']:.3f})"
            )
    if question.type == "rating-scale":
        mapped = [
            (r["details"].get(question.id) or {}).get("two_pass")
            for r in respondents
            if r["answers"].get(question.id) is not None
        ]
        two_pass = [m for m in mapped if m]
        guards["rating_method"] = {
            "two_pass": len(two_pass),
            "direct": len(mapped) - len(two_pass),
            "mean_similarity": (
                round(float(np.mean([m["similarity"] for m in two_pass])), 4)
                if two_pass
                else None
            ),
        }
    return guards
