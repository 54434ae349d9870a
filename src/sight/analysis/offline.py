"""Offline-engine composers of analysis: a real summary from the real answers.

With no model configured, `analysis.summary` is written from the facts the
prompt carries: exact sentiment, theme and segment counts, and the answers
themselves. Insights are the strongest patterns in those numbers (the most
discussed theme, the most criticised and most praised ones, the segment gap,
the shift across questions), each backed by sentences quoted from real
answers. Phrasing varies with the seed and reads naturally in Polish and
English. `analysis.annotate` answers with the local lexicon and theme
catalogue (the job itself uses the fuller embedding method, see annotate.py).
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Any

from sight.analysis.sentiment import lexicon_polarity
from sight.analysis.themes import CATALOGUE, THEMES, themes_of
from sight.llm.providers.offline import OfflineInput, offline_composer

_SENTENCE = re.compile(r"[^.!?…]+[.!?…]*")

T: dict[str, dict[str, list[str]]] = {
    "summary_open": {
        "pl": [
            "W grupie „{name}” {personas} uczestników udzieliło {answers} odpowiedzi "
            "na {questions} pyt.",
            "Dyskusja „{name}” zebrała {answers} odpowiedzi od {personas} "
            "uczestników ({questions} pyt.).",
        ],
        "en": [
            "In '{name}', {personas} participants gave {answers} answers to "
            "{questions} question(s).",
            "The '{name}' group produced {answers} answers from {personas} "
            "participants across {questions} question(s).",
        ],
    },
    "tone": {
        "pl": [
            "Przeważał ton {tone}: {pos} odpowiedzi pozytywnych, {neu} neutralnych "
            "i {neg} negatywnych.",
            "Ogólny odbiór był {tone_adj} ({pos} pozytywnych, {neu} neutralnych, "
            "{neg} negatywnych odpowiedzi).",
        ],
        "en": [
            "The tone was mostly {tone}: {pos} positive, {neu} neutral and {neg} "
            "negative answers.",
            "Overall reception was {tone_adj} ({pos} positive, {neu} neutral, "
            "{neg} negative answers).",
        ],
    },
    "themes": {
        "pl": ["Najczęściej wracały tematy: {list}.", "Rozmowa krążyła wokół: {list}."],
        "en": ["The most frequent themes were {list}.", "Talk centred on {list}."],
    },
    "gap": {
        "pl": [
            "Największe różnice dzieliły uczestników według kryterium „{dim}”: "
            "{hi} ({hi_score}) wobec {lo} ({lo_score}).",
        ],
        "en": [
            "Opinions split most by {dim}: {hi} ({hi_score}) versus {lo} ({lo_score}).",
        ],
    },
}

TONE = {
    "pl": {"positive": "pozytywny", "neutral": "neutralny", "negative": "negatywny"},
    "en": {"positive": "positive", "neutral": "neutral", "negative": "negative"},
}
TONE_ADJ = {
    "pl": {
        "positive": "raczej przychylny",
        "neutral": "wyważony",
        "negative": "raczej krytyczny",
    },
    "en": {
        "positive": "rather favourable",
        "neutral": "balanced",
        "negative": "rather critical",
    },
}
DIMENSION = {
    "pl": {
        "age_group": "wiek",
        "gender": "płeć",
        "urban_rural": "miejsce zamieszkania (miasto/wieś)",
        "education": "wykształcenie",
        "income_band": "dochód",
        "segment": "segment",
    },
    "en": {
        "age_group": "age",
        "gender": "gender",
        "urban_rural": "urban or rural residence",
        "education": "education",
        "income_band": "income",
        "segment": "segment",
    },
}


def _signed(value: float, lang: str) -> str:
    """+0.25 / -0.5 with the language's decimal mark (Polish writes +0,25)."""
    text = f"{value:+.2f}"
    return text.replace(".", ",") if lang == "pl" else text


def _lang(facts: dict[str, Any]) -> str:
    return "pl" if facts.get("language") == "pl" else "en"


def _pick(rng: random.Random, key: str, lang: str, **values: Any) -> str:
    return rng.choice(T[key][lang]).format(**values)


def _join(items: Sequence[str], lang: str) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    conj = " i " if lang == "pl" else " and "
    return ", ".join(items[:-1]) + conj + items[-1]


def _theme_def_by_label(label: str) -> str | None:
    for theme in CATALOGUE:
        if label in (theme.pl, theme.en):
            return theme.key
    return None


def _sentence_about(text: str, theme: str | None, want: int) -> str:
    """The answer's sentence that best shows `theme` with polarity `want`
    (1, 0 or -1); a verbatim substring of the answer."""
    sentences = [m.group(0).strip() for m in _SENTENCE.finditer(text)]
    sentences = [s for s in sentences if len(s) >= 12] or [text.strip()]
    key = _theme_def_by_label(theme) if theme else None

    def score(sentence: str) -> tuple[int, float]:
        mentions = (
            1
            if theme
            and (
                (key is not None and key in themes_of(sentence))
                or theme.lower() in sentence.lower()
            )
            else 0
        )
        polarity, _ = lexicon_polarity(sentence)
        return mentions, polarity * want

    return max(sentences, key=score)


def _answers_for(
    facts: dict[str, Any], theme: str | None, sentiment: str | None
) -> list[dict[str, Any]]:
    result = [
        a
        for a in facts.get("answers", [])
        if (theme is None or theme in a.get("themes", []))
        and (sentiment is None or a.get("sentiment") == sentiment)
    ]
    # Clearest voices first; ties by id for determinism.
    want = {"positive": -1, "negative": 1}.get(sentiment or "", 0)
    result.sort(key=lambda a: (want * float(a.get("score", 0)), str(a["id"])))
    return result


def _evidence(
    answers: list[dict[str, Any]], theme: str | None, want: int, n: int = 2
) -> list[dict[str, str]]:
    evidence: list[dict[str, str]] = []
    personas: set[str] = set()
    quotes: set[str] = set()
    for answer in answers:
        if answer.get("persona") in personas:
            continue  # different voices make stronger evidence
        quote = _sentence_about(str(answer["text"]), theme, want)
        if quote in quotes:
            continue
        personas.add(str(answer.get("persona")))
        quotes.add(quote)
        evidence.append({"response_id": str(answer["id"]), "quote": quote})
        if len(evidence) == n:
            break
    return evidence


def _confidence(support: int, total: int) -> float:
    share = support / total if total else 0.0
    return round(min(0.95, 0.45 + 0.5 * share + 0.02 * min(support, 10)), 2)


INSIGHT: dict[str, dict[str, tuple[str, str]]] = {
    "top": {
        "pl": (
            "„{theme}” to główny wątek rozmowy",
            "Temat „{theme}” pojawił się w {n} z {total} odpowiedzi ({personas} "
            "osób), we wszystkich pytaniach: {questions}. To on porządkuje "
            "sposób, w jaki uczestnicy oceniają propozycję.",
        ),
        "en": (
            "'{theme}' is what the discussion keeps returning to",
            "'{theme}' came up in {n} of {total} answers ({personas} people), "
            "in question(s) {questions}. It frames how participants judge the "
            "proposal.",
        ),
    },
    "risk": {
        "pl": (
            "„{theme}” budzi zastrzeżenia",
            "{neg} z {n} odpowiedzi dotyczących tematu „{theme}” było "
            "negatywnych. Bez odpowiedzi na te obawy część grupy nie przejdzie "
            "od zainteresowania do zakupu.",
        ),
        "en": (
            "'{theme}' raises objections",
            "{neg} of the {n} answers about '{theme}' were negative. Unless "
            "these concerns are answered, part of the group will not move from "
            "interest to purchase.",
        ),
    },
    "opportunity": {
        "pl": (
            "„{theme}” to najmocniejszy atut",
            "{pos} z {n} odpowiedzi o temacie „{theme}” było pozytywnych. To "
            "argument, który uczestnicy sami podnoszą i który warto postawić "
            "w centrum komunikacji.",
        ),
        "en": (
            "'{theme}' is the strongest asset",
            "{pos} of the {n} answers about '{theme}' were positive. "
            "Participants raise it themselves, which makes it a natural centre "
            "for the message.",
        ),
    },
    "segment": {
        "pl": (
            "Kryterium „{dim}” dzieli grupę",
            "Średni wydźwięk wypowiedzi: {hi} {hi_score} ({hi_n} odp.) "
            "wobec {lo} {lo_score} ({lo_n} odp.). Komunikat dla tych grup "
            "powinien się różnić.",
        ),
        "en": (
            "{dim} divides the group",
            "Mean sentiment: {hi} {hi_score} ({hi_n} answers) versus {lo} "
            "{lo_score} ({lo_n} answers). These groups need different "
            "messages.",
        ),
    },
    "trend": {
        "pl": (
            "Nastroje {direction} w toku dyskusji",
            "Średni wydźwięk zmienił się z {first} przy pytaniu 1 do "
            "{last} przy pytaniu {q}. {meaning}",
        ),
        "en": (
            "Sentiment {direction} as the discussion went on",
            "Mean sentiment moved from {first} on question 1 to {last} "
            "on question {q}. {meaning}",
        ),
    },
}
TREND_WORDS = {
    "pl": {
        "up": ("poprawiały się", "Im konkretniej, tym przychylniej."),
        "down": ("pogarszały się", "Szczegóły ujawniły wątpliwości."),
    },
    "en": {
        "up": ("improved", "The more concrete it got, the warmer the reception."),
        "down": ("cooled", "The details surfaced doubts."),
    },
}


def _insights(facts: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    total = len(facts.get("answers", []))
    themes: list[dict[str, Any]] = facts.get("themes", [])
    insights: list[dict[str, Any]] = []
    used: set[str] = set()
    if themes:
        top = themes[0]
        title, text = INSIGHT["top"][lang]
        values = {
            "theme": top["theme"],
            "n": top["responses"],
            "total": total,
            "personas": top["personas"],
            "questions": ", ".join(str(q + 1) for q in top["questions"]),
        }
        insights.append(
            {
                "type": "pattern",
                "title": title.format(**values),
                "insight": text.format(**values),
                "confidence": _confidence(top["responses"], total),
                "evidence": _evidence(
                    _answers_for(facts, top["theme"], None), top["theme"], 0
                ),
            }
        )
        used.add(top["theme"])
    risky = sorted(
        (t for t in themes if t["negative"] >= 2 and t["negative"] > t["positive"]),
        key=lambda t: (-t["negative"], t["theme"]),
    )
    for theme in risky[:2]:
        title, text = INSIGHT["risk"][lang]
        values = {"theme": theme["theme"], "neg": theme["negative"]}
        values["n"] = theme["responses"]
        insights.append(
            {
                "type": "risk",
                "subject": theme["theme"],
                "title": title.format(**values),
                "insight": text.format(**values),
                "confidence": _confidence(theme["negative"], theme["responses"]),
                "evidence": _evidence(
                    _answers_for(facts, theme["theme"], "negative"), theme["theme"], -1
                ),
            }
        )
        used.add(theme["theme"])
    praised = sorted(
        (
            t
            for t in themes
            if t["positive"] >= 2 and t["positive"] > t["negative"]
            and t["theme"] not in used
        ),
        key=lambda t: (-t["positive"], t["theme"]),
    )  # fmt: skip
    for theme in praised[:2]:
        title, text = INSIGHT["opportunity"][lang]
        values = {"theme": theme["theme"], "pos": theme["positive"]}
        values["n"] = theme["responses"]
        insights.append(
            {
                "type": "opportunity",
                "subject": theme["theme"],
                "title": title.format(**values),
                "insight": text.format(**values),
                "confidence": _confidence(theme["positive"], theme["responses"]),
                "evidence": _evidence(
                    _answers_for(facts, theme["theme"], "positive"), theme["theme"], 1
                ),
            }
        )
    insights.extend(_segment_insight(facts, lang))
    insights.extend(_trend_insight(facts, lang))
    if len(insights) < 3:
        insights.extend(_voice_insights(facts, lang, 3 - len(insights)))
    return [i for i in insights if i["evidence"]][:7]


def _extremes(dimension: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    segments = [s for s in dimension["segments"] if s["responses"] > 0]
    hi = max(segments, key=lambda s: (s["mean_score"], s["key"]))
    lo = min(segments, key=lambda s: (s["mean_score"], s["key"]))
    return hi, lo


def _segment_insight(facts: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    dimensions = [
        d for d in facts.get("segments", []) if d["spread"] >= 0.15
        and d["dimension"] != "segment"
    ]  # fmt: skip
    if not dimensions:
        return []
    dimension = dimensions[0]
    hi, lo = _extremes(dimension)
    title, text = INSIGHT["segment"][lang]
    dim = DIMENSION[lang].get(dimension["dimension"], dimension["dimension"])
    values = {
        "dim": dim[:1].upper() + dim[1:] if lang == "en" else dim,
        "hi": hi["label"],
        "hi_score": _signed(hi["mean_score"], lang),
        "hi_n": hi["responses"],
        "lo": lo["label"],
        "lo_score": _signed(lo["mean_score"], lang),
        "lo_n": lo["responses"],
    }
    key = dimension["dimension"]
    hi_answers = [
        a
        for a in _answers_for(facts, None, "positive")
        if a.get("demographics", {}).get(key, a.get("segment")) == hi["key"]
    ]
    lo_answers = [
        a
        for a in _answers_for(facts, None, "negative")
        if a.get("demographics", {}).get(key, a.get("segment")) == lo["key"]
    ]
    evidence = _evidence(hi_answers, None, 1, 1) + _evidence(lo_answers, None, -1, 1)
    return [
        {
            "type": "pattern",
            "subject": dim,
            "title": title.format(**values),
            "insight": text.format(**values),
            "confidence": round(min(0.9, 0.4 + dimension["spread"] / 2), 2),
            "evidence": evidence,
        }
    ]


def _trend_insight(facts: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    questions = [q for q in facts.get("per_question", []) if q["responses"] > 0]
    if len(questions) < 2:
        return []
    first, last = questions[0], questions[-1]
    delta = last["mean_score"] - first["mean_score"]
    if abs(delta) < 0.2:
        return []
    direction, meaning = TREND_WORDS[lang]["up" if delta > 0 else "down"]
    title, text = INSIGHT["trend"][lang]
    values = {
        "direction": direction,
        "meaning": meaning,
        "first": _signed(first["mean_score"], lang),
        "last": _signed(last["mean_score"], lang),
        "q": last["question_index"] + 1,
    }
    want = 1 if delta > 0 else -1
    sentiment = "positive" if delta > 0 else "negative"
    answers = [
        a
        for a in _answers_for(facts, None, sentiment)
        if a["q"] == last["question_index"]
    ]
    return [
        {
            "type": "trend",
            "title": title.format(**values),
            "insight": text.format(**values),
            "confidence": round(min(0.85, 0.4 + abs(delta) / 2), 2),
            "evidence": _evidence(answers, None, want),
        }
    ]


def _voice_insights(facts: dict[str, Any], lang: str, n: int) -> list[dict[str, Any]]:
    """Small groups may show no strong pattern: report the clearest voices."""
    result: list[dict[str, Any]] = []
    for sentiment, kind in (("positive", "opportunity"), ("negative", "risk")):
        answers = _answers_for(facts, None, sentiment)
        if not answers:
            continue
        title = {
            ("pl", "positive"): "Najcieplejsze głosy",
            ("pl", "negative"): "Najostrzejsze zastrzeżenia",
            ("en", "positive"): "The warmest voices",
            ("en", "negative"): "The sharpest objections",
        }[(lang, sentiment)]
        text = (
            f"{len(answers)} odpowiedzi miało wydźwięk "
            f"{'pozytywny' if sentiment == 'positive' else 'negatywny'}."
            if lang == "pl"
            else f"{len(answers)} answers were {sentiment}."
        )
        result.append(
            {
                "type": kind,
                "title": title,
                "insight": text,
                "confidence": _confidence(len(answers), len(facts["answers"])),
                "evidence": _evidence(
                    answers, None, 1 if sentiment == "positive" else -1
                ),
            }
        )
    return result[:n]


def _surprises(facts: dict[str, Any], lang: str) -> list[str]:
    result: list[str] = []
    for theme in facts.get("themes", []):
        if theme["positive"] >= 1 and theme["negative"] >= 1:
            share = min(theme["positive"], theme["negative"]) / theme["responses"]
            if share >= 0.25:
                result.append(
                    f"Temat „{theme['theme']}” jest sporny: {theme['positive']} "
                    f"odpowiedzi pozytywnych i {theme['negative']} negatywnych."
                    if lang == "pl"
                    else f"'{theme['theme']}' is contested: {theme['positive']} "
                    f"positive and {theme['negative']} negative answers."
                )
        if len(result) == 2:
            break
    overall = facts.get("overall", {})
    dimensions = [d for d in facts.get("segments", []) if d["dimension"] != "segment"]
    for dimension in dimensions[:2]:
        hi, lo = _extremes(dimension)
        if hi["mean_score"] > 0.15 and lo["mean_score"] < -0.15:
            dim = DIMENSION[lang].get(dimension["dimension"], dimension["dimension"])
            result.append(
                f"Według kryterium „{dim}” oceny mają przeciwne znaki: {hi['label']} "
                f"na plus, {lo['label']} na minus."
                if lang == "pl"
                else f"By {dim}, judgements have opposite signs: {hi['label']} "
                f"lean positive, {lo['label']} negative."
            )
            break
    if not result and overall:
        result.append(
            "Nie pojawiły się wyraźne rozbieżności między segmentami."
            if lang == "pl"
            else "No segment stood clearly apart from the rest."
        )
    return result


def _segment_notes(facts: dict[str, Any], lang: str) -> list[dict[str, str]]:
    notes: list[dict[str, str]] = []
    dimensions = [d for d in facts.get("segments", []) if d["dimension"] != "segment"]
    for dimension in dimensions[:3]:
        hi, lo = _extremes(dimension)
        for segment, high in ((hi, True), (lo, False)):
            themes = _join(segment["top_themes"][:2], lang) or "—"
            notes.append(
                {
                    "dimension": dimension["dimension"],
                    "segment": segment["key"],
                    "finding": (
                        f"{segment['label']}: {segment['responses']} odp. od "
                        f"{segment['personas']} os., średni wydźwięk "
                        f"{_signed(segment['mean_score'], lang)} "
                        f"({'najwyższy' if high else 'najniższy'}); tematy: {themes}."
                        if lang == "pl"
                        else f"{segment['label']}: {segment['responses']} answers "
                        f"from {segment['personas']} people, mean sentiment "
                        f"{_signed(segment['mean_score'], lang)} "
                        f"({'highest' if high else 'lowest'}); themes: {themes}."
                    ),
                }
            )
    return notes


def _recommendations(
    facts: dict[str, Any], insights: list[dict[str, Any]], lang: str
) -> list[str]:
    if not facts.get("include_recommendations", True):
        return []
    result: list[str] = []
    for insight in insights:
        subject = insight.get("subject")
        if subject is None:
            continue
        if insight["type"] == "risk":
            result.append(
                f"Odpowiedzieć na obawy dotyczące tematu „{subject}”: przetestować "
                "na kolejnej grupie komunikat, który wprost je rozwiewa."
                if lang == "pl"
                else f"Address the concerns about {subject}: test a message that "
                "answers them head-on with the next group."
            )
        elif insight["type"] == "opportunity":
            result.append(
                f"Oprzeć komunikację na atucie „{subject}”, który uczestnicy sami "
                "podnoszą."
                if lang == "pl"
                else f"Lead the messaging with {subject}, which participants raise "
                "themselves."
            )
        elif insight["type"] == "pattern":
            result.append(
                f"Przygotować osobne warianty komunikatu w podziale na: {subject}."
                if lang == "pl"
                else f"Prepare separate message variants by {subject}."
            )
    result.append(
        "Zweryfikować wnioski na prawdziwych respondentach: to symulacja."
        if lang == "pl"
        else "Validate these findings with real respondents: this is a simulation."
    )
    return result[:5]


def _narrative(facts: dict[str, Any], lang: str) -> str:
    parts: list[str] = []
    for q in facts.get("per_question", []):
        if not q["responses"]:
            continue
        parts.append(
            f"Pytanie {q['question_index'] + 1}: {q['positive']} poz., "
            f"{q['neutral']} neutr., {q['negative']} neg. (średnio "
            f"{_signed(q['mean_score'], lang)})."
            if lang == "pl"
            else f"Question {q['question_index'] + 1}: {q['positive']} positive, "
            f"{q['neutral']} neutral, {q['negative']} negative (mean "
            f"{_signed(q['mean_score'], lang)})."
        )
    return " ".join(parts)


def _tone(overall: dict[str, Any]) -> str:
    counts = {k: overall.get(k, 0) for k in ("positive", "neutral", "negative")}
    return max(counts, key=lambda k: (counts[k], k == "neutral"))


@offline_composer("analysis.summary")
@offline_composer("analysis.summary_fast")
def compose_summary(offline: OfflineInput) -> dict[str, Any]:
    facts, rng = offline.facts, offline.rng
    lang = _lang(facts)
    answers = facts.get("answers", [])
    overall = facts.get("overall", {})
    tone = _tone(overall)
    sentences = [
        _pick(
            rng,
            "summary_open",
            lang,
            name=facts.get("group", {}).get("name", ""),
            personas=len({a.get("persona") for a in answers}),
            answers=len(answers),
            questions=len(facts.get("questions", [])),
        ),
        _pick(
            rng,
            "tone",
            lang,
            tone=TONE[lang][tone],
            tone_adj=TONE_ADJ[lang][tone],
            pos=overall.get("positive", 0),
            neu=overall.get("neutral", 0),
            neg=overall.get("negative", 0),
        ),
    ]
    top = [
        f"{t['theme'].lower() if lang == 'pl' else t['theme']} ({t['responses']})"
        for t in facts.get("themes", [])[:3]
    ]
    if top:
        sentences.append(_pick(rng, "themes", lang, list=_join(top, lang)))
    segments = [d for d in facts.get("segments", []) if d["dimension"] != "segment"]
    if segments and segments[0]["spread"] >= 0.15:
        hi, lo = _extremes(segments[0])
        sentences.append(
            _pick(
                rng,
                "gap",
                lang,
                dim=DIMENSION[lang].get(segments[0]["dimension"], ""),
                hi=hi["label"],
                hi_score=_signed(hi["mean_score"], lang),
                lo=lo["label"],
                lo_score=_signed(lo["mean_score"], lang),
            )
        )
    insights = _insights(facts, lang)
    return {
        "executive_summary": " ".join(sentences),
        "key_insights": insights,
        "surprising_findings": _surprises(facts, lang),
        "segment_notes": _segment_notes(facts, lang),
        "recommendations": _recommendations(facts, insights, lang),
        "sentiment_narrative": _narrative(facts, lang),
    }


@offline_composer("analysis.annotate")
def compose_annotations(offline: OfflineInput) -> dict[str, Any]:
    lang = _lang(offline.facts)
    items = []
    for answer in offline.facts.get("answers", []):
        polarity, hits = lexicon_polarity(str(answer.get("text", "")))
        label = (
            "neutral"
            if not hits or abs(polarity) < 0.2
            else ("positive" if polarity > 0 else "negative")
        )
        items.append(
            {
                "ref": answer.get("ref"),
                "sentiment": label,
                "score": round(polarity, 3),
                "themes": [
                    THEMES[k].label(lang) for k in themes_of(str(answer.get("text")))
                ][:4],
            }
        )
    return {"answers": items}
