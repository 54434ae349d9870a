"""`create_app()`: the FastAPI application and its lifespan.

The lifespan creates every client (PostgreSQL engine, Redis, Neo4j, the job
queue, the event listener) and, when configured, an in-process job worker.
Nothing is created at import time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from sight.api import build_api_routers
from sight.config import Settings, check_production, get_settings
from sight.deps import AppState, install_user_cache_eviction
from sight.domains import DOMAINS, Domain
from sight.graph import create_neo4j_driver
from sight.health import router as health_router
from sight.jobs.queue import JobQueue
from sight.jobs.registry import load_task_modules
from sight.jobs.runtime import WorkerRuntime, run_worker
from sight.jobs.service import update_queue_depth
from sight.kit.errors import install_error_handlers
from sight.kit.forwarded import ForwardedClientMiddleware
from sight.kit.headers import SecurityHeadersMiddleware
from sight.kit.ratelimit import RateLimiter
from sight.llm.setup import build_gateway
from sight.observability import (
    Metrics,
    RequestContextMiddleware,
    metrics_token_matches,
)
from sight.postgres import create_engine, create_sessionmaker, libpq_url
from sight.spa import STATIC_DIR, mount_spa
from sight.streams import EventBroadcaster, add_stream_schemas

logger = logging.getLogger("sight.app")

# `create_engine` keeps 2 x this many connections for the read pool.
READ_POOL_SIZE = 5


def create_app(
    settings: Settings | None = None,
    *,
    database_url: str | None = None,
    static_dir: Path = STATIC_DIR,
    domains: Sequence[Domain] = DOMAINS,
) -> FastAPI:
    """Build the app. `database_url` overrides settings (the embedded server's URL);
    `domains` are the registered domains (`sight.domains.DOMAINS`)."""
    settings = settings or get_settings()
    check_production(settings)
    metrics = Metrics()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = database_url or (
            settings.database_url.get_secret_value() if settings.database_url else None
        )
        if url is None:
            raise RuntimeError(
                "no database: set DATABASE_URL or start with `sight serve`"
            )
        engine = create_engine(url)
        sessionmaker = create_sessionmaker(engine)
        # GET/HEAD requests read through a pool of their own whose connections
        # are opened in autocommit mode: switching a shared pool's connection
        # into autocommit on checkout and back on check-in was about a tenth of
        # a GET's CPU (issue 16). Up to 10 more connections per process.
        read_engine = create_engine(url, pool_size=READ_POOL_SIZE, autocommit=True)
        install_user_cache_eviction()
        llm = await build_gateway(settings, sessionmaker, metrics)
        queue = JobQueue(libpq_url(url))
        broadcaster = EventBroadcaster(libpq_url(url))
        redis = None
        if settings.redis_url:
            # Imported here: the driver is slow to import and optional.
            from sight.redis import create_redis

            redis = create_redis(settings.redis_url.get_secret_value())
        neo4j = (
            create_neo4j_driver(
                settings.neo4j_uri,
                settings.neo4j_user,
                settings.neo4j_password.get_secret_value()
                if settings.neo4j_password
                else None,
            )
            if settings.neo4j_uri
            else None
        )
        state = AppState(
            settings=settings,
            metrics=metrics,
            engine=engine,
            sessionmaker=sessionmaker,
            queue=queue,
            llm=llm,
            broadcaster=broadcaster,
            rate_limiter=RateLimiter(
                settings.redis_url.get_secret_value() if settings.redis_url else None
            ),
            redis=redis,
            neo4j=neo4j,
            read_sessionmaker=create_sessionmaker(read_engine),
            read_engine=read_engine,
        )
        if redis is not None:
            state.services["redis"] = redis
        app.state.sight = state
        worker: asyncio.Task[None] | None = None
        slot = JobWorkerSlot(os.environ.get("SIGHT_JOB_WORKER_LOCK"))
        broadcaster.start()
        # Offline composers serve HTTP-side calls too (answers, interviews).
        load_task_modules(domains)
        if settings.jobs.run_worker_in_process:
            worker = asyncio.create_task(
                slot.run_when_held(lambda: _in_process_worker(state)),
                name="job-worker",
            )
        logger.info("Sight is ready", extra={"environment": settings.env.value})
        _announce_once(state, slot)
        try:
            yield
        finally:
            if worker is not None:
                worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker
            await broadcaster.stop()
            slot.release()
        await llm.aclose()
        if redis is not None:
            await redis.aclose()
        if neo4j is not None:
            await neo4j.close()
        await read_engine.dispose()
        await engine.dispose()

    app = FastAPI(
        title="Sight",
        summary="Simulated market research with AI personas",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    install_error_handlers(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            allow_credentials=True,
        )
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    # Added last = runs first: the real client address (trusted proxies only)
    # before anything logs or rate-limits it; the headers cover even a 500.
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.is_production)
    app.add_middleware(
        ForwardedClientMiddleware, trusted_proxies=settings.trusted_proxies
    )

    app.include_router(health_router)
    for router in build_api_routers(domains):
        app.include_router(router)
    _document_streams(app)

    @app.get("/metrics", include_in_schema=False)
    async def prometheus_metrics(request: Request) -> Response:
        # Open to scrapers, but spend and token totals need SIGHT_METRICS_TOKEN.
        await update_queue_depth(request.app.state.sight, metrics)
        token = settings.metrics_token
        full = metrics_token_matches(
            request.headers.get("authorization"),
            token.get_secret_value() if token else None,
        )
        return Response(metrics.render(full=full), media_type=CONTENT_TYPE_LATEST)

    mount_spa(app, static_dir)
    return app


def served_app() -> FastAPI:
    """The app of one of `sight serve --workers N`'s processes: settings and the
    database URL come from the environment the parent set (cli.py)."""
    from sight.observability import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level)
    return create_app(settings)


class JobWorkerSlot:
    """With several API processes, one runs the in-process job worker: the one
    holding an exclusive lock on `path` (the others wait for it, so if that
    process dies the next one takes over). No path: a single process, always
    held."""

    RETRY_SECONDS = 5.0

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._handle: Any = None

    def try_acquire(self) -> bool:
        if self.path is None or self._handle is not None:
            return True
        import fcntl

        # Held open for the process' life (or until `release`).
        handle = open(self.path, "a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._handle = handle
        return True

    async def run_when_held(self, start: Callable[[], Awaitable[None]]) -> None:
        # Polled: a lock on a file has no event to wait for.
        while not self.try_acquire():  # noqa: ASYNC110
            await asyncio.sleep(self.RETRY_SECONDS)
        await start()

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


async def _in_process_worker(state: AppState) -> None:
    """`sight serve`'s job worker. Its queue app (procrastinate, 0.04-0.05 s
    of CPU to import) is built in a thread, so the server answers meanwhile: jobs
    enqueued before the worker runs wait in PostgreSQL, as for any worker."""
    queue_app = await asyncio.to_thread(lambda: state.queue.app)
    runtime = WorkerRuntime(
        sessionmaker=state.sessionmaker,
        settings=state.settings,
        queue_app=queue_app,
        llm=state.llm,
        services=state.services,
    )
    async with queue_app.open_async():
        await run_worker(
            runtime,
            concurrency=state.settings.jobs.worker_concurrency,
            name=f"serve-{socket.gethostname()}-{os.getpid()}",
        )


def _announce_once(state: AppState, slot: JobWorkerSlot) -> None:
    """Under `sight serve --workers N` the first process says where Sight is."""
    target = os.environ.get("SIGHT_ANNOUNCE")
    if not target or slot.path is None or not slot.try_acquire():
        return
    from sight.cli import announce

    host, port, processes = target.split()
    announce(host, int(port), state.llm.default_provider(), int(processes))


def _document_streams(app: FastAPI) -> None:
    """/openapi.json names every stream event model (see `sight.streams`)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = add_stream_schemas(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
