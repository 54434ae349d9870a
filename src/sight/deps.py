"""Per-app runtime state and the FastAPI dependencies built on it."""

from __future__ import annotations

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


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.sight
    return state


State = Annotated[AppState, Depends(get_state)]


async def get_db_session(state: State) -> AsyncIterator[AsyncSession]:
    """One session and one commit per request, before the response is sent."""
    async with state.sessionmaker() as session:
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
            await session.commit()


# scope="function": the commit happens before the response is sent, so a client
# that acts on a response always finds its data stored.
DbSession = Annotated[AsyncSession, Depends(get_db_session, scope="function")]

_bearer = HTTPBearer(
    auto_error=False, description="JWT access token or sight_pat_ API token"
)


async def get_current_user(
    request: Request,
    state: State,
    session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    from sight.audit import context
    from sight.auth.service import authenticate

    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("not authenticated: send 'Authorization: Bearer <token>'")
    user = await authenticate(session, state.settings, credentials.credentials)
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


CurrentUser = Annotated[User, Depends(get_current_user)]
