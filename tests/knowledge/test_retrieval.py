"""Reciprocal rank fusion, and `retrieve()` as other domains call it."""

from __future__ import annotations

import uuid

import httpx
import pytest

from sight.knowledge.retrieval import context_block, retrieve, rrf
from sight.knowledge.store import ChunkHit
from sight.llm.gateway import LLMGateway
from sight.llm.types import CallContext
from sight.postgres import create_engine, create_sessionmaker
from tests.conftest import make_settings, register_user
from tests.knowledge.conftest import create_project, upload, wait_document
from tests.knowledge.documents import MARKET_PAGES, make_pdf


def _hit(chunk: uuid.UUID, rank: int) -> ChunkHit:
    return ChunkHit(chunk, uuid.uuid4(), 0, "", "", None, None, 0.0, rank)


def test_rrf_rewards_agreement_between_lists() -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    fused = rrf([[_hit(a, 1), _hit(b, 2)], [_hit(b, 1), _hit(c, 2)]], k=60)
    assert [chunk for chunk, _ in fused] == [b, a, c]
    assert fused[0][1] == pytest.approx(1 / 62 + 1 / 61)
    assert fused[1][1] == pytest.approx(1 / 61)


def test_rrf_constant_changes_how_much_top_ranks_dominate() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    lists = [[_hit(a, 1)], [_hit(b, 4)], [_hit(b, 4)]]
    assert rrf(lists, k=1)[0][0] == a  # 1/2 > 2/5: a small k favours rank 1
    assert rrf(lists, k=60)[0][0] == b  # 2/64 > 1/61: a large k favours agreement


async def test_retrieve_for_other_domains_returns_citations(
    kclient: httpx.AsyncClient, database_url: str
) -> None:
    user = await register_user(kclient)
    auth = user["authorization"]
    project = await create_project(kclient, auth)
    response = await upload(kclient, auth, project, "m.pdf", make_pdf(MARKET_PAGES))
    await wait_document(
        kclient, auth, project, response.json()["document"]["id"], {"ready"}
    )
    engine = create_engine(database_url, pool_size=2)
    sessionmaker = create_sessionmaker(engine)
    gateway = LLMGateway(make_settings(llm={"detect_ollama": False}), sessionmaker)
    try:
        chunks = await retrieve(
            sessionmaker,
            gateway,
            uuid.UUID(project),
            "students price sensitivity",
            top_k=2,
            ctx=CallContext(uuid.UUID(user["id"]), uuid.UUID(project)),
        )
        # Only what may be cited: the price page, not the next best chunk
        # that merely shares the topic.
        assert 1 <= len(chunks) <= 2
        citation = chunks[0].citation()
        assert citation["page"] == 2
        assert citation["document_title"] == "m"
        assert citation["chunk_id"] == str(chunks[0].chunk_id)
        assert context_block(chunks).startswith("[1] m, p. 2\n")
        empty = await retrieve(sessionmaker, gateway, uuid.uuid4(), "anything")
        assert empty == []
        unrelated = await retrieve(
            sessionmaker,
            gateway,
            uuid.UUID(project),
            "which football club won the league in 1966",
            top_k=4,
        )
        assert unrelated == []  # no citation rather than an unrelated one
    finally:
        await gateway.aclose()
        await engine.dispose()
