"""Domain errors and the one JSON error shape: `{"error": "<Kind>", "detail": ...}`.

Services raise `SightError` subclasses; endpoints never build error bodies by hand.
Internal errors are caught by `RequestContextMiddleware`, logged with their
traceback and request id, and answered with a generic message, never the text.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


class SightError(Exception):
    status_code = 400
    headers: dict[str, str] | None = None
    # When True the request's database changes are committed although the
    # request fails (e.g. revoking a session on detected token theft).
    keeps_changes = False

    def __init__(self, detail: Any, status_code: int | None = None) -> None:
        super().__init__(detail if isinstance(detail, str) else repr(detail))
        self.detail = detail
        if status_code is not None:
            self.status_code = status_code

    @property
    def kind(self) -> str:
        return type(self).__name__


class NotFound(SightError):
    status_code = 404

    def __init__(self, resource: str, resource_id: object | None = None) -> None:
        where = f" {resource_id}" if resource_id is not None else ""
        super().__init__(f"{resource}{where} not found")


class Conflict(SightError):
    status_code = 409


class Unauthorized(SightError):
    status_code = 401

    def __init__(self, detail: Any) -> None:
        super().__init__(detail)
        self.headers = {"WWW-Authenticate": "Bearer"}


class Forbidden(SightError):
    status_code = 403


class RateLimited(SightError):
    status_code = 429

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": str(retry_after)}


class ServiceUnavailable(SightError):
    status_code = 503


_HTTP_KINDS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    422: "ValidationError",
    429: "RateLimited",
}


def error_body(kind: str, detail: Any, request: Request) -> dict[str, Any]:
    body: dict[str, Any] = {"error": kind, "detail": detail}
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    return body


async def _sight_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, SightError):
        raise exc
    return JSONResponse(
        error_body(exc.kind, exc.detail, request),
        status_code=exc.status_code,
        headers=exc.headers,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, StarletteHTTPException):
        raise exc
    kind = _HTTP_KINDS.get(exc.status_code, "HTTPError")
    return JSONResponse(
        error_body(kind, exc.detail, request),
        status_code=exc.status_code,
        headers=exc.headers,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, RequestValidationError):
        raise exc
    detail = [
        {
            "loc": list(err.get("loc", ())),
            "field": ".".join(str(p) for p in err.get("loc", ())[1:]),
            "msg": err.get("msg"),
            "type": err.get("type"),
        }
        for err in exc.errors()
    ]
    return JSONResponse(
        error_body("ValidationError", jsonable_encoder(detail), request),
        status_code=422,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SightError, _sight_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
