"""Registration, login, refresh-token rotation, logout and API tokens."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from sight.auth.models import ApiToken, RefreshToken, User
from sight.auth.schemas import TokenPair, UserCreate
from sight.auth.security import (
    API_TOKEN_PREFIX,
    burn_verification_time,
    create_access_token,
    decode_access_token,
    hash_password,
    new_opaque_token,
    token_digest,
    verify_password,
)
from sight.config import Settings
from sight.kit.errors import Conflict, Forbidden, NotFound, Unauthorized


class EmailTaken(Conflict):
    pass


class InvalidCredentials(Unauthorized):
    pass


class RefreshTokenReused(Unauthorized):
    keeps_changes = True


class TokenMintingRefused(Forbidden):
    """An API token may not create API tokens: a child could outlive its parent
    (a later expiry, surviving revocation). Tokens are created after a login."""


def _now() -> datetime:
    return datetime.now(UTC)


async def register(session: AsyncSession, data: UserCreate) -> User:
    user = User(
        email=data.email.lower(),
        full_name=data.full_name,
        password_hash=hash_password(data.password),
    )
    session.add(user)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise EmailTaken("an account with this email already exists") from None
    return user


async def login(
    session: AsyncSession, settings: Settings, email: str, password: str
) -> TokenPair:
    user = await session.scalar(select(User).where(User.email == email.lower()))
    if user is None:
        burn_verification_time(password)
        raise InvalidCredentials("wrong email or password")
    if not verify_password(user.password_hash, password) or not user.is_active:
        raise InvalidCredentials("wrong email or password")
    return await _issue_pair(session, settings, user.id, family_id=uuid.uuid4())


async def _issue_pair(
    session: AsyncSession, settings: Settings, user_id: uuid.UUID, family_id: uuid.UUID
) -> TokenPair:
    refresh = new_opaque_token()
    session.add(
        RefreshToken(
            user_id=user_id,
            family_id=family_id,
            token_hash=token_digest(refresh),
            expires_at=_now() + timedelta(days=settings.auth.refresh_token_days),
        )
    )
    await session.flush()
    access, expires_in = create_access_token(
        user_id,
        settings.secret_key.get_secret_value(),
        settings.auth.access_token_minutes,
        family_id,
    )
    return TokenPair(access_token=access, refresh_token=refresh, expires_in=expires_in)


async def refresh(session: AsyncSession, settings: Settings, token: str) -> TokenPair:
    stored = await session.scalar(
        select(RefreshToken)
        .where(RefreshToken.token_hash == token_digest(token))
        .with_for_update()
    )
    if stored is None or stored.revoked_at is not None:
        raise Unauthorized("invalid refresh token; log in again")
    if stored.used_at is not None:
        # A rotated-out token came back: someone holds a copy. End the session.
        await _revoke_family(session, stored.family_id)
        raise RefreshTokenReused(
            "refresh token reuse detected; all sessions of this login were ended"
        )
    if stored.expires_at <= _now():
        raise Unauthorized("refresh token expired; log in again")
    stored.used_at = _now()
    return await _issue_pair(session, settings, stored.user_id, stored.family_id)


async def logout(
    session: AsyncSession, token: str | None, family_id: uuid.UUID | None
) -> None:
    """End a login, named by its refresh token or by the family in an access
    token (the web app, whose refresh cookie is not sent to this route)."""
    if token is not None:
        stored = await session.scalar(
            select(RefreshToken).where(RefreshToken.token_hash == token_digest(token))
        )
        if stored is not None:
            await _revoke_family(session, stored.family_id)
    if family_id is not None:
        await _revoke_family(session, family_id)


async def _revoke_family(session: AsyncSession, family_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=_now())
    )


async def authenticate(session: AsyncSession, settings: Settings, bearer: str) -> User:
    """The user behind an access token or a personal API token."""
    if bearer.startswith(API_TOKEN_PREFIX):
        api_token = await session.scalar(
            select(ApiToken).where(ApiToken.token_hash == token_digest(bearer))
        )
        if api_token is None or api_token.revoked_at is not None:
            raise Unauthorized("invalid API token")
        if api_token.expires_at is not None and api_token.expires_at <= _now():
            raise Unauthorized("API token expired")
        api_token.last_used_at = _now()
        user_id = api_token.user_id
    else:
        user_id = decode_access_token(bearer, settings.secret_key.get_secret_value())
    user = await session.get(User, user_id)
    if user is None or not user.is_active:
        raise Unauthorized("account not found or disabled")
    return user


async def create_api_token(
    session: AsyncSession,
    user: User,
    name: str,
    expires_in_days: int | None,
    *,
    caller_bearer: str,
) -> tuple[ApiToken, str]:
    if caller_bearer.startswith(API_TOKEN_PREFIX):
        raise TokenMintingRefused(
            "an API token cannot create API tokens; log in to create one"
        )
    token = new_opaque_token(API_TOKEN_PREFIX)
    api_token = ApiToken(
        user_id=user.id,
        name=name,
        token_prefix=token[: len(API_TOKEN_PREFIX) + 4],
        token_hash=token_digest(token),
        expires_at=_now() + timedelta(days=expires_in_days)
        if expires_in_days
        else None,
    )
    session.add(api_token)
    await session.flush()
    await session.refresh(api_token)
    return api_token, token


async def list_api_tokens(session: AsyncSession, user: User) -> list[ApiToken]:
    rows = await session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at)
    )
    return list(rows)


async def revoke_api_token(
    session: AsyncSession, user: User, token_id: uuid.UUID
) -> None:
    api_token = await session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )
    if api_token is None or api_token.revoked_at is not None:
        raise NotFound("API token", token_id)
    api_token.revoked_at = _now()
