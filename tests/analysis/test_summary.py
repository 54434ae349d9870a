from __future__ import annotations

import re
import uuid

import pytest

from sight.analysis.annotate import Annotation, LocalAnnotator
from sight.analysis.inputs import GroupRecord
from sight.analysis.schemas import (
    MAX_INSIGHTS,
    MIN_INSIGHTS,
    AISummary,
    EvidenceDraft,
    InsightDraft,
    SummaryDraft,
)
from sight.analysis.summary import build_facts, finish_summary, write_summary
from sight.llm.gateway import LLMGateway
from sight.llm.types import CallContext
from tests.analysis.sample import english_group, polish_group

CTX = CallContext(user_id=None)


async def annotate(llm: LLMGateway, group: GroupRecord) -> dict[uuid.UUID, Annotation]:
    annotator = LocalAnnotator(
        llm, CTX, group.language, [a.text for a in group.answers]
    )
    return {a.response_id: a for a in await annotator.annotate(group.answers)}


def assert_quotes_verbatim(group: GroupRecord, summary: AISummary) -> None:
    for insight in summary.key_insights:
        assert insight.evidence, insight.title
        for evidence in insight.evidence:
            answer = group.answer(evidence.response_id)
            assert answer is not None
            assert answer.text[evidence.start : evidence.end] == evidence.quote
            assert evidence.persona_id == answer.persona_id


async def test_offline_summary_in_english_is_grounded(
    offline_gateway: LLMGateway,
) -> None:
    group = english_group()
    annotations = await annotate(offline_gateway, group)
    summary = await write_summary(
        offline_gateway,
        CTX,
        group,
        annotations,
        use_pro_model=True,
        include_recommendations=True,
        sentiment_method="local",
    )
    assert MIN_INSIGHTS <= len(summary.key_insights) <= MAX_INSIGHTS
    assert_quotes_verbatim(group, summary)
    assert summary.metadata.generated_by == "offline-engine"
    assert summary.metadata.quotes_dropped == 0
    # The rural older participants criticise the price: a risk on Price.
    risks = [i for i in summary.key_insights if i.type == "risk"]
    assert any("Price" in i.title for i in risks), [i.title for i in risks]
    assert "participants" in summary.executive_summary
    assert summary.recommendations
    # Segment counts equal the data: 3 urban and 3 rural people, 6 answers each.
    by_place = next(
        d for d in summary.segment_analysis.dimensions if d.dimension == "urban_rural"
    )
    counts = {s.key: (s.personas, s.responses) for s in by_place.segments}
    assert counts == {"urban": (3, 6), "rural": (3, 6)}
    labelled = sum(s.positive + s.neutral + s.negative for s in by_place.segments)
    assert labelled == len(group.answers)
    urban = next(s for s in by_place.segments if s.key == "urban")
    rural = next(s for s in by_place.segments if s.key == "rural")
    assert urban.mean_score > rural.mean_score


async def test_offline_summary_in_polish_without_recommendations(
    offline_gateway: LLMGateway,
) -> None:
    group = polish_group()
    annotations = await annotate(offline_gateway, group)
    summary = await write_summary(
        offline_gateway,
        CTX,
        group,
        annotations,
        use_pro_model=False,
        include_recommendations=False,
        sentiment_method="local",
    )
    assert summary.recommendations == []
    assert MIN_INSIGHTS <= len(summary.key_insights) <= MAX_INSIGHTS
    assert_quotes_verbatim(group, summary)
    assert "uczestników" in summary.executive_summary
    assert re.search(r"[ąęłńóśźż]", " ".join(i.title for i in summary.key_insights))
    assert not re.search(r"\b(the|and|answers)\b", summary.executive_summary)
    assert summary.metadata.use_pro_model is False


def _draft(group: GroupRecord, quotes: list[tuple[str, str]]) -> SummaryDraft:
    return SummaryDraft(
        executive_summary="x",
        key_insights=[
            InsightDraft(
                type="pattern",
                title=f"Insight {i}",
                insight="y",
                confidence=0.5,
                evidence=[EvidenceDraft(response_id=rid, quote=quote)],
            )
            for i, (rid, quote) in enumerate(quotes)
        ],
        sentiment_narrative="z",
    )


@pytest.mark.parametrize("real", [0, 1, 2, 8])
async def test_invented_quotes_never_reach_the_summary(
    offline_gateway: LLMGateway, real: int
) -> None:
    group = english_group()
    annotations = await annotate(offline_gateway, group)
    quotes = [(str(a.id), a.text[:25]) for a in group.answers[:real]]
    invented = [(str(group.answers[0].id), "A sentence nobody ever said here.")] * 2
    draft = _draft(group, quotes + invented)
    facts = build_facts(group, annotations, include_recommendations=True)
    summary = finish_summary(
        group,
        annotations,
        draft,
        facts,
        model="m",
        provider="p",
        generated_by="p:m",
        use_pro_model=True,
        include_recommendations=True,
        sentiment_method="local",
    )
    assert MIN_INSIGHTS <= len(summary.key_insights) <= MAX_INSIGHTS
    assert_quotes_verbatim(group, summary)
    assert summary.metadata.insights_dropped == 2
    assert summary.metadata.quotes_dropped == 2
    kept = min(real, MAX_INSIGHTS)
    assert summary.metadata.insights_added == max(0, MIN_INSIGHTS - kept)
