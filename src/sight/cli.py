"""The `sight` command: serve | worker | db upgrade | users set-role | init-graph |
smoke."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sight.config import ConfigurationError, Settings, check_production, get_settings

if TYPE_CHECKING:
    from sight.embedded_postgres import EmbeddedPostgres

cli = typer.Typer(
    help="Sight: simulated market research with AI personas.", no_args_is_help=True
)
db_cli = typer.Typer(help="Database schema.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
users_cli = typer.Typer(help="Accounts and their system roles.", no_args_is_help=True)
cli.add_typer(users_cli, name="users")

logger = logging.getLogger("sight.cli")

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Where the embedded PostgreSQL keeps its data "
        "(default: $SIGHT_DATA_DIR or ~/.sight). Unused when DATABASE_URL is set.",
    ),
]


def _settings(data_dir: Path | None) -> Settings:
    settings = get_settings()
    if data_dir is not None:
        settings = settings.model_copy(
            update={"data_dir": data_dir.expanduser().resolve()}
        )
    from sight.observability import configure_logging

    configure_logging(settings.log_level)
    try:
        check_production(settings)
    except ConfigurationError as exc:
        typer.echo(f"sight: {exc}", err=True)
        raise typer.Exit(code=2) from None
    return settings


def _fail(message: str) -> typer.Exit:
    typer.echo(f"sight: {message}", err=True)
    return typer.Exit(code=1)


def _upgrade_or_exit(url: str, revision: str = "head") -> None:
    """Apply migrations; an unreachable database is one line, not a traceback.
    To the head: one query first, Alembic only when the database is behind."""
    from urllib.parse import urlsplit

    from psycopg import OperationalError as DriverError
    from sqlalchemy.exc import OperationalError

    from sight import db

    try:
        if revision == "head":
            migrated = db.upgrade_if_behind(url)
            logger.info("database schema at head", extra={"migrated": migrated})
        else:
            db.upgrade(url, revision)
    except (OperationalError, DriverError, OSError) as exc:
        cause = getattr(exc, "orig", None) or exc
        reason = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
        where = urlsplit(url)
        target = f"{where.hostname or 'localhost'}:{where.port or 5432}{where.path}"
        raise _fail(
            f"cannot connect to the database at {target} ({reason}); "
            "check DATABASE_URL and that PostgreSQL is running"
        ) from None


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT", help="Port to listen on.")] = 8000,
    data_dir: DataDir = None,
    reload: Annotated[
        bool, typer.Option(help="Reload on code changes (development).")
    ] = False,
    workers: Annotated[
        str,
        typer.Option(
            envvar="WEB_CONCURRENCY",
            help="API processes: a number, or 'auto' = one per CPU (at most 4) "
            "when DATABASE_URL and REDIS_URL are set, else 1 (docs/deployment.md).",
        ),
    ] = "auto",
) -> None:
    """Start the API, the web app and a job worker (and the embedded PostgreSQL
    when DATABASE_URL is not set)."""
    import uvicorn

    settings = _settings(data_dir)
    processes = _api_processes(workers, settings)
    startup_gc = StartupCollection()
    # The app's imports (about a second of CPU) overlap the embedded
    # PostgreSQL's start, which waits on its own processes.
    importing = _import_in_background("sight.app", "sight.db")
    # uvicorn re-raises the signal it caught once it has shut down; with the
    # default SIGTERM action the process would die before stopping PostgreSQL.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    embedded: EmbeddedPostgres | None = None
    if settings.database_url is not None:
        url = settings.database_url.get_secret_value()
    else:
        kept_data = (settings.data_dir / "pgdata").exists()
        embedded, url = _start_embedded(settings)
        logger.info(
            "embedded PostgreSQL ready",
            extra={
                "data_dir": str(settings.data_dir),
                "data": "kept" if kept_data else "new",
                # A server left running by a killed `sight serve`, taken over.
                "adopted_running_server": embedded.reused_running_server,
            },
        )
    try:
        importing.join()
        _upgrade_or_exit(url)
        if embedded is not None and embedded.created and not embedded.from_template:
            from sight.embedded_postgres import save_template

            save_template(embedded)
        from sight.app import create_app

        if reload:
            startup_gc.resume()
            os.environ["DATABASE_URL"] = url
            uvicorn.run(
                "sight.app:create_app",
                factory=True,
                host=host,
                port=port,
                reload=True,
                reload_dirs=[str(Path(__file__).parent)],
                log_config=None,
            )
        elif processes > 1:
            startup_gc.resume()
            _serve_processes(settings, url, host, port, processes)
        else:
            app = create_app(settings, database_url=url)
            # After the app is built: its routers' modules load in create_app.
            startup_gc.resume()
            server = _announcing_server(
                uvicorn.Config(
                    app,
                    host=host,
                    port=port,
                    log_config=None,
                    timeout_graceful_shutdown=3,
                    # X-Forwarded-For is read by the app, and only from the
                    # proxies in SIGHT_TRUSTED_PROXIES (kit/forwarded.py).
                    proxy_headers=False,
                )
            )
            server.run()
    finally:
        startup_gc.resume()
        if embedded is not None:
            embedded.stop()


class StartupCollection:
    """No cyclic garbage collection while the app's modules load: what they
    make lives as long as the process, and collecting it again and again cost
    10-20 % of a start's CPU (issue 16). `resume` freezes those objects (later
    collections skip them) and turns collection on again; calling it twice is
    harmless."""

    def __init__(self) -> None:
        import gc

        self._paused = gc.isenabled()
        gc.disable()

    def resume(self) -> None:
        import gc

        if self._paused:
            self._paused = False
            gc.freeze()
            gc.enable()


def _import_in_background(*modules: str) -> Any:
    import importlib
    import threading

    def load() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: S110 (imported again, and reported, by the caller)
                pass

    thread = threading.Thread(target=load, name="sight-imports", daemon=True)
    thread.start()
    return thread


def _api_processes(workers: str, settings: Settings) -> int:
    if workers.strip().lower() == "auto":
        # Several processes only where limits and caches are shared (Redis) and
        # the database is a server of its own: see docs/deployment.md.
        if settings.database_url is None or settings.redis_url is None:
            return 1
        return max(1, min(4, len(os.sched_getaffinity(0))))
    try:
        count = int(workers)
    except ValueError:
        raise _fail(f"--workers must be a number or 'auto', not {workers!r}") from None
    if not 1 <= count <= 64:
        raise _fail(f"--workers must be between 1 and 64, not {count}")
    return count


def _serve_processes(
    settings: Settings, url: str, host: str, port: int, processes: int
) -> None:
    """N API processes on one socket (uvicorn's supervisor restarts one that
    dies). Each builds its app from the environment; one of them runs the
    in-process job worker and says where Sight listens (`sight.app`)."""
    import tempfile

    import uvicorn

    if settings.redis_url is None:
        logger.warning(
            "%d API processes without REDIS_URL: rate limits and caches are per "
            "process",
            processes,
        )
    lock = Path(tempfile.gettempdir()) / f"sight-{os.getpid()}-job-worker.lock"
    os.environ.update(
        {
            "DATABASE_URL": url,
            "SIGHT_DATA_DIR": str(settings.data_dir),
            "SIGHT_JOB_WORKER_LOCK": str(lock),
            "SIGHT_ANNOUNCE": f"{host} {port} {processes}",
        }
    )
    try:
        uvicorn.run(
            "sight.app:served_app",
            factory=True,
            host=host,
            port=port,
            workers=processes,
            log_config=None,
            timeout_graceful_shutdown=3,
            proxy_headers=False,
        )
    finally:
        lock.unlink(missing_ok=True)


def _announcing_server(config: Any) -> Any:
    """uvicorn's server, saying in plain words where Sight listens once it does
    (uvicorn is imported lazily: the other commands do not need it)."""
    import uvicorn

    class Server(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            if not self.should_exit:
                _announce(self.config)

    return Server(config)


def _announce(config: Any) -> None:
    announce(config.host, config.port, config.app.state.sight.llm.default_provider())


def announce(host: str, port: int, llm: str, processes: int = 1) -> None:
    host = "127.0.0.1" if host in {"0.0.0.0", "::"} else host  # noqa: S104
    if llm == "offline":
        model = (
            "LLM: none configured, so the offline engine writes everything (marked "
            "as such). For real answers set GOOGLE_API_KEY, OPENAI_API_KEY or "
            "ANTHROPIC_API_KEY, or run Ollama, and restart."
        )
    else:
        model = f"LLM: {llm} (default provider)."
    many = f", {processes} API processes" if processes > 1 else ""
    sys.stderr.write(
        f"\nSight is running at http://{host}:{port}/ "
        f"(press Ctrl+C to stop{many}).\n"
        f"{model}\n\n"
    )
    sys.stderr.flush()


def _start_embedded(settings: Settings) -> tuple[EmbeddedPostgres, str]:
    from sight.embedded_postgres import DataDirInUse, EmbeddedPostgres

    embedded = EmbeddedPostgres(
        settings.data_dir, shared_buffers=settings.pg_shared_buffers
    )
    try:
        return embedded, embedded.start()
    except DataDirInUse as exc:
        raise _fail(str(exc)) from None


def _running_embedded_url(settings: Settings) -> str | None:
    from sight.embedded_postgres import EmbeddedPostgres

    return EmbeddedPostgres(settings.data_dir).running_url()


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _database_url(settings: Settings) -> str:
    if settings.database_url is not None:
        return settings.database_url.get_secret_value()
    from sight.embedded_postgres import EmbeddedPostgres

    url = EmbeddedPostgres(settings.data_dir).running_url()
    if url is None:
        raise _fail(
            "DATABASE_URL is not set and no embedded PostgreSQL is running in "
            f"{settings.data_dir}; start `sight serve` first or set DATABASE_URL"
        )
    return url


@cli.command()
def worker(
    concurrency: Annotated[
        int, typer.Option(help="Jobs run at once by this worker.")
    ] = 8,
    data_dir: DataDir = None,
) -> None:
    """Run a job worker against the same database (scale-out, any machine)."""
    from sight.jobs.queue import create_queue_app
    from sight.jobs.registry import load_task_modules, warm_ups
    from sight.jobs.runtime import WorkerRuntime, run_worker
    from sight.llm.providers.factory import preload
    from sight.llm.setup import build_gateway
    from sight.postgres import create_engine, create_sessionmaker, libpq_url

    settings = _settings(data_dir)
    url = _database_url(settings)
    # The providers' SDKs and the jobs' libraries loaded now, not in the
    # middle of the first job (seconds on a busy machine, holding the event
    # loop while that job's calls wait); before the signal handlers, so a
    # worker stopped while it starts exits at once.
    load_task_modules()
    preload(settings)
    for warm in warm_ups():
        warm()

    async def main() -> None:
        engine = create_engine(url, pool_size=max(2, concurrency))
        queue_app = create_queue_app(libpq_url(url))
        sessionmaker = create_sessionmaker(engine)
        runtime = WorkerRuntime(
            sessionmaker=sessionmaker,
            settings=settings,
            queue_app=queue_app,
            llm=await build_gateway(settings, sessionmaker),
            services={},
        )
        if settings.redis_url is not None:
            from sight.redis import create_redis

            runtime.services["redis"] = create_redis(
                settings.redis_url.get_secret_value()
            )
        runtime.llm.warm_up()  # the provider's client, before the first job
        try:
            async with queue_app.open_async():
                await run_worker(
                    runtime,
                    concurrency=concurrency,
                    name=f"worker-{socket.gethostname()}-{os.getpid()}",
                )
        finally:
            await runtime.llm.aclose()
            if "redis" in runtime.services:
                await runtime.services["redis"].aclose()
            await engine.dispose()

    _run_until_signal(main())


def _run_until_signal(coro: object) -> None:
    async def runner() -> None:
        task = asyncio.ensure_future(coro)  # type: ignore[call-overload]
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        try:
            await task
        except asyncio.CancelledError:
            logger.info("worker stopped")

    asyncio.run(runner())


@db_cli.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
    data_dir: DataDir = None,
) -> None:
    """Apply schema migrations (the production migration job)."""
    settings = _settings(data_dir)
    if settings.database_url is not None:
        _upgrade_or_exit(settings.database_url.get_secret_value(), revision)
    else:
        embedded, url = _start_embedded(settings)
        try:
            _upgrade_or_exit(url, revision)
        finally:
            embedded.stop()
    typer.echo("database schema is up to date")


@users_cli.command("set-role")
def users_set_role(
    email: Annotated[str, typer.Argument(help="The account's email.")],
    role: Annotated[str, typer.Argument(help="admin | researcher | viewer")],
    data_dir: DataDir = None,
) -> None:
    """Give an account a system role (audited as done by `cli`)."""
    from sight.auth.cli import set_role

    if role not in ("admin", "researcher", "viewer"):
        raise _fail(f"unknown role {role!r}; use admin, researcher or viewer")
    settings = _settings(data_dir)
    if settings.database_url is not None:
        message = set_role(settings.database_url.get_secret_value(), email, role)
    elif (running := _running_embedded_url(settings)) is not None:
        # A `sight serve` holds the data dir: join its server, leave it running.
        message = set_role(running, email, role)
    else:
        embedded, url = _start_embedded(settings)
        try:
            message = set_role(url, email, role)
        finally:
            embedded.stop()
    if message.startswith("error: "):
        raise _fail(message.removeprefix("error: "))
    typer.echo(message)


@cli.command("init-graph")
def init_graph() -> None:
    """Create the Neo4j indexes the knowledge pipeline expects (idempotent)."""
    from sight.graph import create_neo4j_driver, ensure_graph_indexes

    settings = _settings(None)
    if not settings.neo4j_uri:
        raise _fail("NEO4J_URI is not set; nothing to initialise")

    async def main() -> list[str]:
        driver = create_neo4j_driver(
            settings.neo4j_uri or "",
            settings.neo4j_user,
            settings.neo4j_password.get_secret_value()
            if settings.neo4j_password
            else None,
        )
        try:
            return await ensure_graph_indexes(driver, settings.embedding_dimensions)
        finally:
            await driver.close()

    for line in asyncio.run(main()):
        typer.echo(line)


@cli.command()
def openapi() -> None:
    """Print the API's OpenAPI document (the web app's types are generated from it)."""
    import json

    from sight.app import create_app

    # Building the app connects to nothing (that happens at startup).
    app = create_app(_settings(None), database_url="postgresql://unused/openapi")
    typer.echo(json.dumps(app.openapi(), indent=2, ensure_ascii=False))


@cli.command()
def smoke(
    url: Annotated[
        str,
        typer.Argument(
            help="Base URL of a running Sight, e.g. https://sight.example.com"
        ),
    ],
    timeout: Annotated[float, typer.Option(help="Seconds per check.")] = 10.0,
) -> None:
    """Check a deployed Sight: /health, /startup, /docs and the web app."""
    from sight.smoke import render, run_smoke

    report = run_smoke(url, timeout=timeout)
    typer.echo(render(report))
    if not report.ok:
        raise typer.Exit(code=1)


eval_cli = typer.Typer(help="Measure Sight against real people.", no_args_is_help=True)
cli.add_typer(eval_cli, name="eval")


@eval_cli.command("fidelity")
def eval_fidelity(
    benchmark: Annotated[str, typer.Option(help="A shipped benchmark.")] = "gss2018_us",
    per_group: Annotated[
        int, typer.Option("--per-group", min=2, max=2000, help="Respondents per group.")
    ] = 200,
    questions: Annotated[
        list[str] | None, typer.Option(help="Question ids or names (repeat or comma).")
    ] = None,
    groups: Annotated[list[str] | None, typer.Option(help="Group ids.")] = None,
    seed: Annotated[int, typer.Option(help="Persona sample and option order.")] = 1,
    volunteered: Annotated[
        str, typer.Option(help="omit | offer the options not read out.")
    ] = "omit",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Run a fidelity benchmark with the configured provider (or the offline
    engine) and print the scores beside their baselines (docs/fidelity.md)."""
    from sight.fidelity import cli as fidelity_cli
    from sight.kit.errors import SightError

    settings = _settings(data_dir)
    try:
        fidelity_cli.check(benchmark, questions, groups)
    except SightError as exc:
        raise _fail(exc.detail) from None
    embedded = None
    if settings.database_url is not None:
        url = settings.database_url.get_secret_value()
    else:
        from sight.embedded_postgres import EmbeddedPostgres

        running = EmbeddedPostgres(settings.data_dir).running_url()
        if running is None:
            embedded, running = _start_embedded(settings)
        url = running
    try:
        _upgrade_or_exit(url)
        result = asyncio.run(
            fidelity_cli.run_from_cli(
                settings,
                url,
                benchmark=benchmark,
                per_group=per_group,
                questions=questions,
                groups=groups,
                seed=seed,
                volunteered=volunteered,
                echo=lambda line: typer.echo(line, err=True),
            )
        )
    except SightError as exc:
        raise _fail(exc.detail) from None
    finally:
        if embedded is not None:
            embedded.stop()
    typer.echo(fidelity_cli.as_json(result) if as_json else fidelity_cli.render(result))


def _cache_bytecode() -> None:
    """Where the environment forbids bytecode next to the sources
    (PYTHONDONTWRITEBYTECODE) and none was compiled at install time, keep it in
    the user's cache: without it every start compiles every module again
    (about 2.5 s of CPU of a cold start). An install that ships bytecode (the
    container image) is left alone."""
    import importlib.util

    if not sys.flags.dont_write_bytecode or sys.pycache_prefix:
        return
    compiled = importlib.util.cache_from_source(__file__)
    if Path(compiled).exists():
        return
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    prefix = str(Path(cache) / "sight" / "pycache")
    sys.pycache_prefix = prefix
    sys.dont_write_bytecode = False
    os.environ["PYTHONPYCACHEPREFIX"] = prefix  # the API processes of --workers


def _limit_malloc_arenas() -> None:
    """glibc gives each thread that allocates its own heap arena (up to 8 per
    core); the worker threads (embeddings, statistics, exports) keep mostly
    free arenas resident. Two arenas are enough for one event loop and a few
    worker threads (docs/deployment.md, issue 16)."""
    if not sys.platform.startswith("linux") or os.environ.get("MALLOC_ARENA_MAX"):
        return
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-8, 2)  # M_ARENA_MAX
    except (OSError, AttributeError):
        return
    os.environ["MALLOC_ARENA_MAX"] = "2"  # child processes (--workers, parsers)


def main() -> None:
    _cache_bytecode()
    _limit_malloc_arenas()
    try:
        cli()
    except KeyboardInterrupt:
        sys.exit(130)
