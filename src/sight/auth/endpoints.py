"""Users, sessions (JWT access + rotating refresh tokens) and personal API tokens.

The web app keeps its refresh token in an `HttpOnly; Secure; SameSite=Strict`
cookie scoped to the refresh route, so no script can read it; programs log in
with `refresh_in="body"` (the default) or use personal API tokens. A refresh by
cookie must carry `X-Requested-With` (a header a cross-site form cannot send and
a cross-origin script can send only after a CORS preflight the server refuses),
on top of SameSite=Strict.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Cookie, Depends, Header, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from sight.auth import service
from sight.auth.models import SystemRole, User
from sight.auth.schemas import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenRead,
    LoginRequest,
    ProfileUpdate,
    RefreshRequest,
    RoleUpdate,
    TokenPair,
    UserCreate,
    UserRead,
)
from sight.auth.security import access_token_family
from sight.config import Settings
from sight.deps import CurrentUser, DbSession, State
from sight.kit.errors import Forbidden, NotFound, Unauthorized, error_responses
from sight.kit.routers import domain_router
from sight.kit.routing import API_PREFIX

router = domain_router(prefix=f"{API_PREFIX}/auth", tags=["auth"])

REFRESH_COOKIE = "sight_refresh"
REFRESH_COOKIE_PATH = f"{API_PREFIX}/auth/refresh"
_bearer = HTTPBearer(
    auto_error=False, description="JWT access token or sight_pat_ API token"
)
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _client_ip(request: Request) -> str:
    # The real client behind trusted proxies only (kit/forwarded.py).
    return request.client.host if request.client else "unknown"


def _set_refresh_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        REFRESH_COOKIE,
        token,
        max_age=settings.auth.refresh_token_days * 86400,
        path=REFRESH_COOKIE_PATH,
        secure=settings.auth.refresh_cookie_secure,
        httponly=True,
        samesite="strict",
    )


def _clear_refresh_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        REFRESH_COOKIE,
        path=REFRESH_COOKIE_PATH,
        secure=settings.auth.refresh_cookie_secure,
        httponly=True,
        samesite="strict",
    )


@router.post(
    "/register",
    response_model=UserRead,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(409, 429),
    description=(
        "409 when the email is registered: account enumeration is accepted here "
        "for a clear sign-up, and bounded by a per-address rate limit "
        "(docs/security.md)."
    ),
)
async def register(
    data: UserCreate, request: Request, state: State, session: DbSession
) -> UserRead:
    await state.rate_limiter.hit(
        state.settings.auth.register_rate_limit, f"register:ip:{_client_ip(request)}"
    )
    user = await service.register(
        session, data, first_user_admin=state.settings.auth.first_user_admin
    )
    return UserRead.model_validate(user)


@router.post("/login", response_model=TokenPair, responses=error_responses(401, 429))
async def login(
    data: LoginRequest,
    request: Request,
    response: Response,
    state: State,
    session: DbSession,
) -> TokenPair:
    auth = state.settings.auth
    address = _client_ip(request)
    email = data.email.lower()
    # Per (account, address): wrong guesses from elsewhere never lock the real
    # user out. Per address: spraying many accounts. Global: the backstop.
    await state.rate_limiter.hit(auth.login_rate_limit, f"login:pair:{email}:{address}")
    await state.rate_limiter.hit(auth.login_address_rate_limit, f"login:ip:{address}")
    await state.rate_limiter.hit(auth.login_global_rate_limit, "login:all")
    pair = await service.login(session, state.settings, data.email, data.password)
    if data.refresh_in == "cookie" and pair.refresh_token is not None:
        _set_refresh_cookie(response, state.settings, pair.refresh_token)
        pair.refresh_token = None
    return pair


@router.post(
    "/refresh",
    response_model=TokenPair,
    responses=error_responses(401, 403),
    description=(
        "With a body: rotates that refresh token and returns the new one. Without: "
        "rotates the refresh cookie (needs the X-Requested-With header)."
    ),
)
async def refresh(
    state: State,
    session: DbSession,
    response: Response,
    data: RefreshRequest | None = None,
    cookie: Annotated[str | None, Cookie(alias=REFRESH_COOKIE)] = None,
    requested_with: Annotated[str | None, Header(alias="X-Requested-With")] = None,
) -> TokenPair:
    if data is not None:
        return await service.refresh(session, state.settings, data.refresh_token)
    if cookie is None:
        raise Unauthorized("no refresh token; log in again")
    if not requested_with:
        raise Forbidden("a refresh by cookie needs the X-Requested-With header")
    pair = await service.refresh(session, state.settings, cookie)
    if pair.refresh_token is not None:
        _set_refresh_cookie(response, state.settings, pair.refresh_token)
        pair.refresh_token = None
    return pair


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    description=(
        "Ends the login named by the refresh token in the body, or the one the "
        "bearer access token belongs to, and clears the refresh cookie."
    ),
)
async def logout(
    state: State,
    session: DbSession,
    credentials: Bearer,
    data: RefreshRequest | None = None,
) -> Response:
    family = (
        access_token_family(
            credentials.credentials, state.settings.secret_key.get_secret_value()
        )
        if credentials is not None
        else None
    )
    await service.logout(session, data.refresh_token if data else None, family)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    _clear_refresh_cookie(response, state.settings)
    return response


@router.get("/me", response_model=UserRead)
async def me(user: CurrentUser) -> UserRead:
    return UserRead.model_validate(user)


@router.patch("/me", response_model=UserRead)
async def update_me(
    data: ProfileUpdate, user: CurrentUser, session: DbSession
) -> UserRead:
    """The caller's name and web app language (any role may edit its profile)."""
    return UserRead.model_validate(await service.update_profile(session, user, data))


@router.put(
    "/users/{user_id}/role",
    response_model=UserRead,
    responses=error_responses(403, 409),
    description="Admins only. The last admin cannot be demoted (409).",
)
async def set_user_role(
    user_id: uuid.UUID, data: RoleUpdate, user: CurrentUser, session: DbSession
) -> UserRead:
    if user.role != SystemRole.admin:
        raise Forbidden("only admins can change an account's role")
    target = await session.get(User, user_id)
    if target is None:
        raise NotFound("user", user_id)
    return UserRead.model_validate(await service.set_role(session, target, data.role))


@router.post(
    "/tokens",
    response_model=ApiTokenCreated,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(403),
    description="Only after a login: an API token cannot create API tokens (403).",
)
async def create_token(
    data: ApiTokenCreate, user: CurrentUser, session: DbSession, credentials: Bearer
) -> ApiTokenCreated:
    api_token, secret = await service.create_api_token(
        session,
        user,
        data.name,
        data.expires_in_days,
        caller_bearer=credentials.credentials if credentials else "",
    )
    return ApiTokenCreated.model_validate(
        {**ApiTokenRead.model_validate(api_token).model_dump(), "token": secret}
    )


@router.get("/tokens", response_model=list[ApiTokenRead])
async def list_tokens(user: CurrentUser, session: DbSession) -> list[ApiTokenRead]:
    return [
        ApiTokenRead.model_validate(t)
        for t in await service.list_api_tokens(session, user)
    ]


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_token(
    token_id: uuid.UUID, user: CurrentUser, session: DbSession
) -> Response:
    await service.revoke_api_token(session, user, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
