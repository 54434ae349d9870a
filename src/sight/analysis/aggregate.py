"""Counting: sentiment and themes per question, per segment, per theme.

Exact counts from the stored annotations; the summary quotes them as they are,
so a model never has to count (and cannot miscount).
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from sight.analysis.annotate import Annotation
from sight.analysis.inputs import DIMENSIONS, AnswerRecord, GroupRecord
from sight.analysis.schemas import (
    DimensionBreakdown,
    QuestionSentiment,
    SegmentAnalysis,
    SegmentStats,
    SentimentCounts,
    ThemeCount,
)

TOP_THEMES = 3


def _counts(annotations: Iterable[Annotation]) -> SentimentCounts:
    items = list(annotations)
    labels = Counter(a.sentiment for a in items)
    mean = sum(a.score for a in items) / len(items) if items else 0.0
    return SentimentCounts(
        positive=labels["positive"],
        neutral=labels["neutral"],
        negative=labels["negative"],
        mean_score=round(mean, 4),
    )


def _top_themes(annotations: Iterable[Annotation], n: int = TOP_THEMES) -> list[str]:
    counts = Counter(t for a in annotations for t in a.themes)
    return [theme for theme, _ in counts.most_common(n)]


def overall(annotations: Sequence[Annotation]) -> SentimentCounts:
    return _counts(annotations)


def per_question(
    group: GroupRecord, by_id: dict[uuid.UUID, Annotation]
) -> list[QuestionSentiment]:
    result: list[QuestionSentiment] = []
    for index, question in enumerate(group.questions):
        items = [
            by_id[a.id]
            for a in group.answers
            if a.question_index == index and a.id in by_id
        ]
        counts = _counts(items)
        result.append(
            QuestionSentiment(
                **counts.model_dump(),
                question_index=index,
                question=question,
                responses=len(items),
                top_themes=_top_themes(items),
            )
        )
    return result


TIERS = {
    "pl": {
        "basic": "wykszt. podstawowe",
        "middle": "wykszt. średnie",
        "higher": "wykszt. wyższe",
    },
    "en": {
        "basic": "basic education",
        "middle": "secondary education",
        "higher": "higher education",
    },
}


def segment_label(group: GroupRecord, key: str) -> str:
    """ "age_25_34/female/higher" in words, in the group's language."""
    parts = key.split("/")
    if len(parts) != 3:
        return key
    age, gender, tier = parts
    tiers = TIERS.get(group.language, TIERS["en"])
    return " · ".join(
        (
            group.label("age_group", age),
            group.label("gender", gender),
            tiers.get(tier, tier),
        )
    )


def _segment_key(answer: AnswerRecord, dimension: str) -> str:
    if dimension == "segment":
        return answer.segment
    return answer.demographics.get(dimension, "unknown")


def per_segment(
    group: GroupRecord,
    by_id: dict[uuid.UUID, Annotation],
    dimensions: Sequence[str] = (*DIMENSIONS, "segment"),
) -> SegmentAnalysis:
    """For each dimension, each segment's personas, answers and sentiment;
    dimensions where segments differ most come first."""
    breakdowns: list[DimensionBreakdown] = []
    for dimension in dimensions:
        answers: dict[str, list[AnswerRecord]] = defaultdict(list)
        for answer in group.answers:
            if answer.id in by_id:
                answers[_segment_key(answer, dimension)].append(answer)
        if len(answers) < 2:
            continue  # one segment only: nothing to compare
        segments: list[SegmentStats] = []
        for key, items in answers.items():
            annotations = [by_id[a.id] for a in items]
            counts = _counts(annotations)
            segments.append(
                SegmentStats(
                    **counts.model_dump(),
                    key=key,
                    label=(
                        segment_label(group, key)
                        if dimension == "segment"
                        else group.label(dimension, key)
                    ),
                    personas=len({a.persona_id for a in items}),
                    responses=len(items),
                    top_themes=_top_themes(annotations),
                )
            )
        segments.sort(key=lambda s: (-s.responses, s.key))
        means = [s.mean_score for s in segments]
        breakdowns.append(
            DimensionBreakdown(
                dimension=dimension,
                spread=round(max(means) - min(means), 4),
                segments=segments,
            )
        )
    breakdowns.sort(key=lambda d: -d.spread)
    return SegmentAnalysis(dimensions=breakdowns)


def theme_counts(
    group: GroupRecord, by_id: dict[uuid.UUID, Annotation]
) -> list[ThemeCount]:
    responses: dict[str, list[tuple[AnswerRecord, Annotation]]] = defaultdict(list)
    for answer in group.answers:
        annotation = by_id.get(answer.id)
        if annotation is None:
            continue
        for theme in annotation.themes:
            responses[theme].append((answer, annotation))
    themes = [
        ThemeCount(
            theme=theme,
            responses=len(items),
            personas=len({a.persona_id for a, _ in items}),
            positive=sum(1 for _, n in items if n.sentiment == "positive"),
            neutral=sum(1 for _, n in items if n.sentiment == "neutral"),
            negative=sum(1 for _, n in items if n.sentiment == "negative"),
            questions=sorted({a.question_index for a, _ in items}),
        )
        for theme, items in responses.items()
    ]
    themes.sort(key=lambda t: (-t.responses, t.theme))
    return themes
