"""Password hashing (argon2id), JWT access tokens and opaque token hashing."""

from __future__ import annotations

import functools
import hashlib
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError

from sight.kit.errors import Unauthorized

_hasher = PasswordHasher()
ALGORITHM = "HS256"
API_TOKEN_PREFIX = "sight_pat_"  # noqa: S105 (a public prefix)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("not-a-real-password")


def burn_verification_time(password: str) -> None:
    """Verify against a real hash when the account does not exist, so response
    time does not reveal which emails are registered."""
    verify_password(_dummy_hash(), password)


def create_access_token(
    user_id: uuid.UUID, secret: str, minutes: int, family_id: uuid.UUID | None = None
) -> tuple[str, int]:
    now = datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "type": "access",
        # The login (refresh-token family) this token belongs to: logout ends it.
        "fid": str(family_id) if family_id else None,
        "iat": now,
        "exp": now + timedelta(minutes=minutes),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM), minutes * 60


def decode_access_token(token: str, secret: str) -> uuid.UUID:
    """The user an access token names (signature and expiry checked)."""
    key = (hashlib.sha256(token.encode()).digest(), secret)
    seen = _verified.get(key)
    if seen is not None:
        if seen[1] > time.time():
            return seen[0]
        raise Unauthorized("access token expired; refresh it")
    user_id, _, expires = _decode(token, secret)
    if len(_verified) >= _VERIFIED_MAX:
        _verified.clear()
    _verified[key] = (user_id, expires)
    return user_id


# A token already verified in this process, keyed by a digest of its exact
# text (the tokens themselves are not kept) and the secret: the same bytes need
# no second HMAC and JSON parse (a tenth of a request's CPU). Only its expiry is
# checked again; the caller still loads the user and checks `is_active`.
_verified: dict[tuple[bytes, str], tuple[uuid.UUID, float]] = {}
_VERIFIED_MAX = 10_000


def access_token_family(token: str, secret: str) -> uuid.UUID | None:
    """The login an access token was issued for, or None (any problem).

    An expired token still names its login: ending a session is harmless, and
    a web app signing out after a while idle holds only an expired one."""
    try:
        return _decode(token, secret, verify_exp=False)[1]
    except Unauthorized:
        return None


def _decode(
    token: str, secret: str, *, verify_exp: bool = True
) -> tuple[uuid.UUID, uuid.UUID | None, float]:
    """(user, login family, expiry as a Unix time) of a valid access token."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "sub"], "verify_exp": verify_exp},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("access token expired; refresh it") from None
    except jwt.InvalidTokenError:
        raise Unauthorized("invalid access token") from None
    if claims.get("type") != "access":
        raise Unauthorized("invalid access token")
    try:
        family = claims.get("fid")
        return (
            uuid.UUID(str(claims["sub"])),
            uuid.UUID(family) if family else None,
            float(claims["exp"]),
        )
    except (ValueError, TypeError, AttributeError):
        raise Unauthorized("invalid access token") from None


def new_opaque_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    # Tokens are 256-bit random values, so a fast hash is enough (no brute force).
    return hashlib.sha256(token.encode()).hexdigest()
