"""Per-app runtime state and the FastAPI dependencies built on it."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from sight.auth.models import User
from sight.config import Settings
from sight.kit.errors import SightError, Unauthorized
from sight.kit.ratelimit import RateLimiter
from sight.llm.gateway import LLMGateway
from sight.observability import Metrics
from sight.postgres import SessionMaker
from sight.streams import EventBroadcaster

if TYPE_CHECKING:
    import procrastinate

    # Imported for annotations only: both drivers are slow to import and optional.
    from neo4j import AsyncDriver
    from redis.asyncio import Redis

    from sight.jobs.queue import JobQueue


@dataclass
class AppState:
    settings: Settings
    metrics: Metrics
    engine: AsyncEngine
    sessionmaker: SessionMaker
    queue: JobQueue
    broadcaster: EventBroadcaster
    rate_limiter: RateLimiter
    llm: LLMGateway
    redis: Redis | None = None
    neo4j: AsyncDriver | None = None
    # Set by domains that start their own services in the lifespan.
    services: dict[str, Any] = field(default_factory=dict)
    # Sessions for GET/HEAD requests: autocommit, so a read costs no BEGIN and
    # COMMIT round trips (under READ COMMITTED every statement has its own
    # snapshot either way). None: reads use `sessionmaker`.
    read_sessionmaker: SessionMaker | None = None
    # The engine behind `read_sessionmaker` (`AuthenticatedCaller` reads on
    # its connections directly).
    read_engine: AsyncEngine | None = None

    @property
    def queue_app(self) -> procrastinate.App:
        """The job queue's procrastinate app (built on first use)."""
        return self.queue.app


async def get_state(request: Request) -> AppState:
    # async: FastAPI runs a plain `def` dependency in a worker thread, a thread
    # hop on every request for one attribute read.
    state: AppState = request.app.state.sight
    return state


State = Annotated[AppState, Depends(get_state)]


_READ_METHODS = frozenset({"GET", "HEAD"})


@contextlib.asynccontextmanager
async def request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session and one commit per request, before the response is sent."""
    # The state is read here rather than taken as a `State` dependency: every
    # dependency FastAPI resolves costs tens of microseconds per request.
    state: AppState = request.app.state.sight
    maker = state.sessionmaker
    reading = False
    if request.method in _READ_METHODS and state.read_sessionmaker is not None:
        maker, reading = state.read_sessionmaker, True
    async with maker() as session, _settled(session, reading=reading):
        yield session


@contextlib.asynccontextmanager
async def _settled(session: AsyncSession, *, reading: bool) -> AsyncIterator[None]:
    """Commit what the request changed, or roll it back on an error."""
    try:
        yield
    except SightError as exc:
        if exc.keeps_changes:
            await session.commit()
        else:
            await session.rollback()
        raise
    except BaseException:
        await session.rollback()
        raise
    else:
        # A read session autocommits each statement: with nothing left to
        # flush, closing it is all a commit would do, and the commit's own
        # steps were a tenth of a GET's CPU.
        if not reading or session.new or session.dirty or session.deleted:
            await session.commit()


async def get_db_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request_session(request) as session:
        yield session


# scope="function": the commit happens before the response is sent, so a client
# that acts on a response always finds its data stored.
DbSession = Annotated[AsyncSession, Depends(get_db_session, scope="function")]

_bearer = HTTPBearer(
    auto_error=False, description="JWT access token or sight_pat_ API token"
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def get_current_user(
    request: Request, session: DbSession, credentials: Credentials
) -> User:
    return await _authenticate(request, session, credentials)


CurrentUser = Annotated[User, Depends(get_current_user)]


class Caller:
    """The authenticated user of a read (GET/HEAD) and its database access: a
    connection from the read pool, and an ORM session on that connection
    only when something asks for one. A JWT whose user was read in the last
    few seconds (`_UserCache`) needs no session: opening one, putting the
    user into it and closing it was about a sixth of a GET's CPU (issue 16)."""

    __slots__ = ("_maker", "_opened", "_session", "connection", "user")

    def __init__(
        self,
        connection: AsyncConnection,
        maker: SessionMaker,
        opened: contextlib.AsyncExitStack,
    ) -> None:
        self.connection = connection
        self._maker = maker
        self._opened = opened  # closes the session, if any, before the connection
        self._session: AsyncSession | None = None
        self.user: User

    async def session(self) -> AsyncSession:
        """The request's ORM session, on the read connection; settled as
        `request_session` settles one (an API token's `last_used_at` is a
        write)."""
        if self._session is None:
            self._session = await self._opened.enter_async_context(self._open())
        return self._session

    @contextlib.asynccontextmanager
    async def _open(self) -> AsyncIterator[AsyncSession]:
        async with (
            self._maker(bind=self.connection) as session,
            _settled(session, reading=True),
        ):
            yield session


@contextlib.asynccontextmanager
async def read_caller(
    request: Request, credentials: HTTPAuthorizationCredentials | None
) -> AsyncIterator[Caller]:
    """The authenticated caller of a GET or HEAD and its read connection,
    until the block ends (then the connection goes back to the pool)."""
    state: AppState = request.app.state.sight
    if (
        request.method not in _READ_METHODS
        or state.read_engine is None
        or state.read_sessionmaker is None
    ):
        raise RuntimeError("a read caller serves GET and HEAD routes only")
    async with (
        state.read_engine.connect() as connection,
        contextlib.AsyncExitStack() as opened,
    ):
        caller = Caller(connection, state.read_sessionmaker, opened)
        caller.user = await _authenticate_reader(request, caller, credentials)
        yield caller


async def get_caller(
    request: Request, credentials: Credentials
) -> AsyncIterator[Caller]:
    """The user and the database access of a read in one dependency: FastAPI
    solves every dependency of a route again for each place it is named
    (cached ones included), and solving was about a tenth of a GET's CPU."""
    async with read_caller(request, credentials) as caller:
        yield caller


AuthenticatedCaller = Annotated[Caller, Depends(get_caller, scope="function")]


async def _authenticate_reader(
    request: Request,
    caller: Caller,
    credentials: HTTPAuthorizationCredentials | None,
) -> User:
    """`_authenticate` without a session when the token is a JWT and its user
    was read less than `_UserCache.TTL_SECONDS` ago: the token's signature
    and expiry and the account's `is_active` are still checked."""
    from sight.auth.security import API_TOKEN_PREFIX, decode_access_token
    from sight.auth.service import ensure_active

    bearer = _bearer_token(credentials)
    if not bearer.startswith(API_TOKEN_PREFIX):
        state: AppState = request.app.state.sight
        user_id = decode_access_token(
            bearer, state.settings.secret_key.get_secret_value()
        )
        user = _users.recent(user_id)
        if user is not None:
            _bind_actor(request, ensure_active(user))
            return user
    return await _authenticate(request, await caller.session(), credentials)


def _bearer_token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("not authenticated: send 'Authorization: Bearer <token>'")
    return credentials.credentials


async def _authenticate(
    request: Request,
    session: AsyncSession,
    credentials: HTTPAuthorizationCredentials | None,
) -> User:
    from sight.auth.security import API_TOKEN_PREFIX, decode_access_token
    from sight.auth.service import authenticate

    bearer = _bearer_token(credentials)
    state: AppState = request.app.state.sight
    seeded = False
    if not bearer.startswith(API_TOKEN_PREFIX):  # API tokens load their user in a join
        user_id = decode_access_token(
            bearer, state.settings.secret_key.get_secret_value()
        )
        seeded = _users.seed(session, user_id)
    user = await authenticate(session, state.settings, bearer)
    if not seeded:
        # Only a row just read from the database: a copy served again must not
        # renew its own TTL, or a steady stream of requests would keep it
        # forever (and a deactivation elsewhere would never be seen).
        _users.remember(user)
    _bind_actor(request, user)
    return user


def _bind_actor(request: Request, user: User) -> None:
    from sight.audit import context

    # Who acts, from where: what the audit log records of this request.
    context.bind(
        context.Actor(
            user.id,
            user.email,
            request.client.host if request.client else None,
            request.headers.get("user-agent"),
        )
    )


class _UserCache:
    """The current-user row, kept per process for a few seconds.

    The token is still checked on every request (a JWT's signature and expiry,
    an API token against PostgreSQL: API tokens do not use this cache), and
    so is the account's `is_active`; the cache only spares reading the user's
    row. A change to a user flushed in this process evicts it at once; other
    processes see it within `TTL_SECONDS` of the row's last read. Each request
    gets its own instance (no object shared between requests or sessions).
    """

    TTL_SECONDS = 5.0
    MAX_ENTRIES = 10_000

    def __init__(self) -> None:
        self._rows: dict[uuid.UUID, tuple[float, dict[str, Any]]] = {}
        self._columns: tuple[str, ...] | None = None

    def recent(self, user_id: uuid.UUID) -> User | None:
        """A detached `User` from a row read less than `TTL_SECONDS` ago."""
        entry = self._rows.get(user_id)
        if entry is None or entry[0] < time.monotonic():
            return None
        from sqlalchemy.orm import make_transient_to_detached
        from sqlalchemy.orm.instrumentation import manager_of_class

        # Built the way the ORM builds a loaded row (an instance, its state and
        # its column values), not through `User(...)`, whose instrumented
        # setters were half of this step's CPU (issue 16).
        user = manager_of_class(User).new_instance()
        user.__dict__.update(entry[1])
        make_transient_to_detached(user)
        return user

    def seed(self, session: AsyncSession, user_id: uuid.UUID) -> bool:
        """Put the recent copy into `session` (so `session.get` needs no
        query); False when there is none."""
        user = self.recent(user_id)
        if user is None:
            return False
        session.add(user)
        # The identity map holds clean objects weakly: keep this one alive.
        session.info["sight.cached_user"] = user
        return True

    def remember(self, user: User) -> None:
        """Keep a copy of a row just read from the database."""
        if len(self._rows) >= self.MAX_ENTRIES:
            self._rows.clear()
        if self._columns is None:
            self._columns = tuple(c.key for c in User.__mapper__.column_attrs)
        loaded = user.__dict__
        if any(name not in loaded for name in self._columns):
            return  # expired or partly loaded: not worth a copy
        until = time.monotonic() + self.TTL_SECONDS
        self._rows[user.id] = (until, {name: loaded[name] for name in self._columns})

    def evict(self, user_id: uuid.UUID) -> None:
        self._rows.pop(user_id, None)


_users = _UserCache()


def _evict_changed_users(session: Any, flush_context: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, User):
            _users.evict(obj.id)


def install_user_cache_eviction() -> None:
    """Evict users flushed by any session of this process (idempotent)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_flush", _evict_changed_users):
        event.listen(Session, "after_flush", _evict_changed_users)
