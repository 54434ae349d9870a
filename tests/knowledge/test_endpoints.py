"""Documents over HTTP against a live server: upload → job (SSE) → list →
search → ask → delete, ownership, rejected files, duplicates, re-indexing."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import psycopg

from tests.conftest import register_user
from tests.knowledge.conftest import (
    UPLOAD_LIMIT_MB,
    create_project,
    upload,
    wait_document,
)
from tests.knowledge.documents import MARKET_PAGES, encrypt_pdf, make_docx, make_pdf


async def sse_events(
    client: httpx.AsyncClient, auth: str, job_id: str
) -> list[tuple[str, dict[str, Any]]]:
    events: list[tuple[str, dict[str, Any]]] = []
    kind = ""
    async with client.stream(
        "GET", f"/api/v1/jobs/{job_id}/events", headers={"Authorization": auth}
    ) as stream:
        async for line in stream.aiter_lines():
            if line.startswith("event:"):
                kind = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                events.append((kind, json.loads(line.split(":", 1)[1])))
                if kind in {"completed", "failed", "cancelled"}:
                    break
    return events


async def test_pdf_upload_to_search_ask_and_delete(
    kclient: httpx.AsyncClient, database_url: str
) -> None:
    user = await register_user(kclient)
    auth = user["authorization"]
    project = await create_project(kclient, auth)
    pdf = make_pdf(MARKET_PAGES, title="Plant milk report")
    response = await upload(kclient, auth, project, "report.pdf", pdf)
    assert response.status_code == 202, response.text
    body = response.json()
    document = body["document"]
    assert body["duplicate"] is False
    assert document["media_type"] == "pdf"
    assert document["status"] in {"queued", "processing"}

    events = await sse_events(kclient, auth, body["job_id"])
    kinds = [k for k, _ in events]
    assert kinds[-1] == "completed", events
    fractions = [d["fraction"] for k, d in events if k == "progress"]
    assert fractions, "no progress events"
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0
    item = next(d for k, d in events if k == "item")
    assert item["status"] == "ready"
    assert item["chunks"] >= 3

    listing = await kclient.get(
        f"/api/v1/projects/{project}/documents", headers={"Authorization": auth}
    )
    assert listing.status_code == 200
    [row] = listing.json()["items"]
    assert row["status"] == "ready"
    assert row["title"] == "Plant milk report"
    assert row["pages"] == 3
    assert row["chunk_count"] >= 3
    assert row["entity_count"] > 0
    assert row["language"] == "en"
    assert row["extraction_generated_by"] == "offline-engine"

    found = await kclient.post(
        f"/api/v1/projects/{project}/search",
        json={"query": "oat milk price per litre", "top_k": 3},
        headers={"Authorization": auth},
    )
    assert found.status_code == 200, found.text
    results = found.json()["results"]
    top = results[0]
    assert top["page"] == 2
    assert top["document_title"] == "Plant milk report"
    assert "Prices" in top["heading"]
    assert "<mark>" in top["snippet"]
    assert top["vector_rank"] is not None
    assert top["keyword_rank"] is not None
    assert top["score"] > 0
    assert [r["score"] for r in results] == sorted(
        (r["score"] for r in results), reverse=True
    )

    keyword = await kclient.post(
        f"/api/v1/projects/{project}/search",
        json={"query": "Biedronka", "mode": "keyword"},
        headers={"Authorization": auth},
    )
    [only] = keyword.json()["results"]
    assert only["page"] == 2
    assert only["vector_rank"] is None

    vector = await kclient.post(
        f"/api/v1/projects/{project}/search",
        json={"query": "brands competing for premium buyers", "mode": "vector"},
        headers={"Authorization": auth},
    )
    assert all(r["keyword_rank"] is None for r in vector.json()["results"])
    assert vector.json()["results"][0]["vector_score"] > 0

    answer = await kclient.post(
        f"/api/v1/projects/{project}/ask",
        json={"question": "How much does oat milk cost per litre?"},
        headers={"Authorization": auth},
    )
    assert answer.status_code == 200, answer.text
    grounded = answer.json()
    assert grounded["found"] is True
    assert "9.90" in grounded["answer"]
    assert grounded["generated_by"] == "offline-engine"
    cited_pages = {c["page"] for c in grounded["citations"]}
    assert 2 in cited_pages
    for citation in grounded["citations"]:
        assert f"[{citation['number']}]" in grounded["answer"]

    missing = await kclient.post(
        f"/api/v1/projects/{project}/ask",
        json={"question": "Who won the football world cup in 1966?"},
        headers={"Authorization": auth},
    )
    assert missing.json()["found"] is False
    assert "do not contain" in missing.json()["answer"]
    assert missing.json()["citations"] == []

    deleted = await kclient.delete(
        f"/api/v1/projects/{project}/documents/{document['id']}",
        headers={"Authorization": auth},
    )
    assert deleted.status_code == 204
    after = await kclient.post(
        f"/api/v1/projects/{project}/search",
        json={"query": "oat milk"},
        headers={"Authorization": auth},
    )
    assert after.json()["results"] == []
    graph = await kclient.get(
        f"/api/v1/projects/{project}/knowledge-graph", headers={"Authorization": auth}
    )
    assert graph.json() == {"entities": [], "relations": []}
    with psycopg.connect(database_url) as conn:
        left = conn.execute(
            "SELECT (SELECT count(*) FROM knowledge_chunks WHERE project_id = %s),"
            " (SELECT count(*) FROM knowledge_entities WHERE project_id = %s),"
            " (SELECT count(*) FROM knowledge_document_files WHERE document_id = %s)",
            (project, project, document["id"]),
        ).fetchone()
    assert left == (0, 0, 0)


async def test_duplicate_content_is_not_stored_twice(
    kclient: httpx.AsyncClient,
) -> None:
    user = await register_user(kclient)
    auth = user["authorization"]
    project = await create_project(kclient, auth)
    text = b"Gen Z shoppers in Gdansk compare prices online before buying.\n"
    first = await upload(kclient, auth, project, "notes.txt", text)
    again = await upload(kclient, auth, project, "renamed copy.md", text)
    assert first.status_code == 202
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["document"]["id"] == first.json()["document"]["id"]
    listing = await kclient.get(
        f"/api/v1/projects/{project}/documents", headers={"Authorization": auth}
    )
    assert listing.json()["total"] == 1
    # The same bytes in another project are that project's own document.
    other = await create_project(kclient, auth, name="Other")
    elsewhere = await upload(kclient, auth, other, "notes.txt", text)
    assert elsewhere.status_code == 202


async def test_documents_are_invisible_to_other_users(
    kclient: httpx.AsyncClient,
) -> None:
    owner = await register_user(kclient)
    project = await create_project(kclient, owner["authorization"])
    response = await upload(
        kclient, owner["authorization"], project, "a.txt", b"Private market notes."
    )
    document_id = response.json()["document"]["id"]
    stranger = {"Authorization": (await register_user(kclient))["authorization"]}
    base = f"/api/v1/projects/{project}"
    for method, path, payload in (
        ("GET", f"{base}/documents", None),
        ("GET", f"{base}/documents/{document_id}", None),
        ("GET", f"{base}/documents/{document_id}/chunks", None),
        ("DELETE", f"{base}/documents/{document_id}", None),
        ("POST", f"{base}/search", {"query": "market"}),
        ("POST", f"{base}/ask", {"question": "market?"}),
        ("POST", f"{base}/documents/reembed", {}),
        ("GET", f"{base}/knowledge-graph", None),
    ):
        reply = await kclient.request(method, path, json=payload, headers=stranger)
        assert reply.status_code == 404, (method, path, reply.text)
        assert reply.json()["error"] == "NotFound"
    sneaky = await upload(kclient, stranger["Authorization"], project, "x.txt", b"hi")
    assert sneaky.status_code == 404
    still = await kclient.get(
        f"{base}/documents/{document_id}",
        headers={"Authorization": owner["authorization"]},
    )
    assert still.status_code == 200


async def test_bad_files_get_clear_errors_and_harm_nothing(
    kclient: httpx.AsyncClient,
) -> None:
    user = await register_user(kclient)
    auth = user["authorization"]
    project = await create_project(kclient, auth)
    empty = await upload(kclient, auth, project, "empty.pdf", b"")
    assert empty.status_code == 422
    assert empty.json()["error"] == "EmptyDocument"
    png = await upload(
        kclient, auth, project, "chart.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 64
    )
    assert png.status_code == 415
    assert "PNG image" in png.json()["detail"]
    big = await upload(
        kclient, auth, project, "big.txt", b"a" * int(UPLOAD_LIMIT_MB * 1048576 + 10)
    )
    assert big.status_code == 413
    assert "MB" in big.json()["detail"]

    pdf = make_pdf(MARKET_PAGES)
    encrypted = await upload(kclient, auth, project, "locked.pdf", encrypt_pdf(pdf))
    corrupt = await upload(kclient, auth, project, "broken.pdf", pdf[: len(pdf) // 3])
    good = await upload(
        kclient,
        auth,
        project,
        "ok.md",
        b"# Findings\n\nStudents in Krakow buy oat milk.",
    )
    for response, reason in ((encrypted, "password"), (corrupt, "cannot be read")):
        assert response.status_code == 202
        failed = await wait_document(
            kclient,
            auth,
            project,
            response.json()["document"]["id"],
            {"failed", "ready"},
        )
        assert failed["status"] == "failed"
        assert reason in failed["error"]
    ready = await wait_document(
        kclient, auth, project, good.json()["document"]["id"], {"failed", "ready"}
    )
    assert ready["status"] == "ready"
    assert ready["media_type"] == "markdown"
    listing = await kclient.get(
        f"/api/v1/projects/{project}/documents", headers={"Authorization": auth}
    )
    assert listing.json()["total"] == 3  # rejected uploads left no rows


async def test_type_comes_from_content_and_structure_is_kept(
    kclient: httpx.AsyncClient,
) -> None:
    user = await register_user(kclient)
    auth = user["authorization"]
    project = await create_project(kclient, auth)
    docx = make_docx(
        [
            ("Consumers", 1),
            ("Older buyers", 2),
            ("Seniors in Poznan drink kefir every morning.", 0),
            ("Retail", 1),
            ("Discount chains dominate grocery sales.", 0),
        ],
        title="Dairy habits",
    )
    html = (
        b"<!doctype html><html><head><title>Web notes</title></head><body>"
        b"<h1>Trends</h1><p>Vegan yoghurt sales are rising.</p>"
        b"<script>alert('x')</script></body></html>"
    )
    uploads = [
        await upload(kclient, auth, project, "habits.txt", docx),
        await upload(kclient, auth, project, "notes.pdf", html),
    ]
    kinds = [u.json()["document"]["media_type"] for u in uploads]
    assert kinds == ["docx", "html"]
    for response in uploads:
        await wait_document(
            kclient, auth, project, response.json()["document"]["id"], {"ready"}
        )
    result = await kclient.post(
        f"/api/v1/projects/{project}/search",
        json={"query": "kefir seniors", "mode": "keyword"},
        headers={"Authorization": auth},
    )
    top = result.json()["results"][0]
    assert top["heading"] == "Consumers > Older buyers"
    assert top["document_title"] == "Dairy habits"
    script = await kclient.post(
        f"/api/v1/projects/{project}/search",
        json={"query": "alert", "mode": "keyword"},
        headers={"Authorization": auth},
    )
    assert script.json()["results"] == []


async def test_polish_text_matches_without_diacritics(
    kclient: httpx.AsyncClient,
) -> None:
    user = await register_user(kclient)
    auth = user["authorization"]
    project = await create_project(kclient, auth, language="pl")
    text = (
        "Młodzi konsumenci w Łodzi coraz częściej kupują napoje roślinne. "
        "Żółte opakowania przyciągają uwagę klientów w sklepach osiedlowych."
    ).encode()
    response = await upload(kclient, auth, project, "raport.txt", text)
    document = await wait_document(
        kclient, auth, project, response.json()["document"]["id"], {"ready"}
    )
    assert document["language"] == "pl"
    result = await kclient.post(
        f"/api/v1/projects/{project}/search",
        json={"query": "zolte opakowania", "mode": "keyword"},
        headers={"Authorization": auth},
    )
    [hit] = result.json()["results"]
    assert "<mark>Żółte</mark>" in hit["snippet"]


async def test_graph_expansion_adds_chunks_linked_by_entities(
    kclient: httpx.AsyncClient,
) -> None:
    user = await register_user(kclient)
    auth = user["authorization"]
    project = await create_project(kclient, auth)
    markdown = (
        b"# Products\n\nGreen Valley Dairy launched a pistachio drink in spring.\n\n"
        b"# Distribution\n\nShelves in Szczecin now stock Green Valley Dairy cartons "
        b"next to the checkout.\n"
    )
    response = await upload(kclient, auth, project, "gv.md", markdown)
    await wait_document(
        kclient, auth, project, response.json()["document"]["id"], {"ready"}
    )
    plain = await kclient.post(
        f"/api/v1/projects/{project}/search",
        json={"query": "pistachio drink launch", "top_k": 1, "mode": "keyword"},
        headers={"Authorization": auth},
    )
    assert len(plain.json()["results"]) == 1
    expanded = await kclient.post(
        f"/api/v1/projects/{project}/search",
        json={
            "query": "pistachio drink launch",
            "top_k": 1,
            "mode": "keyword",
            "graph_expansion": True,
        },
        headers={"Authorization": auth},
    )
    first, linked = expanded.json()["results"]
    assert first["heading"] == "Products"
    assert linked["source"] == "graph"
    assert linked["heading"] == "Distribution"
    assert "Green Valley Dairy" in linked["linked_entities"]


async def test_other_embedding_space_is_refused_until_reindexed(
    kclient: httpx.AsyncClient, database_url: str
) -> None:
    user = await register_user(kclient)
    auth = user["authorization"]
    project = await create_project(kclient, auth)
    response = await upload(kclient, auth, project, "a.txt", b"Oat milk is popular.")
    document_id = response.json()["document"]["id"]
    await wait_document(kclient, auth, project, document_id, {"ready"})
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE knowledge_documents SET embedding_model ="
            " 'gemini:gemini-embedding-001', embedding_dimensions = 3072"
            " WHERE id = %s",
            (document_id,),
        )
    refused = await kclient.post(
        f"/api/v1/projects/{project}/search",
        json={"query": "oat milk"},
        headers={"Authorization": auth},
    )
    assert refused.status_code == 409
    detail = refused.json()["detail"]
    assert "gemini:gemini-embedding-001 (3072" in detail
    assert "local:use-multilingual-v3 (512" in detail
    blocked = await upload(kclient, auth, project, "b.txt", b"Another file.")
    assert blocked.status_code == 409
    reindex = await kclient.post(
        f"/api/v1/projects/{project}/documents/reembed",
        json={},
        headers={"Authorization": auth},
    )
    assert reindex.json()["queued"] == [document_id]
    document = await wait_document(kclient, auth, project, document_id, {"ready"})
    assert document["embedding_dimensions"] == 512
    again = await kclient.post(
        f"/api/v1/projects/{project}/search",
        json={"query": "oat milk"},
        headers={"Authorization": auth},
    )
    assert again.status_code == 200
    assert len(again.json()["results"]) == 1
    assert uuid.UUID(again.json()["results"][0]["document_id"]) == uuid.UUID(
        document_id
    )


async def test_a_too_long_query_is_refused_in_characters(
    kclient: httpx.AsyncClient,
) -> None:
    user = await register_user(kclient)
    auth = user["authorization"]
    project = await create_project(kclient, auth)
    refused = await kclient.post(
        f"/api/v1/projects/{project}/search",
        json={"query": "ź" * 2001},
        headers={"Authorization": auth},
    )
    assert refused.status_code == 422
    body = refused.json()
    assert "too long: 2001 characters, at most 2000 allowed" in body["detail"]
    assert "items" not in body["detail"]
