"""Knowledge endpoints: documents, search, ask, the project's entity graph.

Every route first checks the caller's right to the project (`authorize_project`,
the one access policy: 404 otherwise, exactly like a missing project). Routes
that call a model or the store release the request's database connection
before doing so (no session is held across an LLM call).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import File, Query, Request, Response, UploadFile, status
from fastapi.responses import JSONResponse

from sight.deps import AppState, CurrentUser, DbSession, State
from sight.kit.errors import error_responses
from sight.kit.pagination import OffsetQuery
from sight.kit.routers import domain_router
from sight.kit.routing import API_PREFIX
from sight.kit.schemas import MAX_OFFSET, FilterValue, Page
from sight.knowledge import service
from sight.knowledge.answer import answer_question
from sight.knowledge.errors import DocumentTooLarge
from sight.knowledge.retrieval import search as run_search
from sight.knowledge.runtime import KnowledgeBackend, backend_for, knowledge_lifespan
from sight.knowledge.schemas import (
    AskRequest,
    AskResponse,
    ChunkRead,
    Citation,
    DocumentRead,
    EntityRead,
    GraphRead,
    ReembedRequest,
    ReembedResult,
    RelationRead,
    SearchRequest,
    SearchResponse,
    SearchResult,
    UploadResult,
)
from sight.llm.types import CallContext
from sight.projects.access import authorize_project

router = domain_router(
    prefix=API_PREFIX, tags=["knowledge"], lifespan=knowledge_lifespan
)

PROJECT = "/projects/{project_id}"
# Multipart framing around the file: a request this much over the limit is
# refused from its Content-Length, before the body is read.
_MULTIPART_SLACK = 64 * 1024


def _backend(state: AppState) -> KnowledgeBackend:
    backend = state.services.get("knowledge")
    if isinstance(backend, KnowledgeBackend):
        return backend
    return backend_for(state.settings, state.sessionmaker, driver=state.neo4j)


@router.post(
    PROJECT + "/documents",
    response_model=UploadResult,
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        200: {"description": "the same content was already uploaded"},
        **error_responses(409, 413, 415),
    },
)
async def upload_document(
    project_id: uuid.UUID,
    request: Request,
    file: Annotated[UploadFile, File(description="PDF, DOCX, Markdown, HTML or text")],
    user: CurrentUser,
    state: State,
    session: DbSession,
) -> JSONResponse:
    project = await authorize_project(session, user, project_id, "write")
    backend = _backend(state)
    limit = backend.knowledge.max_upload_bytes
    declared = int(request.headers.get("content-length") or 0)
    if declared > limit + _MULTIPART_SLACK:
        raise _too_large(declared, backend)
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise _too_large(len(content), backend)
    upload = await service.upload_document(
        session,
        project=project,
        user_id=user.id,
        filename=file.filename or "document",
        content=content,
        gateway=state.llm,
        backend=backend,
        queue_app=state.queue_app,
    )
    body = UploadResult(
        document=DocumentRead.model_validate(upload.document),
        duplicate=upload.duplicate,
        job_id=upload.job_id,
    )
    return JSONResponse(
        body.model_dump(mode="json"),
        status_code=status.HTTP_200_OK
        if upload.duplicate
        else status.HTTP_202_ACCEPTED,
    )


def _too_large(size: int, backend: KnowledgeBackend) -> DocumentTooLarge:
    return DocumentTooLarge(
        f"the file is over {backend.knowledge.max_upload_mb:g} MB "
        f"({size / 1048576:.1f} MB received); upload a smaller document"
    )


@router.get(PROJECT + "/documents", response_model=Page[DocumentRead])
async def list_documents(
    project_id: uuid.UUID,
    user: CurrentUser,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: OffsetQuery = 0,
    status_filter: Annotated[FilterValue | None, Query(alias="status")] = None,
) -> Page[DocumentRead]:
    await authorize_project(session, user, project_id, "read")
    rows, total = await service.list_documents(
        session, project_id, limit=limit, offset=offset, status=status_filter
    )
    return Page[DocumentRead](
        items=[DocumentRead.model_validate(d) for d in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get(PROJECT + "/documents/{document_id}", response_model=DocumentRead)
async def get_document(
    project_id: uuid.UUID, document_id: uuid.UUID, user: CurrentUser, session: DbSession
) -> DocumentRead:
    await authorize_project(session, user, project_id, "read")
    return DocumentRead.model_validate(
        await service.get_document(session, project_id, document_id)
    )


@router.get(PROJECT + "/documents/{document_id}/chunks", response_model=list[ChunkRead])
async def document_chunks(
    project_id: uuid.UUID,
    document_id: uuid.UUID,
    user: CurrentUser,
    state: State,
    session: DbSession,
    around: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="chunk ordinal")] = 0,
    window: Annotated[int, Query(ge=0, le=50)] = 10,
) -> list[ChunkRead]:
    """Chunks of a document in reading order, `window` either side of `around`."""
    await authorize_project(session, user, project_id, "read")
    await service.get_document(session, project_id, document_id)
    await session.commit()  # release the connection before the store call
    store = await _backend(state).require()
    # Chunk ids are uuid5(document, "chunk:<ordinal>") (see chunking.py).
    anchor = uuid.uuid5(document_id, f"chunk:{around}")
    hits = await store.adjacent_chunks(project_id, anchor, window)
    return [
        ChunkRead(
            chunk_id=h.chunk_id,
            ordinal=h.ordinal,
            heading=h.heading,
            page=h.page,
            page_end=h.page_end,
            text=h.text,
        )
        for h in hits
        if h.document_id == document_id
    ]


@router.delete(
    PROJECT + "/documents/{document_id}", status_code=status.HTTP_204_NO_CONTENT
)
async def delete_document(
    project_id: uuid.UUID,
    document_id: uuid.UUID,
    user: CurrentUser,
    state: State,
    session: DbSession,
) -> Response:
    await authorize_project(session, user, project_id, "write")
    document = await service.get_document(session, project_id, document_id)
    await service.delete_document(session, document, _backend(state), state.queue_app)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    PROJECT + "/documents/reembed",
    response_model=ReembedResult,
    responses=error_responses(409),
)
async def reembed_documents(
    project_id: uuid.UUID,
    user: CurrentUser,
    state: State,
    session: DbSession,
    data: ReembedRequest | None = None,
) -> ReembedResult:
    """Re-index documents embedded with another model or stored elsewhere."""
    await authorize_project(session, user, project_id, "write")
    queued = await service.reembed_project(
        session,
        project_id,
        state.llm,
        _backend(state),
        state.queue_app,
        force=bool(data and data.force),
    )
    return ReembedResult(queued=queued)


@router.post(
    PROJECT + "/search",
    response_model=SearchResponse,
    responses=error_responses(400, 402, 409, 502, 503),
)
async def search(
    project_id: uuid.UUID,
    data: SearchRequest,
    user: CurrentUser,
    state: State,
    session: DbSession,
) -> SearchResponse:
    await authorize_project(session, user, project_id, "read")
    await session.commit()  # release the connection: embedding the query is slow
    outcome = await run_search(
        state.sessionmaker,
        state.llm,
        project_id,
        data.query,
        top_k=data.top_k,
        mode=data.mode,
        graph_expansion=data.graph_expansion,
        ctx=CallContext(user.id, project_id),
        backend=_backend(state),
    )
    return SearchResponse(
        query=data.query,
        mode=data.mode,
        results=[
            SearchResult(
                chunk_id=r.chunk_id,
                document_id=r.document_id,
                document_title=r.document_title,
                page=r.page,
                page_end=r.page_end,
                heading=r.heading,
                score=r.score,
                snippet=r.snippet,
                text=r.text,
                vector_rank=r.vector_rank,
                vector_score=r.vector_score,
                keyword_rank=r.keyword_rank,
                keyword_score=r.keyword_score,
                source="graph" if r.source == "graph" else "search",
                linked_entities=list(r.linked_entities),
            )
            for r in outcome.results
        ],
        took_ms=outcome.took_ms,
        store=outcome.store,
        documents_searched=outcome.documents_searched,
    )


@router.post(
    PROJECT + "/ask",
    response_model=AskResponse,
    responses=error_responses(400, 402, 409, 502, 503),
)
async def ask(
    project_id: uuid.UUID,
    data: AskRequest,
    user: CurrentUser,
    state: State,
    session: DbSession,
) -> AskResponse:
    project = await authorize_project(session, user, project_id, "read")
    language = project.language
    await session.commit()  # release the connection before model calls
    ctx = CallContext(user.id, project_id)
    outcome = await run_search(
        state.sessionmaker,
        state.llm,
        project_id,
        data.question,
        top_k=data.top_k,
        mode=data.mode,
        graph_expansion=data.graph_expansion,
        ctx=ctx,
        backend=_backend(state),
    )
    # Only what may be cited (relevance floor, prose): no citation rather
    # than an unrelated one; the answer comes in the project's language.
    answer = await answer_question(
        state.llm,
        data.question,
        outcome.citable(data.question),
        ctx,
        language=language,
        floor=outcome.relevance_floor,
    )
    return AskResponse(
        question=data.question,
        found=answer.found,
        answer=answer.answer,
        citations=[
            Citation(
                number=n,
                chunk_id=c.chunk_id,
                document_id=c.document_id,
                document_title=c.document_title,
                page=c.page,
                page_end=c.page_end,
                heading=c.heading,
                snippet=c.snippet,
            )
            for n, c in answer.citations
        ],
        generated_by=answer.generated_by,
    )


@router.get(PROJECT + "/knowledge-graph", response_model=GraphRead)
async def knowledge_graph(
    project_id: uuid.UUID,
    user: CurrentUser,
    state: State,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> GraphRead:
    """The entities the project's documents mention (most mentioned first)
    and the relations between them, each with the chunk it came from."""
    await authorize_project(session, user, project_id, "read")
    await session.commit()
    store = await _backend(state).require()
    entities = await store.entities(project_id, limit)
    relations = await store.relations(project_id, limit)
    return GraphRead(
        entities=[
            EntityRead(
                type=e.type, name=e.name, mentions=e.mentions, documents=e.documents
            )
            for e in entities
        ],
        relations=[
            RelationRead(
                source=r.source,
                source_type=r.source_type,
                target=r.target,
                target_type=r.target_type,
                type=r.type,
                description=r.description,
                document_id=r.document_id,
                chunk_id=r.chunk_id,
            )
            for r in relations
        ],
    )
