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
) -> dict[str, Any]:
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
            texts = answered(question, respondents)
            vectors = (text_vectors or {}).get(question.id)
            stats["themes"] = themes(texts, vectors, seed)
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


def partial_results(
    questions: list[Question], respondents: list[Respondent]
) -> list[dict[str, Any]]:
    """Quick per-question counts and means while a run is in progress."""
    return [
        question_stats(q, respondents, quick=True)
        for q in questions
        if q.type != "open-text"
    ]
