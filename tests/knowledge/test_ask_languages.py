"""What a researcher reads from the knowledge base, on real documents and the
offline engine: questions in Polish and English find what a search finds,
answers and "not in the documents" come in the project's language, citations
are relevant prose numbered as shown, a plain-text file is read as text, and
offline entities are names, not grammar."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import httpx

from sight.knowledge.config import KnowledgeSettings
from sight.knowledge.preparation import ParseLimits, prepare_document
from sight.knowledge.retrieval import RetrievedChunk, SearchOutcome
from tests.conftest import register_user
from tests.knowledge.conftest import create_project, upload, wait_document
from tests.knowledge.documents import gpl_bytes
from tests.knowledge.test_endpoints import sse_events

LIBTASN1_PDF = Path("/usr/share/doc/libtasn1-doc/libtasn1.pdf")

# Written for this test: a Polish library's rules, with one passage on fees.
POLISH_RULES = """Regulamin korzystania z czytelni

Czytelnia jest czynna od poniedziałku do piątku w godzinach od 9 do 18.
Z czytelni mogą korzystać wszyscy zapisani czytelnicy po okazaniu karty.

Kopie i skany

Za wykonanie kopii lub skanu jednej strony dokumentu czytelnia pobiera opłatę
w wysokości 50 groszy. Kopie rękopisów i starodruków wykonuje wyłącznie
pracownik czytelni. Opłaty przyjmowane są gotówką lub kartą przy ladzie.

Zachowanie w czytelni

W czytelni obowiązuje cisza. Nie wolno wnosić jedzenia ani napojów.
Okrycia wierzchnie i torby należy zostawić w szatni na parterze.
"""


async def _ready(
    client: httpx.AsyncClient, auth: str, project: str, name: str, content: bytes
) -> dict[str, Any]:
    response = await upload(client, auth, project, name, content)
    assert response.status_code == 202, response.text
    document = await wait_document(
        client, auth, project, response.json()["document"]["id"], {"ready", "failed"}
    )
    assert document["status"] == "ready", document
    document["job_id"] = response.json()["job_id"]
    return document


async def _ask(
    client: httpx.AsyncClient, auth: str, project: str, question: str
) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/projects/{project}/ask",
        json={"question": question},
        headers={"Authorization": auth},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _numbered_as_shown(answer: dict[str, Any]) -> None:
    shown = [int(n) for n in re.findall(r"\[(\d+)\]", answer["answer"])]
    first_seen = list(dict.fromkeys(shown))
    assert first_seen == list(range(1, len(first_seen) + 1)), answer["answer"]
    assert [c["number"] for c in answer["citations"]][: len(first_seen)] == first_seen


async def test_polish_and_english_questions_on_the_gpl_text(
    kclient: httpx.AsyncClient,
) -> None:
    user = await register_user(kclient)
    auth = user["authorization"]
    project = await create_project(kclient, auth, language="pl")
    document = await _ready(kclient, auth, project, "GPL-3", gpl_bytes())
    # A plain-text licence is text (its numbered sections made it "Markdown").
    assert document["media_type"] == "text"
    assert document["language"] == "en"
    events = await sse_events(kclient, auth, document["job_id"])
    logs = [d["message"] for kind, d in events if kind == "log"]
    assert any(
        re.fullmatch(r"read a text of [\d,]+ words in \d+ passages", m) for m in logs
    ), logs

    question = "Czy mogę pobierać opłatę za kopie programu?"
    search = await kclient.post(
        f"/api/v1/projects/{project}/search",
        json={"query": question},
        headers={"Authorization": auth},
    )
    assert search.json()["results"], "the search finds passages"

    polish = await _ask(kclient, auth, project, question)
    assert polish["found"] is True, polish
    assert polish["answer"].startswith("Według dokumentów:")
    assert polish["generated_by"] == "offline-engine"
    cited = " ".join(c["snippet"] for c in polish["citations"]).lower()
    assert "charge" in polish["answer"].lower() or "charge" in cited
    _numbered_as_shown(polish)

    english = await _ask(
        kclient, auth, project, "Can I charge a fee for copies of the program?"
    )
    assert english["found"] is True
    assert "charge" in english["answer"].lower()
    _numbered_as_shown(english)

    unrelated = await _ask(
        kclient, auth, project, "Jaka jest cena mleka owsianego w Biedronce?"
    )
    assert unrelated["found"] is False
    assert unrelated["answer"] == (
        "Dokumenty tego projektu nie zawierają odpowiedzi na to pytanie."
    )
    assert unrelated["citations"] == []

    graph = await kclient.get(
        f"/api/v1/projects/{project}/knowledge-graph",
        headers={"Authorization": auth},
    )
    names = {e["name"] for e in graph.json()["entities"]}
    assert "Free Software Foundation" in names
    grammar = {"The", "This", "Each", "MUST", "Example", "If", "You", "For"}
    assert not names & grammar, names & grammar


async def test_polish_question_on_a_polish_document(
    kclient: httpx.AsyncClient,
) -> None:
    user = await register_user(kclient)
    auth = user["authorization"]
    project = await create_project(kclient, auth, language="pl")
    document = await _ready(
        kclient, auth, project, "regulamin.txt", POLISH_RULES.encode()
    )
    assert (document["media_type"], document["language"]) == ("text", "pl")
    answer = await _ask(kclient, auth, project, "Ile kosztuje skan jednej strony?")
    assert answer["found"] is True, answer
    assert answer["answer"].startswith("Według dokumentów:")
    assert "50 groszy" in answer["answer"]
    _numbered_as_shown(answer)
    english_project = await create_project(kclient, auth, language="en")
    await _ready(kclient, auth, english_project, "regulamin.txt", POLISH_RULES.encode())
    across = await _ask(
        kclient, auth, english_project, "How much does a scan of one page cost?"
    )
    assert across["found"] is True, across
    assert across["answer"].startswith("According to the documents:")
    assert "50 groszy" in across["answer"]


def test_an_index_page_of_a_real_pdf_is_not_cited() -> None:
    """libtasn1's manual ends with an index: function names and dot leaders
    to page numbers. However well it matches a query, a citation must be
    prose that says something."""
    prepared = prepare_document(
        LIBTASN1_PDF.read_bytes(),
        "pdf",
        default_language="en",
        chunk_tokens=400,
        overlap_tokens=60,
        limits=ParseLimits.from_settings(KnowledgeSettings()),
    )
    assert prepared.pages == 36
    # Mostly dot leaders: the index at the end (the contents page at the
    # start comes with the title page's prose).
    index = [d for d in prepared.drafts if d.text.count(" . . ") > 20]
    assert index
    prose = [d for d in prepared.drafts if "asn1_read_tag" in d.text and d not in index]
    assert prose

    def hit(text: str) -> RetrievedChunk:
        return RetrievedChunk(
            uuid.uuid4(),
            uuid.uuid4(),
            "libtasn1",
            1,
            1,
            "",
            text,
            0.03,
            "",
            vector_rank=1,
            vector_score=0.6,
        )

    outcome = SearchOutcome(
        [hit(index[0].text), hit(prose[0].text)],
        1.0,
        "postgres",
        1,
        relevance_floor=0.17,
    )
    assert [c.text for c in outcome.citable("asn1_read_tag")] == [prose[0].text]
    # A hex dump (of the GPL's first bytes, as `xxd` prints it) neither.
    data = gpl_bytes()[:160]
    dump = "\n".join(
        f"{o:08x}: " + " ".join(f"{b:02x}" for b in data[o : o + 16])
        for o in range(0, len(data), 16)
    )
    assert SearchOutcome([hit(dump)], 1.0, "postgres", 1, 0.0).citable("text") == []
