"""The ingestion job resumes where it stopped and never writes twice."""

from __future__ import annotations

import uuid
from typing import Any

import procrastinate
import psycopg

from sight import db
from sight.embedded_postgres import EmbeddedPostgres
from sight.jobs.queue import create_queue_app
from sight.jobs.runtime import WorkerRuntime, run_job
from sight.knowledge import service
from sight.knowledge import tasks as _tasks  # noqa: F401 (registers the handler)
from sight.knowledge.runtime import KnowledgeBackend
from sight.llm.gateway import LLMGateway, LLMProviderFailed
from sight.llm.types import CallContext
from sight.postgres import create_engine, create_sessionmaker, libpq_url, session_scope
from sight.projects.models import Project
from tests.conftest import create_database, make_settings
from tests.knowledge.conftest import knowledge_settings
from tests.knowledge.documents import make_pdf


class FlakyGateway(LLMGateway):
    """Fails the second embedding call once, like a provider hiccup."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.embedded: list[str] = []
        self.failed = False

    async def embed(
        self, texts: list[str], ctx: CallContext, flow: str = "embeddings"
    ) -> list[list[float]]:
        if len(self.embedded) >= 4 and not self.failed:
            self.failed = True
            raise LLMProviderFailed("provider timed out")
        self.embedded.extend(texts)
        return await super().embed(texts, ctx, flow)


def _pages() -> list[list[str]]:
    return [
        [f"{n}. Topic {n}", f"Finding number {n} is about shoppers in town {n}."]
        for n in range(1, 11)
    ]


async def test_failed_attempt_resumes_without_duplicates(
    pg_cluster: EmbeddedPostgres,
) -> None:
    # A database of its own: the live servers' workers must not take the retry.
    database_url = create_database(pg_cluster, f"sight_tasks_{uuid.uuid4().hex[:8]}")
    db.upgrade(database_url)
    settings = make_settings(llm={"detect_ollama": False})
    engine = create_engine(database_url, pool_size=4)
    sessionmaker = create_sessionmaker(engine)
    queue_app: procrastinate.App = create_queue_app(libpq_url(database_url))
    gateway = FlakyGateway(settings, sessionmaker)
    backend = KnowledgeBackend(
        settings, sessionmaker, knowledge=knowledge_settings(embed_batch=2)
    )
    with psycopg.connect(database_url, autocommit=True) as conn:
        user = uuid.UUID(
            str(
                conn.execute(
                    "INSERT INTO users (id, email, full_name, password_hash, is_active)"
                    " VALUES (gen_random_uuid(), %s, 'T', 'x', true) RETURNING id",
                    (f"{uuid.uuid4().hex[:10]}@example.com",),
                ).fetchone()[0]  # type: ignore[index]
            )
        )
    try:
        async with queue_app.open_async():
            async with session_scope(sessionmaker) as session:
                project = Project(
                    owner_id=user,
                    name="P",
                    language="en",
                    country="pl",
                    target_demographics={},
                    target_distribution={},
                    llm_overrides={},
                )
                session.add(project)
                await session.flush()
                upload = await service.upload_document(
                    session,
                    project=project,
                    user_id=user,
                    filename="t.pdf",
                    content=make_pdf(_pages()),
                    gateway=gateway,
                    backend=backend,
                    queue_app=queue_app,
                )
            assert upload.job_id is not None
            runtime = WorkerRuntime(
                sessionmaker,
                settings,
                queue_app,
                gateway,
                services={"knowledge": backend},
            )
            await run_job(runtime, upload.job_id)  # attempt 1 fails mid-way
            with psycopg.connect(database_url) as conn:
                status, checkpoint = conn.execute(
                    "SELECT status, checkpoint FROM jobs WHERE id = %s",
                    (upload.job_id,),
                ).fetchone()  # type: ignore[misc]
            assert status == "queued"
            assert checkpoint["embedded"] == 4
            await run_job(runtime, upload.job_id)  # attempt 2 resumes
    finally:
        await gateway.aclose()
        await engine.dispose()
    with psycopg.connect(database_url) as conn:
        document = conn.execute(
            "SELECT status, chunk_count FROM knowledge_documents WHERE id = %s",
            (upload.document.id,),
        ).fetchone()
        stored = conn.execute(
            "SELECT count(*), count(DISTINCT ordinal) FROM knowledge_chunks"
            " WHERE document_id = %s",
            (upload.document.id,),
        ).fetchone()
    assert document == ("ready", 10)
    assert stored == (10, 10)
    # The four chunks embedded before the failure were not embedded again.
    assert len(gateway.embedded) == 10
    assert len(set(gateway.embedded)) == 10
