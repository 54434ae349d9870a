"""API shapes of focus-group analysis.

`AISummary` keeps the original product's shape (executive_summary,
key_insights, surprising_findings, segment_analysis, recommendations,
sentiment_narrative, metadata) and adds checked evidence to each insight.
`SentimentReport`, `ThemeReport` and `ConceptGraphRead` are the per-answer
measures and their aggregates; each names the method that made it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from sight.kit.schemas import Schema

InsightType = Literal["opportunity", "risk", "trend", "pattern"]
SentimentLabel = Literal["positive", "neutral", "negative"]
AnalysisStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]

MIN_INSIGHTS, MAX_INSIGHTS = 3, 7


# ---- what the model writes (validated, then checked against the transcript) --


class EvidenceDraft(BaseModel):
    response_id: str = Field(description="The id of the answer quoted.")
    quote: str = Field(description="Copied exactly from that answer.")


class InsightDraft(BaseModel):
    type: InsightType
    title: str = Field(max_length=200)
    insight: str = Field(description="Two or three sentences.")
    confidence: float = Field(ge=0, le=1)
    evidence: list[EvidenceDraft] = Field(min_length=1, max_length=4)


class SegmentNote(BaseModel):
    dimension: str
    segment: str = Field(description="The segment key as given in the facts.")
    finding: str


class SummaryDraft(BaseModel):
    executive_summary: str
    key_insights: list[InsightDraft] = Field(min_length=1, max_length=10)
    surprising_findings: list[str] = Field(default_factory=list, max_length=6)
    segment_notes: list[SegmentNote] = Field(default_factory=list, max_length=12)
    recommendations: list[str] = Field(default_factory=list, max_length=8)
    sentiment_narrative: str


# ---- aggregates ---------------------------------------------------------------


class SentimentCounts(Schema):
    positive: int = 0
    neutral: int = 0
    negative: int = 0
    mean_score: float = 0.0


class QuestionSentiment(SentimentCounts):
    question_index: int
    question: str
    responses: int
    top_themes: list[str]


class SegmentStats(SentimentCounts):
    key: str
    label: str
    personas: int
    responses: int
    top_themes: list[str]
    finding: str | None = None


class DimensionBreakdown(Schema):
    dimension: str
    # Largest difference of mean sentiment between two segments with answers.
    spread: float
    segments: list[SegmentStats]


class SegmentAnalysis(Schema):
    dimensions: list[DimensionBreakdown]


class ThemeCount(Schema):
    theme: str
    responses: int
    personas: int
    positive: int
    neutral: int
    negative: int
    questions: list[int]


class ResponseSentiment(Schema):
    response_id: uuid.UUID
    persona_id: uuid.UUID
    question_index: int
    sentiment: SentimentLabel
    score: float
    confidence: float
    themes: list[str]
    method: str


class SentimentReport(Schema):
    focus_group_id: uuid.UUID
    method: str
    generated_by: str
    overall: SentimentCounts
    per_question: list[QuestionSentiment]
    per_segment: SegmentAnalysis
    responses: list[ResponseSentiment]
    computed_at: datetime


class ThemeReport(Schema):
    focus_group_id: uuid.UUID
    method: str
    generated_by: str
    themes: list[ThemeCount]
    per_question: list[QuestionSentiment]


# ---- the summary ------------------------------------------------------------


class Evidence(Schema):
    response_id: uuid.UUID
    persona_id: uuid.UUID
    persona_name: str
    question_index: int
    quote: str = Field(description="Found verbatim in the response text.")
    start: int = Field(description="Character offset of the quote in the response.")
    end: int


class KeyInsight(Schema):
    type: InsightType
    title: str
    insight: str
    confidence: float
    evidence: list[Evidence]


class SummaryMetadata(Schema):
    model: str
    provider: str
    prompt_version: str
    generated_by: str
    language: str
    use_pro_model: bool
    include_recommendations: bool
    sentiment_method: str
    responses_analyzed: int
    quotes_checked: int
    quotes_repaired: int
    quotes_dropped: int
    insights_dropped: int
    insights_added: int
    generated_at: datetime


class AISummary(Schema):
    focus_group_id: uuid.UUID
    executive_summary: str
    key_insights: list[KeyInsight]
    surprising_findings: list[str]
    segment_analysis: SegmentAnalysis
    recommendations: list[str]
    sentiment_narrative: str
    metadata: SummaryMetadata


# ---- the concept graph --------------------------------------------------------


class ConceptNode(Schema):
    concept: str
    mentions: int
    personas: int
    positive: int
    neutral: int
    negative: int
    # 0..1: 1 when supporters and critics are equally many.
    contested: float
    pagerank: float
    betweenness: float
    degree: float
    community: int


class ConceptEdge(Schema):
    source: str
    target: str
    weight: float


class PersonaMention(Schema):
    persona_id: uuid.UUID
    persona_name: str
    segment: str
    concept: str
    mentions: int
    mean_score: float


class PersonaInfluence(Schema):
    persona_id: uuid.UUID
    persona_name: str
    segment: str
    influence: float
    concepts: int
    replies_received: int


class ConceptGraphRead(Schema):
    focus_group_id: uuid.UUID
    method: str
    engine: str = Field(description="gds | in-process: who computed centrality.")
    store: str = Field(description="postgres | neo4j: the configured store.")
    nodes: list[ConceptNode]
    edges: list[ConceptEdge]
    mentions: list[PersonaMention]
    influential_personas: list[PersonaInfluence]
    contested_concepts: list[str]
    modularity: float
    computed_at: datetime


# ---- jobs ---------------------------------------------------------------------


class AnalysisAccepted(Schema):
    focus_group_id: uuid.UUID
    job_id: uuid.UUID
    kind: str
    status_url: str
    events_url: str
    estimate: dict[str, object]


class AnalysisStatusRead(Schema):
    focus_group_id: uuid.UUID
    job_id: uuid.UUID | None
    status: AnalysisStatus | None
    error: str | None
    has_summary: bool
    has_sentiment: bool
    has_concept_graph: bool
