"""One contract, two adapters: every test here runs against the PostgreSQL
store and against the Neo4j store on a real Neo4j 5.26."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg
import pytest
from neo4j import AsyncDriver, AsyncGraphDatabase

from sight.graph import ensure_graph_indexes
from sight.knowledge.analytics import ConceptGraph, analyse_in_process
from sight.knowledge.errors import GraphIndexMissing, KnowledgeStoreUnavailable
from sight.knowledge.retrieval import rrf
from sight.knowledge.store import (
    ChunkFacts,
    ChunkRecord,
    DocumentRef,
    EntityFact,
    KnowledgeStore,
    RelationFact,
)
from sight.knowledge.store_neo4j import Neo4jKnowledgeStore
from sight.knowledge.store_postgres import (
    PostgresKnowledgeStore,
    nearest_sql,
    vector_literal,
)
from sight.postgres import create_engine, create_sessionmaker
from tests.fixtures.servers import free_port
from tests.knowledge.conftest import GRAPH_DIMENSIONS

DIMS = GRAPH_DIMENSIONS


@pytest.fixture(scope="session")
async def postgres_store(database_url: str) -> AsyncIterator[PostgresKnowledgeStore]:
    engine = create_engine(database_url, pool_size=2)
    yield PostgresKnowledgeStore(create_sessionmaker(engine))
    await engine.dispose()


@pytest.fixture(scope="session")
def neo4j_store(neo4j_driver: AsyncDriver) -> Neo4jKnowledgeStore:
    return Neo4jKnowledgeStore(neo4j_driver)


@pytest.fixture(params=["postgres", "neo4j"])
def store(request: pytest.FixtureRequest) -> KnowledgeStore:
    # Requested lazily, so the PostgreSQL half runs where Neo4j cannot.
    adapter: KnowledgeStore = request.getfixturevalue(f"{request.param}_store")
    return adapter


@dataclass
class Corpus:
    database_url: str
    project: uuid.UUID

    def document(self, title: str = "Doc") -> DocumentRef:
        """Documents always have their row in PostgreSQL, whatever the store."""
        document_id = uuid.uuid4()
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            owner = conn.execute(
                "SELECT owner_id FROM projects WHERE id = %s", (self.project,)
            ).fetchone()
            assert owner is not None
            conn.execute(
                "INSERT INTO knowledge_documents (id, project_id, user_id, title,"
                " filename, media_type, size_bytes, content_hash, status,"
                " chunk_count, entity_count, relation_count, embedding_model,"
                " embedding_dimensions, store) VALUES (%s, %s, %s, %s, 'f', 'text',"
                " 1, %s, 'ready', 0, 0, 0, 'test:model', %s, 'postgres')",
                (document_id, self.project, owner[0], title, uuid.uuid4().hex, DIMS),
            )
        return DocumentRef(document_id, self.project, title)


def _project(database_url: str) -> uuid.UUID:
    project, user = uuid.uuid4(), uuid.uuid4()
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO users (id, email, full_name, password_hash, is_active)"
            " VALUES (%s, %s, 'T', 'x', true)",
            (user, f"{user.hex[:12]}@example.com"),
        )
        conn.execute(
            "INSERT INTO projects (id, owner_id, name, description, research_goal,"
            " language, country, target_sample_size, target_demographics,"
            " target_distribution, llm_overrides) VALUES (%s, %s, 'P', '', '', 'en',"
            " 'pl', 10, '{}', '{}', '{}')",
            (project, user),
        )
    return project


@pytest.fixture
def corpus(database_url: str) -> Corpus:
    return Corpus(database_url, _project(database_url))


def vector(seed: int) -> list[float]:
    rng = np.random.default_rng(seed)
    values = rng.normal(size=DIMS)
    return [float(x) for x in values / np.linalg.norm(values)]


def chunks(document: DocumentRef, texts: list[str], seed: int = 0) -> list[ChunkRecord]:
    return [
        ChunkRecord(
            id=uuid.uuid5(document.id, f"chunk:{i}"),
            document_id=document.id,
            project_id=document.project_id,
            ordinal=i,
            text=text,
            heading=f"Section {i}",
            page=i + 1,
            page_end=i + 1,
            tokens=len(text) // 4 + 1,
            ts_config="english",
            embedding=vector(seed + i),
        )
        for i, text in enumerate(texts)
    ]


TEXTS = [
    "Oat milk sales grew among students in Krakow.",
    "Discount retailers cut the price of soy drinks.",
    "Premium almond brands target urban professionals.",
    "Gen Z buyers compare labels on their phones.",
]


async def test_vector_search_ranks_nearest_first_within_allowed_documents(
    store: KnowledgeStore, corpus: Corpus
) -> None:
    document = corpus.document()
    await store.put_document(document)
    await store.put_chunks(document, chunks(document, TEXTS))
    other_project = Corpus(corpus.database_url, _project(corpus.database_url))
    foreign = other_project.document()
    await store.put_document(foreign)
    await store.put_chunks(foreign, chunks(foreign, TEXTS))  # same vectors

    hits = await store.vector_search(corpus.project, vector(2), 3, [document.id])
    assert hits[0].ordinal == 2
    assert hits[0].score == pytest.approx(1.0, abs=1e-3)
    assert [h.rank for h in hits] == [1, 2, 3]
    assert {h.document_id for h in hits} == {document.id}
    assert hits[0].page == 3
    assert hits[0].heading == "Section 2"
    # A document not in the allowed list never appears.
    assert await store.vector_search(corpus.project, vector(2), 3, [foreign.id]) == []


async def test_chunks_are_upserted_not_duplicated(
    store: KnowledgeStore, corpus: Corpus
) -> None:
    document = corpus.document()
    await store.put_document(document)
    await store.put_chunks(document, chunks(document, TEXTS))
    revised = chunks(document, ["Revised: oat milk is cheaper.", *TEXTS[1:]])
    await store.put_chunks(document, revised)
    counts = await store.document_counts(document.id)
    assert counts.chunks == len(TEXTS)
    hits = await store.keyword_search(
        corpus.project, "revised", 5, [document.id], ["english"]
    )
    assert [h.text for h in hits] == ["Revised: oat milk is cheaper."]


async def test_keyword_search_matches_words_and_survives_query_syntax(
    store: KnowledgeStore, corpus: Corpus
) -> None:
    document = corpus.document()
    await store.put_document(document)
    await store.put_chunks(document, chunks(document, TEXTS))
    hits = await store.keyword_search(
        corpus.project, "price of soy drinks", 5, [document.id], ["english"]
    )
    assert hits[0].ordinal == 1
    assert hits[0].score > 0
    for hostile in (
        'soy" OR 1=1 --',
        "soy) RETURN n //",
        "AND OR NOT ( ) : * ~ ^ [ ] { } \\ / &&",
        "'; DROP TABLE knowledge_chunks; --",
    ):
        await store.keyword_search(
            corpus.project, hostile, 5, [document.id], ["english"]
        )
    still = await store.document_counts(document.id)
    assert still.chunks == len(TEXTS)


async def test_snippets_mark_terms_and_escape_html(
    store: KnowledgeStore, corpus: Corpus
) -> None:
    document = corpus.document()
    await store.put_document(document)
    [record] = chunks(document, ["Buyers <script>alert(1)</script> prefer oat milk."])
    await store.put_chunks(document, [record])
    snippets = await store.snippets(
        corpus.project, "oat milk", [record.id], ["english"]
    )
    snippet = snippets[record.id]
    assert "<mark>oat</mark>" in snippet
    assert "alert(1)" in snippet
    # Document markup is escaped (or dropped by ts_headline): only marks remain.
    bare = snippet.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in bare
    assert ">" not in bare


async def test_facts_link_chunks_and_expand_through_relations(
    store: KnowledgeStore, corpus: Corpus
) -> None:
    document = corpus.document()
    await store.put_document(document)
    records = chunks(document, TEXTS)
    await store.put_chunks(document, records)
    oatly = EntityFact("organisation", "Oatly", "oatly", "oat drink maker")
    krakow = EntityFact("location", "Kraków", "krakow")
    students = EntityFact("demographic", "students", "students")
    await store.put_facts(
        document,
        [
            ChunkFacts(
                records[0].id,
                [oatly, krakow],
                [
                    RelationFact(
                        ("organisation", "oatly"),
                        ("location", "krakow"),
                        "located_in",
                        "Oatly sells in Kraków",
                    )
                ],
            ),
            ChunkFacts(records[1].id, [oatly]),
            ChunkFacts(records[2].id, [krakow, students]),
            ChunkFacts(records[3].id, [students]),
        ],
    )
    linked = await store.linked_chunks(
        corpus.project, [records[1].id], 5, [document.id]
    )
    # Chunk 1 mentions Oatly: chunk 0 shares it; chunk 2 mentions Kraków,
    # which Oatly is related to. Chunk 3 is two hops away.
    assert {h.ordinal for h in linked} == {0, 2}
    assert linked[0].ordinal == 0
    assert set(linked[0].via) == {"Oatly", "Kraków"}
    entities = {e.name: e for e in await store.entities(corpus.project, 10)}
    assert entities["Oatly"].mentions == 2
    assert entities["Oatly"].type == "organisation"
    [relation] = await store.relations(corpus.project, 10)
    assert (relation.source, relation.target, relation.type) == (
        "Oatly",
        "Kraków",
        "located_in",
    )
    assert relation.chunk_id == records[0].id
    counts = await store.document_counts(document.id)
    assert (counts.entities, counts.relations) == (3, 1)


async def test_delete_removes_chunks_vectors_and_unshared_facts(
    store: KnowledgeStore, corpus: Corpus
) -> None:
    first, second = corpus.document("First"), corpus.document("Second")
    shared = EntityFact("organisation", "Alpro", "alpro")
    only_first = EntityFact("trend", "Flexitarian diets", "flexitarian diets")
    for document, extra in ((first, [only_first]), (second, [])):
        await store.put_document(document)
        records = chunks(document, TEXTS[:2], seed=10 if document is first else 20)
        await store.put_chunks(document, records)
        await store.put_facts(document, [ChunkFacts(records[0].id, [shared, *extra])])
    await store.delete_document(first.id)
    assert await store.vector_search(corpus.project, vector(10), 5, [first.id]) == []
    assert (
        await store.keyword_search(
            corpus.project, "oat milk", 5, [first.id], ["english"]
        )
        == []
    )
    assert (await store.document_counts(first.id)).chunks == 0
    names = {e.name: e for e in await store.entities(corpus.project, 10)}
    assert set(names) == {"Alpro"}
    assert names["Alpro"].documents == 1
    assert first.id not in await store.document_ids(corpus.project)
    assert second.id in await store.document_ids(corpus.project)
    await store.delete_document(second.id)
    assert await store.entities(corpus.project, 10) == []


async def test_adjacent_chunks_follow_reading_order(
    store: KnowledgeStore, corpus: Corpus
) -> None:
    document = corpus.document()
    await store.put_document(document)
    records = chunks(document, TEXTS)
    await store.put_chunks(document, records)
    around = await store.adjacent_chunks(corpus.project, records[2].id, 1)
    assert [h.ordinal for h in around] == [1, 2, 3]
    other = uuid.uuid4()
    assert await store.adjacent_chunks(other, records[2].id, 1) == []


async def test_concept_graph_analytics_has_one_shape(store: KnowledgeStore) -> None:
    graph = ConceptGraph.build(
        ["price", "taste", "health", "vegan", "protein", "sugar", "packaging"],
        [
            ("price", "taste", 3),
            ("taste", "packaging", 2),
            ("price", "packaging", 2),
            ("health", "vegan", 3),
            ("vegan", "protein", 2),
            ("health", "protein", 2),
            ("health", "sugar", 1),
            ("packaging", "health", 1),
        ],
    )
    result = await store.concept_graph_analytics(graph)
    expected = analyse_in_process(graph)
    assert set(result.centrality) == set(graph.nodes)
    assert sum(c.pagerank for c in result.centrality.values()) == pytest.approx(
        1, abs=1e-3
    )
    assert max(c.degree for c in result.centrality.values()) == pytest.approx(1.0)
    communities = sorted(sorted(c.members) for c in result.communities)
    assert communities == sorted(sorted(c.members) for c in expected.communities)
    assert result.modularity == pytest.approx(expected.modularity, abs=1e-6)
    bridge = max(result.centrality, key=lambda n: result.centrality[n].betweenness)
    assert bridge in {"packaging", "health"}
    if store.name == "neo4j":
        assert result.engine == "gds"  # the harness loads OpenGDS


# ---- Neo4j only -------------------------------------------------------------


async def test_neo4j_model_text_never_becomes_schema(
    neo4j_store: Neo4jKnowledgeStore, corpus: Corpus
) -> None:
    document = corpus.document()
    await neo4j_store.put_document(document)
    [record] = chunks(document, ["MATCH (n) DETACH DELETE n // said the text"])
    await neo4j_store.put_chunks(document, [record])
    hostile = EntityFact(
        "concept", "x`}) DETACH DELETE n //", "x`}) detach delete n //"
    )
    label = EntityFact("concept", "Evil:Label", "evil:label")
    await neo4j_store.put_facts(
        document,
        [
            ChunkFacts(
                record.id,
                [hostile, label],
                [
                    RelationFact(
                        ("concept", hostile.key),
                        ("concept", label.key),
                        "related_to",
                        "]->(m) DELETE m //",
                    )
                ],
            )
        ],
    )
    records, _, _ = await neo4j_store.driver.execute_query(
        "CALL db.labels() YIELD label RETURN collect(label) AS labels"
    )
    labels = set(records[0]["labels"])
    assert labels <= {"Document", "Chunk", "Entity", "SightConcept"}
    names = {e.name for e in await neo4j_store.entities(corpus.project, 10)}
    assert names == {hostile.name, label.name}
    assert (await neo4j_store.document_counts(document.id)).chunks == 1


async def test_neo4j_missing_index_names_the_command(
    neo4j_driver: AsyncDriver, corpus: Corpus
) -> None:
    await neo4j_driver.execute_query("DROP INDEX chunk_text_ft IF EXISTS")
    try:
        fresh = Neo4jKnowledgeStore(neo4j_driver)
        with pytest.raises(GraphIndexMissing, match="sight init-graph"):
            await fresh.keyword_search(corpus.project, "oat", 3, [uuid.uuid4()], [])
    finally:
        await ensure_graph_indexes(neo4j_driver, DIMS)


async def test_neo4j_vector_size_mismatch_is_refused(
    neo4j_store: Neo4jKnowledgeStore, corpus: Corpus
) -> None:
    with pytest.raises(GraphIndexMissing, match="512-dimension vectors") as caught:
        await neo4j_store.vector_search(corpus.project, [0.1] * 3072, 3, [uuid.uuid4()])
    assert "3072" in str(caught.value.detail)


async def test_unreachable_neo4j_is_reported_not_crashed() -> None:
    driver = AsyncGraphDatabase.driver(
        f"bolt://127.0.0.1:{free_port()}", auth=None, connection_timeout=1
    )
    try:
        store = Neo4jKnowledgeStore(driver)
        with pytest.raises(KnowledgeStoreUnavailable, match="unreachable"):
            await store.ping()
        with pytest.raises(KnowledgeStoreUnavailable):
            await store.vector_search(uuid.uuid4(), vector(1), 3, [uuid.uuid4()])
    finally:
        await driver.close()


# ---- PostgreSQL only --------------------------------------------------------


@pytest.mark.parametrize("dims", [384, 3072])
async def test_postgres_vectors_are_found_by_the_halfvec_index_scored_exactly(
    postgres_store: PostgresKnowledgeStore, corpus: Corpus, dims: int
) -> None:
    """Every embedding size is indexed as halfvec (half the memory, issue 16);
    the candidates are re-ranked by the stored full-precision vectors, so a
    score is the exact cosine, not halfvec's (off by up to ~1e-3)."""
    document = corpus.document()
    rng = np.random.default_rng(3)
    wide = [rng.normal(size=dims) for _ in range(6)]
    records = [
        ChunkRecord(
            uuid.uuid5(document.id, f"chunk:{i}"),
            document.id,
            document.project_id,
            i,
            f"text {i}",
            "",
            1,
            1,
            3,
            "english",
            [float(x) for x in v / np.linalg.norm(v)],
        )
        for i, v in enumerate(wide)
    ]
    await postgres_store.put_chunks(document, records)
    query = rng.normal(size=dims)
    query = query / np.linalg.norm(query) + 0.8 * np.asarray(records[1].embedding)
    hits = await postgres_store.vector_search(
        corpus.project, [float(x) for x in query], 4, [document.id]
    )
    exact = sorted(
        (
            float(np.dot(query, r.embedding) / np.linalg.norm(query)),
            r.ordinal,
        )
        for r in records
    )[::-1][:4]
    assert [h.ordinal for h in hits] == [ordinal for _, ordinal in exact]
    assert [h.score for h in hits] == pytest.approx(
        [score for score, _ in exact], abs=1e-6
    )
    with psycopg.connect(corpus.database_url) as conn:
        conn.execute("SET enable_seqscan = off")
        plan = "\n".join(
            row[0]
            for row in conn.execute(
                "EXPLAIN " + nearest_sql(dims, lambda n: f"%({n})s"),
                {
                    "query": vector_literal([float(x) for x in query]),
                    "dims": dims,
                    "project": corpus.project,
                    "documents": [document.id],
                    "limit": 4,
                },
            )
        )
    assert f"ix_knowledge_chunks_hnsw_{dims}" in plan


WORDS = (
    "oat milk price students discount soy almond premium label phone urban "
    "brand retailer krakow warsaw sales growth habit breakfast coffee"
).split()


def _count_statements(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the keyword statements the one-pass search runs apart from
    its usual connection (a first tier's halves and the tiers after them)."""
    from sight.knowledge import search_postgres

    calls = [0]
    statement = search_postgres._statement

    async def counted(*args: Any, **kwargs: Any) -> list[Any]:
        calls[0] += 1
        return await statement(*args, **kwargs)

    monkeypatch.setattr(search_postgres, "_statement", counted)
    return calls


@pytest.mark.parametrize(
    "tiers", ["rank all", "from 2 words", "from all words", "first tier in halves"]
)
async def test_postgres_one_pass_search_equals_the_separate_methods(
    postgres_store: PostgresKnowledgeStore,
    corpus: Corpus,
    monkeypatch: pytest.MonkeyPatch,
    tiers: str,
) -> None:
    """The pipelined hybrid search (search_postgres.py) returns what the
    store's vector, keyword and snippet methods return, with the keyword
    side ranking every match or going by tiers (forced here: the corpus is
    far below the estimate that switches to them), the first tier the
    chunks with 2 of the query's words or with all of them, or searched in
    two halves at once (also forced: at 1M chunks a heavy first tier is),
    with the later tiers filling what it leaves (limit 100 > 60 chunks)."""
    from sight.knowledge import search_postgres, store_postgres

    if tiers != "rank all":
        monkeypatch.setattr(store_postgres, "RANK_ALL_BELOW", -1)
    if tiers == "from all words":
        monkeypatch.setattr(store_postgres, "TIER_MARGIN", 0.0)
    statements = _count_statements(monkeypatch)
    if tiers == "first tier in halves":
        monkeypatch.setattr(store_postgres, "SPLIT_FIRST_TIER_ABOVE", -1)
    rng = np.random.default_rng(3)
    documents = [corpus.document(f"Doc {n}") for n in range(2)]
    for n, document in enumerate(documents):
        texts = [" ".join(rng.choice(WORDS, size=12)) for _ in range(30)]
        await postgres_store.put_chunks(document, chunks(document, texts, seed=n * 100))
    ids = [d.id for d in documents]
    sessionmaker = postgres_store._sessionmaker
    for query in (
        "oat milk price for students",
        "almond",
        "the of and",
        "Krakow warsaw",
    ):
        rows, parsed = await search_postgres.documents_and_query(
            sessionmaker, corpus.project, query
        )
        assert {r.id for r in rows} == set(ids)
        tsquery = search_postgres.combined_tsquery(parsed, ["english"])
        embedding = vector(7)
        for limit in (100, 10):
            found = await search_postgres.candidates(
                sessionmaker,
                corpus.project,
                embedding,
                tsquery,
                limit,
                ids,
                rrf_k=60,
                top_k=5,
            )
            assert found.vector == await postgres_store.vector_search(
                corpus.project, embedding, limit, ids
            )
            keyword = await postgres_store.keyword_search(
                corpus.project, query, limit, ids, ["english"]
            )
            assert found.keyword == keyword
            assert bool(keyword) == (query != "the of and")
        if not tsquery:
            assert found.snippets == {}  # the caller asks the store for them
            continue
        fused = [c for c, _ in rrf([found.vector, keyword], 60)[:5]]
        assert set(found.snippets) == set(fused)
        assert found.snippets == await postgres_store.snippets(
            corpus.project, query, fused, ["english"]
        )
        assert any("<mark>" in s for s in found.snippets.values())
    if tiers == "first tier in halves":
        # Two halves and the filling tiers at limit 100, two halves at 10,
        # for the one query of several words.
        assert statements == [5]
    else:
        assert statements == [0]


@pytest.mark.parametrize("halves", [False, True])
async def test_postgres_one_pass_searches_share_a_small_pool(
    postgres_store: PostgresKnowledgeStore,
    corpus: Corpus,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    halves: bool,
) -> None:
    """The pipelined search runs its vector and keyword sides on two
    connections at once (three with a first keyword tier in two halves);
    none holds one while waiting for another, so more concurrent searches
    than the pool has connections all finish (with hold-and-wait they would
    wait for each other until the pool's timeout)."""
    import asyncio

    from sight.knowledge import search_postgres, store_postgres

    halves_searched = _count_statements(monkeypatch)
    if halves:
        monkeypatch.setattr(store_postgres, "RANK_ALL_BELOW", -1)
        monkeypatch.setattr(store_postgres, "TIER_MARGIN", 1e9)  # pairs first
        monkeypatch.setattr(store_postgres, "SPLIT_FIRST_TIER_ABOVE", -1)

    document = corpus.document()
    texts = [f"oat milk price {n} for students in Krakow" for n in range(20)]
    await postgres_store.put_chunks(document, chunks(document, texts))
    engine = create_engine(database_url, pool_size=1)  # two connections
    engine.sync_engine.pool._timeout = 5  # a deadlock fails fast, not in 30 s
    sessionmaker = create_sessionmaker(engine)
    try:
        tsquery = "'oat' | 'milk' | 'student'"
        searches = [
            search_postgres.candidates(
                sessionmaker,
                corpus.project,
                vector(n),
                tsquery,
                10,
                [document.id],
                rrf_k=60,
                top_k=5,
            )
            for n in range(6)
        ]
        found = await asyncio.wait_for(asyncio.gather(*searches), 30)
    finally:
        await engine.dispose()
    assert all(len(f.vector) == 10 and len(f.keyword) == 10 for f in found)
    assert all(len(f.snippets) == 5 for f in found)
    assert halves_searched == [12 if halves else 0]


def test_a_heavy_first_tier_is_split_in_halves_of_equal_work() -> None:
    """The first tier's groups go to two halves of about equal estimated GIN
    work (each group's search decodes its words' posting lists), only when
    that work is above SPLIT_FIRST_TIER_ABOVE and there is more than one
    group (the 1M-chunk query of the bench, issue 16)."""
    from sight.knowledge.store_postgres import (
        SPLIT_FIRST_TIER_ABOVE,
        first_tier_halves,
        keyword_tiers,
    )

    tsquery = "'ragoruda' | 'bemedylu' | 'wisosano' | 'cima'"
    rows = [174640, 80929, 9266, 91095, 2717, 999947]
    plan = [{"Plan": {"Plans": [{"Plan Rows": r} for r in rows]}}]
    words = ["'ragoruda'", "'bemedylu'", "'wisosano'", "'cima'"]
    postings = dict(zip(words, rows[1:5], strict=True))
    tiers = keyword_tiers(tsquery)
    halves = first_tier_halves(plan, tsquery, tiers)
    assert halves is not None
    assert sorted(halves[0] + halves[1]) == sorted(tiers[0][1])

    def work(groups: list[str]) -> float:
        return sum(postings[w.strip()] for g in groups for w in g.split("&"))

    total = work(tiers[0][1])
    assert total > SPLIT_FIRST_TIER_ABOVE
    # Largest first to the lighter half: within the largest group's work.
    largest = max(work([group]) for group in tiers[0][1])
    assert abs(work(halves[0]) - work(halves[1])) <= largest
    assert max(work(halves[0]), work(halves[1])) < 0.6 * total
    # Light words, one group, or rank-all: one statement.
    light = [{"Plan": {"Plans": [{"Plan Rows": r / 10} for r in rows]}}]
    assert first_tier_halves(light, tsquery, tiers) is None
    assert first_tier_halves(plan, tsquery, keyword_tiers(tsquery, 4)[:1]) is None
    assert first_tier_halves(plan, tsquery, [(1, [tsquery])]) is None
    assert first_tier_halves([{"Plan": {}}], tsquery, tiers) is None


def test_tier_start_follows_the_expected_tier_sizes() -> None:
    """The first keyword tier is the highest k expected to hold at least
    TIER_MARGIN x the wanted candidates (words taken as independent)."""
    from itertools import combinations

    from sight.knowledge.store_postgres import TIER_MARGIN, _at_least, tier_start

    probabilities = [0.04, 0.08, 0.05, 0.1]
    for k in range(5):
        exact = sum(
            np.prod([p if i in chosen else 1 - p for i, p in enumerate(probabilities)])
            for n in range(k, 5)
            for chosen in combinations(range(4), n)
        )
        assert _at_least(probabilities, k) == pytest.approx(exact)
    # The matches of one 4-word query at 100k and 1M chunks (bench/README.md).
    frequent = [4143.0, 7756.0, 5304.0, 9889.0]
    assert 100_000 * _at_least([r / 100_000 for r in frequent], 3) > TIER_MARGIN * 50
    assert tier_start(frequent, 100_000, 50) == 3
    assert tier_start(frequent, 100_000, 500) == 2
    assert tier_start([r * 10 for r in frequent], 1_000_000, 50) == 3
    assert tier_start([400.0, 700.0, 500.0, 900.0], 100_000, 50) == 2
    assert tier_start([50_000.0] * 4, 100_000, 50) == 4
    assert tier_start([50_000.0] * 2, 100_000, 50) == 2  # two words: pairs
    assert tier_start([50_000.0] * 4, 0, 50) == 2  # no statistics yet


async def test_postgres_tier_estimates_come_from_one_plan(
    postgres_store: PostgresKnowledgeStore,
    corpus: Corpus,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`estimates_sql` yields one estimate per branch, which `tiers_from_plan`
    reads (a plan it cannot read falls back to tiers from 2 words)."""
    from sight.knowledge import store_postgres

    document = corpus.document()
    texts = ["oat milk price students"] * 40 + ["soy almond"] * 10
    await postgres_store.put_chunks(document, chunks(document, texts))
    tsquery = "'oat' | 'milk' | 'price' | 'student'"
    with psycopg.connect(corpus.database_url) as conn:
        conn.execute("ANALYZE knowledge_chunks")
        row = conn.execute(
            store_postgres.estimates_sql(4, lambda n: f"%({n})s"),
            store_postgres.estimates_params(tsquery),
        ).fetchone()
    assert row is not None
    plan = row[0]
    assert len(plan[0]["Plan"]["Plans"]) == 6
    tiers = store_postgres.tiers_from_plan(plan, tsquery, 5)
    assert [k for k, _ in tiers] == [1]  # few matches: every one ranked
    monkeypatch.setattr(store_postgres, "RANK_ALL_BELOW", -1)
    tiers = store_postgres.tiers_from_plan(plan, tsquery, 5)
    # every chunk with one word has all four: the 4-word tier suffices
    assert [k for k, _ in tiers] == [4, 3, 2, 1]
    assert tiers[0][1] == ["'oat' & 'milk' & 'price' & 'student'"]
    assert len(tiers[2][1]) == 6  # pairs
    assert store_postgres.tiers_from_plan([{}], tsquery, 5) == (
        store_postgres.keyword_tiers(tsquery)
    )


async def test_neo4j_hybrid_candidates_equal_the_separate_methods(
    neo4j_store: Neo4jKnowledgeStore, corpus: Corpus
) -> None:
    """The one-statement hybrid read (issue 16) returns what `vector_search`
    and `keyword_search` return, also when another project crowds the
    indexes so that a side needs more than its first request (then it runs
    that side's own method) and when the query has no keyword terms."""
    rng = np.random.default_rng(5)
    documents = [corpus.document(f"Doc {n}") for n in range(2)]
    for n, document in enumerate(documents):
        await neo4j_store.put_document(document)
        texts = [" ".join(rng.choice(WORDS, size=12)) for _ in range(30)]
        await neo4j_store.put_chunks(document, chunks(document, texts, seed=n * 100))
    ids = [d.id for d in documents]
    crowd = Corpus(corpus.database_url, _project(corpus.database_url)).document()
    await neo4j_store.put_document(crowd)
    # 60 chunks near vector(7), each with every word: the first 20 hits of
    # both indexes belong to the other project.
    near = [
        ChunkRecord(
            id=uuid.uuid5(crowd.id, f"chunk:{i}"),
            document_id=crowd.id,
            project_id=crowd.project_id,
            ordinal=i,
            text=" ".join(WORDS * 2),
            heading="",
            page=1,
            page_end=1,
            tokens=40,
            ts_config="english",
            embedding=vector(7),
        )
        for i in range(60)
    ]
    await neo4j_store.put_chunks(crowd, near)
    await neo4j_store.driver.execute_query("CALL db.awaitIndexes(60)")
    for query, embedding, limit in (
        ("oat milk price for students", vector(7), 10),  # crowded: fallbacks
        ("almond", vector(8), 5),
        ("Krakow warsaw", vector(9), 3),
        ("a ? !", vector(7), 10),  # no keyword terms
        ("oat", vector(10), 50),  # more wanted than exist
    ):
        vector_hits, keyword_hits = await neo4j_store.hybrid_candidates(
            corpus.project, query, embedding, limit, ids
        )
        assert vector_hits == await neo4j_store.vector_search(
            corpus.project, embedding, limit, ids
        )
        assert keyword_hits == await neo4j_store.keyword_search(
            corpus.project, query, limit, ids, ["english"]
        )
        assert len(vector_hits) == min(limit, 60)
        assert {h.document_id for h in (*vector_hits, *keyword_hits)} <= set(ids)
        assert bool(keyword_hits) == (query != "a ? !")
    assert await neo4j_store.hybrid_candidates(
        corpus.project, "oat", vector(7), 10, []
    ) == ([], [])
