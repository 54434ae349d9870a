"""Grounded answers: citations must point at what the model was shown."""

from __future__ import annotations

import uuid

from sight.knowledge.answer import NOT_FOUND, answer_question
from sight.knowledge.retrieval import RetrievedChunk
from sight.llm.gateway import LLMGateway
from sight.llm.types import CallContext
from sight.postgres import create_engine, create_sessionmaker
from tests.conftest import make_settings


def _chunk(text: str, page: int) -> RetrievedChunk:
    return RetrievedChunk(
        chunk_id=uuid.uuid4(),
        document_id=uuid.uuid4(),
        document_title="Report",
        page=page,
        page_end=page,
        heading="",
        text=text,
        score=0.1,
        snippet=text,
    )


async def test_offline_answer_cites_the_sentence_that_answers(
    database_url: str,
) -> None:
    engine = create_engine(database_url, pool_size=2)
    gateway = LLMGateway(
        make_settings(llm={"detect_ollama": False}), create_sessionmaker(engine)
    )
    try:
        chunks = [
            _chunk("Students in Gdynia prefer cold brew coffee.", 4),
            _chunk("Oat milk costs 9.90 PLN per litre in discount stores.", 7),
        ]
        answer = await answer_question(
            gateway,
            "How much does a litre of oat milk cost?",
            chunks,
            CallContext(None),
        )
        assert answer.found is True
        assert "9.90 PLN" in answer.answer
        # Source 2 is the first (and only) one cited: shown as [1].
        assert [n for n, _ in answer.citations] == [1]
        assert answer.citations[0][1].page == 7
        assert "[1]" in answer.answer
        assert "[2]" not in answer.answer
        assert answer.generated_by == "offline-engine"

        unrelated = await answer_question(
            gateway, "Which football club won in 1966?", chunks, CallContext(None)
        )
        assert (unrelated.found, unrelated.answer, unrelated.citations) == (
            False,
            NOT_FOUND,
            [],
        )
        nothing = await answer_question(gateway, "Anything?", [], CallContext(None))
        assert nothing.found is False
        assert nothing.generated_by is None  # no model was asked
    finally:
        await gateway.aclose()
        await engine.dispose()
