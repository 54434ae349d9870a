from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response, status

from sight.auth import service
from sight.auth.schemas import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenRead,
    LoginRequest,
    RefreshRequest,
    TokenPair,
    UserCreate,
    UserRead,
)
from sight.deps import CurrentUser, DbSession, State
from sight.kit.routing import API_PREFIX

router = APIRouter(prefix=f"{API_PREFIX}/auth", tags=["auth"])


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/register", response_model=UserRead, status_code=status.HTTP_201_CREATED)
async def register(
    data: UserCreate, request: Request, state: State, session: DbSession
) -> UserRead:
    await state.rate_limiter.hit(
        state.settings.auth.register_rate_limit, f"register:ip:{_client_ip(request)}"
    )
    user = await service.register(session, data)
    return UserRead.model_validate(user)


@router.post("/login", response_model=TokenPair)
async def login(
    data: LoginRequest, request: Request, state: State, session: DbSession
) -> TokenPair:
    await state.rate_limiter.hit(
        state.settings.auth.login_rate_limit,
        f"login:ip:{_client_ip(request)}",
        f"login:email:{data.email.lower()}",
    )
    return await service.login(session, state.settings, data.email, data.password)


@router.post("/refresh", response_model=TokenPair)
async def refresh(data: RefreshRequest, state: State, session: DbSession) -> TokenPair:
    return await service.refresh(session, state.settings, data.refresh_token)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(data: RefreshRequest, session: DbSession) -> Response:
    await service.logout(session, data.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=UserRead)
async def me(user: CurrentUser) -> UserRead:
    return UserRead.model_validate(user)


@router.post(
    "/tokens", response_model=ApiTokenCreated, status_code=status.HTTP_201_CREATED
)
async def create_token(
    data: ApiTokenCreate, user: CurrentUser, session: DbSession
) -> ApiTokenCreated:
    api_token, secret = await service.create_api_token(
        session, user, data.name, data.expires_in_days
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
