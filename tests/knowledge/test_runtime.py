"""Neo4j as the store, end to end over HTTP: while it is unreachable the app
serves, reports RAG degraded and keeps uploads waiting; when it comes back the
reconnect loop resumes them."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid

import httpx
from neo4j import AsyncDriver

from sight import db
from sight.embedded_postgres import EmbeddedPostgres
from tests.conftest import create_database, register_user
from tests.fixtures.neo4j_harness import Neo4jServer
from tests.fixtures.servers import free_port
from tests.knowledge.conftest import (
    create_project,
    knowledge_settings,
    start_server,
    upload,
    wait_document,
)
from tests.knowledge.documents import MARKET_PAGES, gpl_bytes, make_pdf


class Forwarder:
    """A TCP relay standing in for the network path to Neo4j: it can be down."""

    def __init__(self, port: int, target_port: int) -> None:
        self.port, self.target_port = port, target_port
        self.server: asyncio.Server | None = None
        self.open: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def stop(self) -> None:
        # Cutting live connections too: an outage drops them, it does not
        # only refuse new ones.
        for writer in list(self.open):
            writer.close()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None

    async def _relay(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        up_reader, up_writer = await asyncio.open_connection(
            "127.0.0.1", self.target_port
        )
        self.open.update((writer, up_writer))

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()
            self.open.discard(dst)

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


async def test_neo4j_down_then_back_resumes_waiting_uploads(
    pg_cluster: EmbeddedPostgres, neo4j_server: Neo4jServer, neo4j_driver: AsyncDriver
) -> None:
    # A database of its own: the suite's other servers run workers that would
    # take this server's jobs from a shared queue.
    database_url = create_database(pg_cluster, f"sight_neo4j_{uuid.uuid4().hex[:8]}")
    db.upgrade(database_url)
    port = free_port()
    server = start_server(database_url, neo4j_uri=f"bolt://127.0.0.1:{port}")
    relay = Forwarder(port, neo4j_server.port)
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            user = await register_user(client)
            auth = {"Authorization": user["authorization"]}
            project = await create_project(client, user["authorization"])

            startup = (await client.get("/startup")).json()
            assert startup["ready"] is True
            assert "neo4j" in startup["degraded"]

            await asyncio.sleep(1.5)  # the first reconnect check has run
            response = await upload(
                client, user["authorization"], project, "r.pdf", make_pdf(MARKET_PAGES)
            )
            assert response.status_code == 202, response.text
            document = response.json()["document"]
            assert document["status"] == "waiting"
            assert document["store"] == "neo4j"
            assert "unreachable" in document["error"]
            search = await client.post(
                f"/api/v1/projects/{project}/search", json={"query": "x"}, headers=auth
            )
            # No ready documents yet: nothing to search, and no error.
            assert search.status_code == 200
            assert (
                await client.get(f"/api/v1/projects/{project}", headers=auth)
            ).is_success

            await relay.start()
            ready = await wait_document(
                client, user["authorization"], project, document["id"], {"ready"}
            )
            assert ready["chunk_count"] >= 3
            assert ready["entity_count"] > 0

            found = await client.post(
                f"/api/v1/projects/{project}/search",
                json={"query": "oat milk price per litre", "graph_expansion": True},
                headers=auth,
            )
            assert found.status_code == 200, found.text
            body = found.json()
            assert body["store"] == "neo4j"
            assert body["results"], body
            assert body["results"][0]["page"] == 2
            assert "<mark>" in body["results"][0]["snippet"]
            graph = await client.get(
                f"/api/v1/projects/{project}/knowledge-graph", headers=auth
            )
            assert any(e["name"] == "Biedronka" for e in graph.json()["entities"])

            await relay.stop()
            await asyncio.sleep(1.5)
            down = await client.post(
                f"/api/v1/projects/{project}/search",
                json={"query": "oat"},
                headers=auth,
            )
            assert down.status_code == 503
            assert down.json()["error"] == "KnowledgeStoreUnavailable"
            kept = await client.delete(
                f"/api/v1/projects/{project}/documents/{document['id']}", headers=auth
            )
            assert kept.status_code == 503  # nothing deleted half-way

            await relay.start()
            await asyncio.sleep(1.5)
            deleted = await client.delete(
                f"/api/v1/projects/{project}/documents/{document['id']}", headers=auth
            )
            assert deleted.status_code == 204
        records, _, _ = await neo4j_driver.execute_query(
            "MATCH (n) WHERE n.document_id = $id OR n.id = $id RETURN count(n) AS n",
            {"id": document["id"]},
        )
        assert records[0]["n"] == 0
    finally:
        await relay.stop()
        server.stop()


async def test_neo4j_lost_mid_ingestion_recovers_by_itself(
    pg_cluster: EmbeddedPostgres, neo4j_server: Neo4jServer, neo4j_driver: AsyncDriver
) -> None:
    """Neo4j goes away while a real document is being embedded and comes back:
    the app keeps answering meanwhile, and without anyone acting the document
    ends ready with every chunk stored once."""
    database_url = create_database(pg_cluster, f"sight_neo4j_{uuid.uuid4().hex[:8]}")
    db.upgrade(database_url)
    port = free_port()
    relay = Forwarder(port, neo4j_server.port)
    await relay.start()
    server = start_server(
        database_url,
        knowledge_settings(embed_batch=2),
        neo4j_uri=f"bolt://127.0.0.1:{port}",
    )
    gpl = gpl_bytes()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            user = await register_user(client)
            auth = {"Authorization": user["authorization"]}
            project = await create_project(client, user["authorization"])
            response = await upload(
                client, user["authorization"], project, "GPL-3", gpl
            )
            assert response.status_code == 202, response.text
            document_id = response.json()["document"]["id"]
            path = f"/api/v1/projects/{project}/documents/{document_id}"
            deadline = time.monotonic() + 90
            while (await client.get(path, headers=auth)).json()["stage"] != "embedding":
                assert time.monotonic() < deadline, "ingestion never reached embedding"
                await asyncio.sleep(0.1)
            await asyncio.sleep(1.0)  # some chunks are in Neo4j already
            await relay.stop()
            for _ in range(10):  # the outage lasts a few seconds
                assert (await client.get("/health")).status_code in (200, 503)
                assert (
                    await client.get(f"/api/v1/projects/{project}", headers=auth)
                ).status_code == 200
                assert (await client.get(path, headers=auth)).status_code == 200
                await asyncio.sleep(0.4)
            await relay.start()
            ready = await wait_document(
                client, user["authorization"], project, document_id, {"ready"}, 180
            )
            found = await client.post(
                f"/api/v1/projects/{project}/search",
                json={"query": "charge a price for each copy"},
                headers=auth,
            )
            assert found.status_code == 200, found.text
            assert found.json()["results"]
        records, _, _ = await neo4j_driver.execute_query(
            "MATCH (c:Chunk {document_id: $id}) "
            "RETURN count(c) AS n, count(DISTINCT c.ordinal) AS ordinals",
            {"id": document_id},
        )
        assert records[0]["n"] == records[0]["ordinals"] == ready["chunk_count"]
    finally:
        await relay.stop()
        server.stop()
