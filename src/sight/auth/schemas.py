from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import EmailStr, Field, StringConstraints

from sight.kit.schemas import InputSchema, Int, Line, Schema, Text

# Any printable text: a password may contain tabs or line breaks, not NUL.
Password = Annotated[Text, StringConstraints(min_length=8, max_length=256)]


class UserCreate(InputSchema):
    email: EmailStr
    password: Password
    full_name: Annotated[
        Line, StringConstraints(strip_whitespace=True, max_length=200)
    ] = ""


class LoginRequest(InputSchema):
    email: EmailStr
    password: Annotated[Text, StringConstraints(min_length=1, max_length=256)]
    refresh_in: Literal["body", "cookie"] = Field(
        "body",
        description=(
            '"cookie" (the web app): the refresh token is set as an HttpOnly cookie'
            " scoped to /api/v1/auth/refresh and left out of the body, out of reach"
            ' of scripts. "body": returned in the body, for programs.'
        ),
    )


class RefreshRequest(InputSchema):
    refresh_token: Annotated[Line, StringConstraints(min_length=1, max_length=512)]


class TokenPair(Schema):
    access_token: str
    refresh_token: str | None = Field(
        description="null when the refresh token was set as a cookie"
    )
    token_type: str = "bearer"  # noqa: S105 (a scheme name)
    expires_in: int


class UserRead(Schema):
    id: uuid.UUID
    email: str
    full_name: str
    role: Literal["admin", "researcher", "viewer"]
    language: Literal["pl", "en"] | None
    created_at: datetime


class ProfileUpdate(InputSchema):
    full_name: (
        Annotated[Line, StringConstraints(strip_whitespace=True, max_length=200)] | None
    ) = None
    language: Literal["pl", "en"] | None = Field(
        None, description="The web app's language for this account"
    )


class RoleUpdate(InputSchema):
    role: Literal["admin", "researcher", "viewer"]


class ApiTokenCreate(InputSchema):
    name: Annotated[
        Line, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
    ]
    expires_in_days: Annotated[Int, Field(ge=1, le=3650)] | None = None


class ApiTokenRead(Schema):
    id: uuid.UUID
    name: str
    token_prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None


class ApiTokenCreated(ApiTokenRead):
    # Shown once, at creation; only its hash is stored.
    token: str
