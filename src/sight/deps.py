"""Per-app runtime state and the FastAPI dependencies built on it."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

import procrastinate
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from sight.auth.models import User
from sight.config import Settings
from sight.kit.errors import SightError, Unauthorized
from sight.kit.ratelimit import RateLimiter
from sight.llm.gateway import LLMGateway
from sight.observability import Metrics
from sight.postgres import SessionMaker
from sight.streams import EventBroadcaster

if TYPE_CHECKING:
    # Imported for annotations only: both drivers are slow to import and optional.
    from neo4j import AsyncDriver
    from redis.asyncio import Redis


@dataclass
class AppState:
    settings: Settings
    metrics: Metrics
    engine: AsyncEngine
    sessionmaker: SessionMaker
    queue_app: procrastinate.App
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
    async with maker() as session:
        try:
            yield session
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
            # flush, closing it (on leaving this block) is all a commit would do,
            # and the commit's own steps were a tenth of a GET's CPU.
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


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated user and the request's session."""

    user: User
    session: AsyncSession


async def get_caller(
    request: Request, credentials: Credentials
) -> AsyncIterator[Caller]:
    """`CurrentUser` and `DbSession` in one dependency: FastAPI solves every
    dependency of a route again for each place it is named (cached ones
    included), and solving was about a tenth of a GET's CPU (issue 16)."""
    async with request_session(request) as session:
        yield Caller(await _authenticate(request, session, credentials), session)


AuthenticatedCaller = Annotated[Caller, Depends(get_caller, scope="function")]


async def _authenticate(
    request: Request,
    session: AsyncSession,
    credentials: HTTPAuthorizationCredentials | None,
) -> User:
    from sight.audit import context
    from sight.auth.service import authenticate

    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("not authenticated: send 'Authorization: Bearer <token>'")
    bearer = credentials.credentials
    state: AppState = request.app.state.sight
    if not bearer.startswith("sight_pat_"):  # API tokens load their user in a join
        _users.seed(session, _users.user_id_hint(bearer))
    user = await authenticate(session, state.settings, bearer)
    _users.remember(bearer, user)
    # Who acts, from where: what the audit log records of this request.
    context.bind(
        context.Actor(
            user.id,
            user.email,
            request.client.host if request.client else None,
            request.headers.get("user-agent"),
        )
    )
    return user


class _UserCache:
    """The current-user row, kept per process for a few seconds.

    `authenticate` (sight.auth) still runs in full on every request (token
    signature, expiry, API-token revocation, `is_active`); the cache only puts
    a recent copy of the user's row into the session's identity map first, so
    its `session.get(User, id)` needs no query. A change to a user flushed in
    this process evicts it at once; other processes see it within
    `TTL_SECONDS`. Each request gets its own instance (no state shared
    between sessions).
    """

    TTL_SECONDS = 5.0
    MAX_ENTRIES = 10_000

    def __init__(self) -> None:
        self._rows: dict[uuid.UUID, tuple[float, dict[str, Any]]] = {}
        # hash(bearer) -> (user id, valid until): only a hint of whose row to
        # seed (a collision seeds a row `authenticate` does not ask for).
        self._bearers: dict[int, tuple[uuid.UUID, float]] = {}
        self._columns: tuple[str, ...] | None = None

    def user_id_hint(self, bearer: str) -> uuid.UUID | None:
        hint = self._bearers.get(hash(bearer))
        if hint is None or hint[1] < time.monotonic():
            return None
        return hint[0]

    def seed(self, session: AsyncSession, user_id: uuid.UUID | None) -> None:
        if user_id is None:
            return
        entry = self._rows.get(user_id)
        if entry is None or entry[0] < time.monotonic():
            return
        from sqlalchemy.orm import make_transient_to_detached
        from sqlalchemy.orm.instrumentation import manager_of_class

        # Built the way the ORM builds a loaded row (an instance, its state and
        # its column values), not through `User(...)`, whose instrumented
        # setters were half of this step's CPU (issue 16).
        user = manager_of_class(User).new_instance()
        user.__dict__.update(entry[1])
        make_transient_to_detached(user)
        session.add(user)
        # The identity map holds clean objects weakly: keep this one alive.
        session.info["sight.cached_user"] = user

    def remember(self, bearer: str, user: User) -> None:
        if max(len(self._rows), len(self._bearers)) >= self.MAX_ENTRIES:
            self._rows.clear()
            self._bearers.clear()
        if self._columns is None:
            self._columns = tuple(c.key for c in User.__mapper__.column_attrs)
        loaded = user.__dict__
        if any(name not in loaded for name in self._columns):
            return  # expired or partly loaded: not worth a copy
        until = time.monotonic() + self.TTL_SECONDS
        self._rows[user.id] = (until, {name: loaded[name] for name in self._columns})
        self._bearers[hash(bearer)] = (user.id, until)

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
