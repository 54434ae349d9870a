"""A survey's results: statistics per question, bias guards, open-text themes.

Pure and CPU-bound: callers run it in a worker thread (`asyncio.to_thread`),
never on the event loop. Open-text embeddings are computed beforehand (the
gateway's embedder is async) and passed in.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sight.surveys.bias import heterogeneous, question_guards
from sight.surveys.schemas import Question
from sight.surveys.statistics import Respondent, answered, question_stats
from sight.surveys.themes import themes


def compute_results(
    questions: list[Question],
    respondents: list[Respondent],
    *,
    settings: dict[str, Any],
    rating_mode: str,
    text_vectors: dict[str, list[list[float]] | None] | None = None,
    seed: int = 0,
    themes_later: bool = False,
) -> dict[str, Any]:
    """`themes_later`: open-text questions get `themes: []` and
    `themes_pending: true` (a run stores the statistics first and groups the
    open answers into themes right after, see `with_themes`)."""
    varied = heterogeneous(respondents)
    per_question = []
    warnings: list[dict[str, str]] = []
    for question in questions:
        stats = question_stats(question, respondents, seed)
        guards = question_guards(question, respondents, varied=varied)
        stats["guards"] = guards
        warnings.extend(
            {"question_id": question.id, "message": message}
            for message in guards["warnings"]
        )
        if question.type == "open-text":
            if themes_later:
                stats["themes"] = []
                stats["themes_pending"] = True
            else:
                texts = answered(question, respondents)
                vectors = (text_vectors or {}).get(question.id)
                stats["themes"] = themes(texts, vectors, seed)
                stats["themes_pending"] = False
        per_question.append(stats)
    return {
        "respondents": len(respondents),
        "questions": per_question,
        "guards": {
            "shuffle_options": bool(settings.get("shuffle_options", True)),
            "rating_mode": rating_mode,
            "heterogeneous_sample": varied,
            "warnings": warnings,
        },
        "computed_at": datetime.now(UTC).isoformat(),
    }


def with_themes(
    results: dict[str, Any],
    questions: list[Question],
    respondents: list[Respondent],
    *,
    text_vectors: dict[str, list[list[float]] | None] | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """`results` (made with `themes_later`) with the open answers' themes."""
    by_id = {q.id: q for q in questions}
    per_question = []
    for stats in results["questions"]:
        question = by_id.get(stats["id"])
        if question is not None and question.type == "open-text":
            texts = answered(question, respondents)
            vectors = (text_vectors or {}).get(question.id)
            stats = {
                **stats,
                "themes": themes(texts, vectors, seed),
                "themes_pending": False,
            }
        per_question.append(stats)
    return {**results, "questions": per_question}


def partial_results(
    questions: list[Question], respondents: list[Respondent]
) -> list[dict[str, Any]]:
    """Quick per-question counts and means while a run is in progress."""
    return [
        question_stats(q, respondents, quick=True)
        for q in questions
        if q.type != "open-text"
    ]
