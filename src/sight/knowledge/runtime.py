"""The knowledge store a process uses, its health, and the reconnect loop.

The adapter is chosen from settings: Neo4j when `NEO4J_URI` is set, PostgreSQL
otherwise. With Neo4j down the app keeps serving: uploads are stored and wait
(`waiting`), searches answer 503 with the reason, `/startup` reports Neo4j
failed, and `reconnect_loop` tries again every `reconnect_seconds` (5 minutes),
then re-queues the waiting documents. The loop also removes store data whose
document no longer exists in PostgreSQL (a project deleted, a crash between the
two deletions), which matters for Neo4j where no foreign key cascades.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from sight.config import Settings
from sight.kit.cancelling import stop_if_cancelled
from sight.knowledge.analytics import ConceptGraph, GraphAnalytics, analyse_in_process
from sight.knowledge.config import KnowledgeSettings
from sight.knowledge.errors import KnowledgeStoreUnavailable
from sight.knowledge.models import Document, DocumentStatus
from sight.knowledge.sandbox import close_spare
from sight.knowledge.store import KnowledgeStore
from sight.knowledge.store_postgres import PostgresKnowledgeStore
from sight.postgres import SessionMaker, session_scope

if TYPE_CHECKING:
    from fastapi import FastAPI
    from neo4j import AsyncDriver

    from sight.jobs.queue import JobQueue

logger = logging.getLogger("sight.knowledge")

# A request may re-check an unreachable store this often (the loop's 5 minutes
# are too long for a user who just restarted Neo4j).
RECHECK_SECONDS = 30.0


class KnowledgeBackend:
    def __init__(
        self,
        settings: Settings,
        sessionmaker: SessionMaker,
        *,
        knowledge: KnowledgeSettings | None = None,
        driver: AsyncDriver | None = None,
    ) -> None:
        self.settings = settings
        self.knowledge = knowledge or settings.knowledge
        self.sessionmaker = sessionmaker
        self._owned_driver: AsyncDriver | None = None
        self.store: KnowledgeStore
        if settings.neo4j_uri:
            from sight.graph import create_neo4j_driver
            from sight.knowledge.store_neo4j import Neo4jKnowledgeStore

            if driver is None:
                password = settings.neo4j_password
                driver = self._owned_driver = create_neo4j_driver(
                    settings.neo4j_uri,
                    settings.neo4j_user,
                    password.get_secret_value() if password else None,
                )
            self.store = Neo4jKnowledgeStore(driver)
        else:
            self.store = PostgresKnowledgeStore(sessionmaker)
        self.available = True
        self.last_error: str | None = None
        self._checked_at = 0.0

    @property
    def store_name(self) -> str:
        return self.store.name

    async def check(self) -> bool:
        self._checked_at = time.monotonic()
        try:
            await self.store.ping()
        except KnowledgeStoreUnavailable as exc:
            if self.available:
                logger.warning(
                    "knowledge store unreachable", extra={"reason": exc.detail}
                )
            self.available, self.last_error = False, str(exc.detail)
            return False
        if not self.available:
            logger.info("knowledge store reachable again")
        self.available, self.last_error = True, None
        return True

    async def require(self) -> KnowledgeStore:
        """The store, or KnowledgeStoreUnavailable (503) with the reason."""
        if not self.available and time.monotonic() - self._checked_at > RECHECK_SECONDS:
            await self.check()
        if not self.available:
            raise KnowledgeStoreUnavailable(
                f"the knowledge graph ({self.store_name}) is unreachable: "
                f"{self.last_error}. Sight retries every "
                f"{self.knowledge.reconnect_seconds / 60:g} minutes; uploads wait "
                "and are processed when it is back"
            )
        return self.store

    def failed(self, exc: KnowledgeStoreUnavailable) -> None:
        """Record a failure seen by a caller, so others fail fast."""
        self.available, self.last_error = False, str(exc.detail)
        self._checked_at = time.monotonic()

    async def aclose(self) -> None:
        if self._owned_driver is not None:
            await self._owned_driver.close()


_BACKENDS: weakref.WeakKeyDictionary[Any, KnowledgeBackend] = (
    weakref.WeakKeyDictionary()
)


def backend_for(
    settings: Settings,
    sessionmaker: SessionMaker,
    *,
    driver: AsyncDriver | None = None,
    knowledge: KnowledgeSettings | None = None,
) -> KnowledgeBackend:
    """One backend per sessionmaker (i.e. per app or worker process), made on
    first use: domains calling `retrieve()` need not know which store is set."""
    backend = _BACKENDS.get(sessionmaker)
    if backend is None:
        backend = KnowledgeBackend(
            settings, sessionmaker, knowledge=knowledge, driver=driver
        )
        _BACKENDS[sessionmaker] = backend
    return backend


async def analyse_concept_graph(
    settings: Settings,
    sessionmaker: SessionMaker,
    nodes: Iterable[str],
    edges: Iterable[Sequence[Any] | Mapping[str, Any]],
) -> GraphAnalytics:
    """Concept-graph analytics on the configured store: GDS when Neo4j has it,
    in process otherwise (also when Neo4j is unreachable); same shape."""
    graph = ConceptGraph.build(nodes, edges)
    backend = backend_for(settings, sessionmaker)
    try:
        return await backend.store.concept_graph_analytics(graph)
    except KnowledgeStoreUnavailable:
        return analyse_in_process(graph)


async def resume_waiting(backend: KnowledgeBackend, queue: JobQueue) -> int:
    """Queue ingestion again for documents that waited for the store (the
    queue's app is built only when there is one)."""
    from sight.jobs.service import create_job

    async with session_scope(backend.sessionmaker) as session:
        waiting = list(
            await session.scalars(
                select(Document)
                .where(Document.status == DocumentStatus.waiting)
                .order_by(Document.created_at)
                .limit(200)
                .with_for_update(skip_locked=True)
            )
        )
        for document in waiting:
            job = await create_job(
                session,
                queue.app,
                user_id=document.user_id,
                kind="knowledge.ingest",
                params={"document_id": str(document.id)},
                project_id=document.project_id,
            )
            document.status = DocumentStatus.queued
            document.error = None
            document.job_id = job.id
    if waiting:
        logger.info("re-queued waiting documents", extra={"count": len(waiting)})
    return len(waiting)


async def sweep_orphans(backend: KnowledgeBackend) -> int:
    """Delete store data of documents that PostgreSQL no longer has."""
    if backend.store_name == "postgres":
        return 0  # foreign keys already cascade
    held = await backend.store.document_ids(None)
    if not held:
        return 0
    async with backend.sessionmaker() as session:
        known = set(
            await session.scalars(select(Document.id).where(Document.id.in_(held)))
        )
    orphans = held - known
    for document_id in orphans:
        await backend.store.delete_document(document_id)
    return len(orphans)


async def reconnect_loop(backend: KnowledgeBackend, queue: JobQueue) -> None:
    while True:
        try:
            if await backend.check():
                await resume_waiting(backend, queue)
                await sweep_orphans(backend)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("knowledge store maintenance failed")
        # A library awaited above may swallow our cancellation (seen when the
        # app stopped during the first check): stop, do not sleep again.
        stop_if_cancelled()
        await asyncio.sleep(backend.knowledge.reconnect_seconds)


@contextlib.asynccontextmanager
async def knowledge_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Runs inside the app's lifespan (merged by the router): the app state
    exists here, and the loop stops before the app's clients close."""
    state = app.state.sight
    knowledge = getattr(app.state, "knowledge_settings", None)
    backend = backend_for(
        state.settings, state.sessionmaker, driver=state.neo4j, knowledge=knowledge
    )
    state.services["knowledge"] = backend
    loop = asyncio.create_task(
        reconnect_loop(backend, state.queue), name="knowledge-reconnect"
    )
    try:
        yield
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop
        await backend.aclose()
        await close_spare()
