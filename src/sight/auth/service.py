"""Registration, login, refresh-token rotation, logout and API tokens."""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, bindparam, exists, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from sight.audit.context import Actor
from sight.audit.service import record
from sight.auth.models import ApiToken, RefreshToken, SystemRole, User
from sight.auth.schemas import ProfileUpdate, TokenPair, UserCreate
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


# Serialises first registrations, so two at once cannot both become admin.
_FIRST_USER_LOCK = 0x5167_6874_0001


async def register(
    session: AsyncSession, data: UserCreate, *, first_user_admin: bool = False
) -> User:
    role = SystemRole.researcher
    if first_user_admin:
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": _FIRST_USER_LOCK}
        )
        if not await session.scalar(select(exists().where(User.id.is_not(None)))):
            role = SystemRole.admin
    user = User(
        email=data.email.lower(),
        full_name=data.full_name,
        password_hash=hash_password(data.password),
        role=role,
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
    """The user behind an access token or a personal API token.

    One query either way. An API token's `last_used_at` is written at most once
    per `token_last_used_interval_seconds`, so a busy script does not turn
    every read into a write."""
    if bearer.startswith(API_TOKEN_PREFIX):
        row = (
            await session.execute(
                _api_token_with_user(), {"token_hash": token_digest(bearer)}
            )
        ).first()
        if row is None or row[0].revoked_at is not None:
            raise Unauthorized("invalid API token")
        api_token, user = row
        now = _now()
        if api_token.expires_at is not None and api_token.expires_at <= now:
            raise Unauthorized("API token expired")
        interval = timedelta(seconds=settings.auth.token_last_used_interval_seconds)
        if api_token.last_used_at is None or now - api_token.last_used_at >= interval:
            api_token.last_used_at = now
    else:
        user_id = decode_access_token(bearer, settings.secret_key.get_secret_value())
        found = await session.get(User, user_id)
        if found is None:
            raise Unauthorized("account not found or disabled")
        user = found
    return ensure_active(user)


def ensure_active(user: User) -> User:
    if not user.is_active:
        raise Unauthorized("account not found or disabled")
    return user


@functools.cache
def _api_token_with_user() -> Select[ApiToken, User]:
    # Built once per process: SQLAlchemy memoises the statement's cache key on
    # it, so an API-token request does not rebuild and hash the query each time.
    return (
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == bindparam("token_hash"))
    )


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
    record(
        session,
        "auth.token_create",
        "api_token",
        api_token.id,
        details={"name": name, "prefix": api_token.token_prefix},
    )
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
    record(
        session,
        "auth.token_revoke",
        "api_token",
        api_token.id,
        details={"name": api_token.name, "prefix": api_token.token_prefix},
    )


async def update_profile(
    session: AsyncSession, user: User, data: ProfileUpdate
) -> User:
    changes = data.model_dump(exclude_unset=True)
    if changes.get("full_name") is not None:
        user.full_name = changes["full_name"]
    if "language" in changes:
        user.language = changes["language"]
    await session.flush()
    await session.refresh(user)
    return user


class LastAdmin(Conflict):
    pass


async def set_role(
    session: AsyncSession, target: User, role: str, *, actor: Actor | None = None
) -> User:
    """Change an account's system role (audited). The last admin stays one."""
    if target.role == role:
        return target
    if target.role == SystemRole.admin:
        admins = await session.scalar(
            select(func.count()).select_from(User).where(User.role == SystemRole.admin)
        )
        if (admins or 0) <= 1:
            raise LastAdmin(
                "this is the deployment's last admin: make another account an "
                "admin first"
            )
    record(
        session,
        "auth.role_change",
        "user",
        target.id,
        details={"email": target.email, "from": target.role, "to": role},
        actor=actor,
    )
    target.role = role
    await session.flush()
    return target
