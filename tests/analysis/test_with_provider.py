"""Analysis through a real provider SDK (OpenAI) against the fake server: the
model's answers are used where they hold and held to the transcript where
they do not."""

from __future__ import annotations

import json

from sight.analysis.annotate import LocalAnnotator, annotate_with_model
from sight.analysis.summary import write_summary
from sight.llm.gateway import LLMGateway
from sight.llm.types import CallContext
from sight_testing.fake_llm import FakeLLM
from tests.analysis.sample import english_group
from tests.llm.conftest import fake_llm, openai_gateway  # noqa: F401 (fixtures)

CTX = CallContext(user_id=None)


async def test_model_annotations_and_a_summary_with_bad_quotes(
    fake_llm: FakeLLM,  # noqa: F811
    openai_gateway: LLMGateway,  # noqa: F811
) -> None:
    group = english_group()
    answers = group.answers
    # The model annotates every answer but the last (it "forgot" it).
    batch = {
        "answers": [
            {
                "ref": f"a{i}",
                "sentiment": "negative",
                "score": -0.6,
                "themes": ["price  sensitivity", "trust."],
            }
            for i in range(len(answers) - 1)
        ]
    }
    ruth = next(a for a in answers if a.persona_name == "Ruth Miller")
    anna = next(a for a in answers if a.persona_name == "Anna Smith")
    draft = {
        "executive_summary": "Price dominates.",
        "key_insights": [
            {
                "type": "risk",
                "title": "Price",
                "insight": "Too expensive.",
                "confidence": 0.8,
                "evidence": [
                    # Right answer, typographic quotes and case: repaired.
                    {
                        "response_id": str(ruth.id),
                        "quote": "\u201cIt\u2019s Far too expensive for a pensioner.\u201d",
                    },
                    # Invented: dropped.
                    {"response_id": str(anna.id), "quote": "I would never pay a cent."},
                ],
            },
            {
                "type": "opportunity",
                "title": "Convenience",
                "insight": "Loved.",
                "confidence": 0.7,
                # Wrong id: found in Anna's answer instead.
                "evidence": [
                    {
                        "response_id": str(ruth.id),
                        "quote": "I love how convenient it is.",
                    }
                ],
            },
            {
                "type": "trend",
                "title": "Invented",
                "insight": "Nothing.",
                "confidence": 0.9,
                "evidence": [{"response_id": "r-404", "quote": "No one said this."}],
            },
        ],
        "surprising_findings": ["None."],
        "segment_notes": [
            {
                "dimension": "urban_rural",
                "segment": "rural",
                "finding": "Rural people object to the price.",
            }
        ],
        "recommendations": ["Test a cheaper plan."],
        "sentiment_narrative": "Mostly negative.",
    }
    fake_llm.configure(
        canned=[
            {"contains": "Annotate these", "content": json.dumps(batch)},
            {"contains": "Analyse the focus group", "content": json.dumps(draft)},
        ]
    )
    local = LocalAnnotator(openai_gateway, CTX, "en", [a.text for a in answers])
    notes = await annotate_with_model(openai_gateway, CTX, "en", answers, local)
    assert [n.response_id for n in notes] == [a.id for a in answers]
    by_model = notes[:-1]
    assert {n.method for n in by_model} == {"llm:openai:gpt-4.1-mini"}
    assert by_model[0].themes == ("Price sensitivity", "Trust")
    assert notes[-1].method.startswith("local:embedding-anchors+lexicon")

    summary = await write_summary(
        openai_gateway,
        CTX,
        group,
        {n.response_id: n for n in notes},
        use_pro_model=False,
        include_recommendations=True,
        sentiment_method="llm",
    )
    assert summary.metadata.generated_by == "openai:gpt-4.1-mini"
    assert summary.metadata.quotes_repaired == 2
    assert summary.metadata.quotes_dropped == 2
    assert summary.metadata.insights_dropped == 1
    assert summary.metadata.insights_added == 1  # back to the minimum of three
    assert len(summary.key_insights) == 3
    price = summary.key_insights[0]
    assert [e.quote for e in price.evidence] == [
        "It's far too expensive for a pensioner"
    ]
    assert price.evidence[0].response_id == ruth.id
    convenience = summary.key_insights[1]
    assert convenience.evidence[0].response_id == anna.id
    rural = next(
        s
        for d in summary.segment_analysis.dimensions
        if d.dimension == "urban_rural"
        for s in d.segments
        if s.key == "rural"
    )
    assert rural.finding == "Rural people object to the price."
    assert (rural.personas, rural.responses) == (3, 6)
