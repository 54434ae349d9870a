"""The AI summary: facts → one model call → checked against the transcript.

The model (or the offline engine) gets the answers with their ids and the exact
statistics; what it writes is then held to the transcript: each quote must be
a verbatim span of the answer it cites (repaired or dropped otherwise, see
quotes.py), insights without evidence are dropped, and the 3-7 bound is kept
by adding the strongest data-driven insights when too few survive. Segment
counts always come from the data, never from the model.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from sight.analysis import aggregate
from sight.analysis.annotate import Annotation
from sight.analysis.inputs import GroupRecord
from sight.analysis.offline import compose_summary
from sight.analysis.quotes import QuoteStats, check_evidence
from sight.analysis.schemas import (
    MAX_INSIGHTS,
    MIN_INSIGHTS,
    AISummary,
    InsightDraft,
    KeyInsight,
    SegmentAnalysis,
    SummaryDraft,
    SummaryMetadata,
)
from sight.llm.gateway import LLMGateway
from sight.llm.providers.offline import OfflineInput
from sight.llm.types import CallContext
from sight.prompts import analysis as prompts

PRO_FLOW = "analysis.summary"
FAST_FLOW = "analysis.summary_fast"
# Characters of answer text sent to the model; beyond it answers are shortened
# evenly (the statistics always cover every answer).
PROMPT_TEXT_BUDGET = 120_000


def summary_flow(use_pro_model: bool) -> str:
    return PRO_FLOW if use_pro_model else FAST_FLOW


def build_facts(
    group: GroupRecord,
    annotations: dict[Any, Annotation],
    *,
    include_recommendations: bool,
) -> dict[str, Any]:
    analysed = [a for a in group.answers if a.id in annotations]
    total_chars = sum(len(a.text) for a in analysed) or 1
    limit = max(200, int(PROMPT_TEXT_BUDGET * 1.0 / max(1, len(analysed))))
    shorten = total_chars > PROMPT_TEXT_BUDGET
    answers = []
    for answer in analysed:
        note = annotations[answer.id]
        answers.append(
            {
                "id": str(answer.id),
                "persona": answer.persona_name,
                "segment": answer.segment,
                "demographics": answer.demographics,
                "q": answer.question_index,
                "text": answer.text[:limit] if shorten else answer.text,
                "sentiment": note.sentiment,
                "score": note.score,
                "themes": list(note.themes),
            }
        )
    return {
        "language": group.language,
        "group": {"name": group.name, "stimulus": group.stimulus},
        "questions": group.questions,
        "answers": answers,
        "overall": aggregate.overall(list(annotations.values())).model_dump(),
        "per_question": [
            q.model_dump() for q in aggregate.per_question(group, annotations)
        ],
        "segments": aggregate.per_segment(group, annotations).model_dump()[
            "dimensions"
        ],
        "themes": [
            t.model_dump() for t in aggregate.theme_counts(group, annotations)[:15]
        ],
        "include_recommendations": include_recommendations,
    }


async def write_summary(
    llm: LLMGateway,
    ctx: CallContext,
    group: GroupRecord,
    annotations: dict[Any, Annotation],
    *,
    use_pro_model: bool,
    include_recommendations: bool,
    sentiment_method: str,
) -> AISummary:
    facts = build_facts(
        group, annotations, include_recommendations=include_recommendations
    )
    result = await llm.generate(
        summary_flow(use_pro_model),
        SummaryDraft,
        system=prompts.summary_system(group.language),
        prompt=prompts.summary_prompt(facts),
        ctx=ctx,
        prompt_version=prompts.PROMPT_VERSION,
    )
    return finish_summary(
        group,
        annotations,
        result.output,
        facts,
        model=result.route.model,
        provider=result.route.provider,
        generated_by=result.generated_by,
        use_pro_model=use_pro_model,
        include_recommendations=include_recommendations,
        sentiment_method=sentiment_method,
    )


def finish_summary(
    group: GroupRecord,
    annotations: dict[Any, Annotation],
    draft: SummaryDraft,
    facts: dict[str, Any],
    *,
    model: str,
    provider: str,
    generated_by: str,
    use_pro_model: bool,
    include_recommendations: bool,
    sentiment_method: str,
) -> AISummary:
    """Hold the draft to the transcript and the data (pure; tested directly)."""
    stats = QuoteStats()
    insights: list[KeyInsight] = []
    dropped = added = 0
    for item in draft.key_insights:
        insight = _checked(group, item, stats)
        if insight is None:
            dropped += 1
        elif len(insights) < MAX_INSIGHTS:
            insights.append(insight)
    if len(insights) < MIN_INSIGHTS:
        # Too few survived: the strongest patterns in the data fill the gap,
        # each with quotes taken from the answers themselves.
        backup = compose_summary(
            OfflineInput(
                flow=PRO_FLOW,
                system="",
                prompt="",
                json_schema=None,
                rng=random.Random(0),  # noqa: S311 (phrasing only)
                facts=facts,
            )
        )
        titles = {i.title for i in insights}
        for raw in backup["key_insights"]:
            if len(insights) >= MIN_INSIGHTS:
                break
            candidate = _checked(group, InsightDraft.model_validate(raw), stats)
            if candidate is not None and candidate.title not in titles:
                insights.append(candidate)
                added += 1
    segments = aggregate.per_segment(group, annotations)
    _attach_notes(segments, draft)
    return AISummary(
        focus_group_id=group.id,
        executive_summary=draft.executive_summary.strip(),
        key_insights=insights,
        surprising_findings=[s.strip() for s in draft.surprising_findings if s.strip()],
        segment_analysis=segments,
        recommendations=(
            [r.strip() for r in draft.recommendations if r.strip()]
            if include_recommendations
            else []
        ),
        sentiment_narrative=draft.sentiment_narrative.strip(),
        metadata=SummaryMetadata(
            model=model,
            provider=provider,
            prompt_version=prompts.PROMPT_VERSION,
            generated_by=generated_by,
            language=group.language,
            use_pro_model=use_pro_model,
            include_recommendations=include_recommendations,
            sentiment_method=sentiment_method,
            responses_analyzed=len(annotations),
            quotes_checked=stats.checked,
            quotes_repaired=stats.repaired,
            quotes_dropped=stats.dropped,
            insights_dropped=dropped,
            insights_added=added,
            generated_at=datetime.now(UTC),
        ),
    )


def _checked(
    group: GroupRecord, draft: InsightDraft, stats: QuoteStats
) -> KeyInsight | None:
    evidence = check_evidence(group, draft.evidence, stats)
    if not evidence:
        return None
    return KeyInsight(
        type=draft.type,
        title=draft.title.strip(),
        insight=draft.insight.strip(),
        confidence=round(draft.confidence, 2),
        evidence=evidence,
    )


def _attach_notes(segments: SegmentAnalysis, draft: SummaryDraft) -> None:
    """The model's words go beside our counts, matched by dimension and key."""
    notes = {(n.dimension, n.segment): n.finding.strip() for n in draft.segment_notes}
    for dimension in segments.dimensions:
        for segment in dimension.segments:
            finding = notes.get((dimension.dimension, segment.key))
            if finding:
                segment.finding = finding
