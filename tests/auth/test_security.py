"""Access tokens verified once per process stay checked: expiry and secret."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from sight.auth.security import ALGORITHM, create_access_token, decode_access_token
from sight.kit.errors import Unauthorized


def test_a_remembered_token_still_expires() -> None:
    user = uuid.uuid4()
    now = datetime.now(UTC)
    token = jwt.encode(
        {
            "sub": str(user),
            "type": "access",
            "iat": now,
            "exp": now + timedelta(seconds=1),
        },
        "s" * 32,
        algorithm=ALGORITHM,
    )
    assert decode_access_token(token, "s" * 32) == user
    assert decode_access_token(token, "s" * 32) == user  # from the cache
    time.sleep(1.2)
    with pytest.raises(Unauthorized, match="expired"):
        decode_access_token(token, "s" * 32)


def test_a_token_remembered_under_one_secret_is_refused_under_another() -> None:
    user = uuid.uuid4()
    token, _ = create_access_token(user, "a" * 32, 5)
    assert decode_access_token(token, "a" * 32) == user
    with pytest.raises(Unauthorized, match="invalid"):
        decode_access_token(token, "b" * 32)
