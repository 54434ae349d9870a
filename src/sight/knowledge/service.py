"""Documents of a project: upload (with duplicate detection), list, read,
delete, re-index. Services take the request's session and never commit.

Access is checked by the endpoints with `authorize_project` before any of
these run; every query here is also scoped by project id, so a document id
from another project is simply not found.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sight.jobs.models import TERMINAL_STATUSES, Job, JobStatus
from sight.jobs.service import cancel_job, create_job
from sight.kit.errors import NotFound
from sight.knowledge.errors import (
    DocumentTooLarge,
    EmbeddingSpaceMismatch,
    KnowledgeStoreUnavailable,
)
from sight.knowledge.models import Document, DocumentFile, DocumentStatus
from sight.knowledge.retrieval import embedding_space
from sight.knowledge.runtime import KnowledgeBackend
from sight.knowledge.sniffing import detect_media_type
from sight.llm.gateway import LLMGateway
from sight.projects.models import Project

if TYPE_CHECKING:
    import procrastinate

INGEST = "knowledge.ingest"


@dataclass
class Upload:
    document: Document
    duplicate: bool
    job_id: uuid.UUID | None


def _title_from(filename: str) -> str:
    stem = PurePath(filename.replace("\\", "/")).stem or "document"
    return re.sub(r"[_\s]+", " ", stem).strip()[:500] or "document"


async def _project_space(
    session: AsyncSession, project_id: uuid.UUID, exclude: uuid.UUID | None = None
) -> tuple[str, int, str] | None:
    """The embedding space (and store) the project's documents already use."""
    statement = (
        select(Document.embedding_model, Document.embedding_dimensions, Document.store)
        .where(
            Document.project_id == project_id,
            Document.status != DocumentStatus.failed,
        )
        .limit(1)
    )
    if exclude is not None:
        statement = statement.where(Document.id != exclude)
    row = (await session.execute(statement)).first()
    return (row[0], row[1], row[2]) if row else None


async def upload_document(
    session: AsyncSession,
    *,
    project: Project,
    user_id: uuid.UUID,
    filename: str,
    content: bytes,
    gateway: LLMGateway,
    backend: KnowledgeBackend,
    queue_app: procrastinate.App,
) -> Upload:
    limit = backend.knowledge.max_upload_bytes
    if len(content) > limit:
        raise DocumentTooLarge(
            f"the file is {len(content) / 1048576:.1f} MB; the limit is "
            f"{backend.knowledge.max_upload_mb:g} MB"
        )
    media_type = detect_media_type(content)
    digest = hashlib.sha256(content).hexdigest()
    await settle_abandoned(session, project.id)
    existing = await session.scalar(
        select(Document).where(
            Document.project_id == project.id, Document.content_hash == digest
        )
    )
    if existing is not None and existing.status != DocumentStatus.failed:
        return Upload(existing, True, existing.job_id)
    embedder = await gateway.embedder()
    model = embedding_space(embedder.name, embedder.model)
    current = await _project_space(session, project.id)
    if current is not None and current != (
        model,
        embedder.dimensions,
        backend.store_name,
    ):
        raise EmbeddingSpaceMismatch(
            f"this project's documents are indexed with {current[0]} "
            f"({current[1]} dimensions) in {current[2]}, but the configured "
            f"embedder is {model} ({embedder.dimensions} dimensions) in "
            f"{backend.store_name}. Re-index them first (POST "
            f"/api/v1/projects/{project.id}/documents/reembed)."
        )
    if existing is not None:
        # The same bytes failed before: try again rather than keep a failure.
        document = existing
        document.status = DocumentStatus.queued
        document.error = None
        document.stage = None
        document.embedding_model, document.embedding_dimensions = (
            model,
            embedder.dimensions,
        )
        document.store = backend.store_name
    else:
        document = Document(
            project_id=project.id,
            user_id=user_id,
            title=_title_from(filename),
            filename=(filename or "document")[:500],
            media_type=media_type,
            size_bytes=len(content),
            content_hash=digest,
            status=DocumentStatus.queued,
            embedding_model=model,
            embedding_dimensions=embedder.dimensions,
            store=backend.store_name,
        )
        session.add(document)
        await session.flush()
        session.add(DocumentFile(document_id=document.id, content=content))
    await session.flush()
    job_id = await _queue_ingestion(session, document, backend, queue_app)
    await session.flush()
    await session.refresh(document)  # server-side timestamps
    return Upload(document, False, job_id)


async def _queue_ingestion(
    session: AsyncSession,
    document: Document,
    backend: KnowledgeBackend,
    queue_app: procrastinate.App,
    *,
    reset: bool = False,
    previous_store: str | None = None,
) -> uuid.UUID | None:
    if not backend.available:
        # Nothing can be stored now; the reconnect loop queues it later.
        document.status = DocumentStatus.waiting
        document.error = (
            f"waiting for the knowledge graph ({backend.store_name}): "
            f"{backend.last_error}"
        )
        return None
    job = await create_job(
        session,
        queue_app,
        user_id=document.user_id,
        kind=INGEST,
        params={
            "document_id": str(document.id),
            "reset": reset,
            "previous_store": previous_store,
        },
        project_id=document.project_id,
    )
    document.job_id = job.id
    return job.id


async def settle_abandoned(
    session: AsyncSession,
    project_id: uuid.UUID,
    document_id: uuid.UUID | None = None,
) -> None:
    """Fail documents whose ingestion job ended without its handler finishing
    them: a job cancelled while still queued, or failed by the job runtime
    after its worker died on every attempt. Without this such a document
    would stay `queued`/`processing` forever. Runs wherever documents are
    read, so every path that ends a job is covered, present and future."""
    where = [
        Document.project_id == project_id,
        Document.status.in_([DocumentStatus.queued, DocumentStatus.processing]),
        Document.job_id == Job.id,
        Job.status.in_([JobStatus.cancelled, JobStatus.failed]),
    ]
    if document_id is not None:
        where.append(Document.id == document_id)
    await session.execute(
        update(Document)
        .where(*where)
        .values(
            status=DocumentStatus.failed,
            stage=None,
            error=case(
                (
                    Job.status == JobStatus.cancelled,
                    "ingestion was cancelled before it finished",
                ),
                else_=func.coalesce(Job.error, "ingestion failed"),
            ),
        )
        .execution_options(synchronize_session=False)
    )


async def list_documents(
    session: AsyncSession,
    project_id: uuid.UUID,
    *,
    limit: int,
    offset: int,
    status: str | None = None,
) -> tuple[list[Document], int]:
    await settle_abandoned(session, project_id)
    where = [Document.project_id == project_id]
    if status is not None:
        where.append(Document.status == status)
    total = await session.scalar(
        select(func.count()).select_from(Document).where(*where)
    )
    rows = await session.scalars(
        select(Document)
        .where(*where)
        .order_by(Document.created_at.desc(), Document.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total or 0)


async def get_document(
    session: AsyncSession, project_id: uuid.UUID, document_id: uuid.UUID
) -> Document:
    await settle_abandoned(session, project_id, document_id)
    document = await session.scalar(
        select(Document).where(
            Document.id == document_id, Document.project_id == project_id
        )
    )
    if document is None:
        raise NotFound("document", document_id)
    return document


async def delete_document(
    session: AsyncSession,
    document: Document,
    backend: KnowledgeBackend,
    queue_app: procrastinate.App,
) -> None:
    """Chunks, vectors and graph facts first (in whichever store), then the row.
    If the store cannot be reached, nothing is deleted and the user is told."""
    if document.job_id is not None:
        job = await session.get(Job, document.job_id)
        if job is not None and job.status not in TERMINAL_STATUSES:
            await cancel_job(session, queue_app, job)
    store = await backend.require()
    try:
        await store.delete_document(document.id)
    except KnowledgeStoreUnavailable as exc:
        backend.failed(exc)
        raise
    await session.delete(document)
    await session.flush()


async def reembed_project(
    session: AsyncSession,
    project_id: uuid.UUID,
    gateway: LLMGateway,
    backend: KnowledgeBackend,
    queue_app: procrastinate.App,
    *,
    force: bool = False,
) -> list[uuid.UUID]:
    """Re-index documents embedded with another model (or all, with force):
    their old chunks are removed and they are parsed and embedded again."""
    embedder = await gateway.embedder()
    model = embedding_space(embedder.name, embedder.model)
    await settle_abandoned(session, project_id)
    documents = list(
        await session.scalars(
            select(Document).where(Document.project_id == project_id).with_for_update()
        )
    )
    queued: list[uuid.UUID] = []
    for document in documents:
        same = (
            document.embedding_model == model
            and document.embedding_dimensions == embedder.dimensions
            and document.store == backend.store_name
        )
        if same and not force and document.status != DocumentStatus.failed:
            continue
        if document.status in (DocumentStatus.queued, DocumentStatus.processing):
            continue  # already being indexed
        old_store = document.store
        document.embedding_model = model
        document.embedding_dimensions = embedder.dimensions
        document.store = backend.store_name
        document.status = DocumentStatus.queued
        document.error = None
        await _queue_ingestion(
            session,
            document,
            backend,
            queue_app,
            reset=True,
            previous_store=old_store,
        )
        queued.append(document.id)
    await session.flush()
    return queued
