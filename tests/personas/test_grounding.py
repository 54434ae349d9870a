"""Segment briefs grounded in the project's documents, with citations on personas."""

from __future__ import annotations

import httpx

from tests.knowledge.conftest import upload, wait_document
from tests.personas.test_generation import make_project, wait_job

REPORT = (
    b"# Coffee market in Poland 2026\n\n"
    b"## Subscriptions\n\n"
    b"Urban adults aged 25-44 increasingly buy coffee by subscription. In our panel "
    b"31 percent of respondents in Warsaw and Poznan used a coffee subscription, "
    b"mostly for convenience and freshness of beans.\n\n"
    b"## Prices\n\n"
    b"The average price of specialty coffee rose to 89 PLN per kilogram in 2026.\n"
)


async def test_personas_cite_the_documents_their_segment_brief_used(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    project = await make_project(client, auth, target_sample_size=4)
    uploaded = await upload(
        client, user["authorization"], project["id"], "coffee.md", REPORT
    )
    assert uploaded.status_code in (201, 202), uploaded.text
    document = uploaded.json()["document"]
    await wait_document(
        client, user["authorization"], project["id"], document["id"], {"ready"}
    )
    accepted = (
        await client.post(
            f"/api/v1/projects/{project['id']}/personas/generate", json={}, headers=auth
        )
    ).json()
    assert (await wait_job(client, accepted["job_id"], auth))["status"] == "succeeded"
    personas = (
        await client.get(
            f"/api/v1/projects/{project['id']}/personas?view=full", headers=auth
        )
    ).json()["items"]
    assert len(personas) == 4
    for persona in personas:
        assert persona["citations"], "a brief grounded in documents must cite them"
        assert {c["document_id"] for c in persona["citations"]} == {document["id"]}
        assert all(c["chunk_id"] for c in persona["citations"])
