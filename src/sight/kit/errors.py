"""Domain errors and the one JSON error shape, for every error the API returns:

    {"error": "<Kind>", "detail": "<one sentence for a person>",
     "errors": [{"loc": [...], "field": "...", "msg": "...", "type": "..."}],  # 422
     "request_id": "..."}

`detail` is always a string; field problems are listed in `errors`. Services raise
`SightError` subclasses; endpoints never build error bodies by hand. Internal
errors are caught by `RequestContextMiddleware`, logged with their traceback and
request id, and answered with a generic message, never the text.

The OpenAPI document describes this shape for every error status an operation can
return (`document_errors`): 422 wherever there is input, 401 where a login is
needed, 404 where the path names a resource, and what a route declares with
`responses=error_responses(...)`.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match, Route

# The exception classes live in a module without web or database imports, so
# a process that only raises them (the parsing process) starts quickly.
from sight.kit.error_types import Conflict as Conflict
from sight.kit.error_types import Forbidden as Forbidden
from sight.kit.error_types import NotFound as NotFound
from sight.kit.error_types import RateLimited as RateLimited
from sight.kit.error_types import ServiceUnavailable as ServiceUnavailable
from sight.kit.error_types import SightError as SightError
from sight.kit.error_types import Unauthorized as Unauthorized
from sight.kit.error_types import summarise as summarise

_log = logging.getLogger("sight.errors")


_HTTP_KINDS = {
    400: "BadRequest",
    401: "Unauthorized",
    402: "PaymentRequired",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    422: "ValidationError",
    429: "RateLimited",
    502: "BadGateway",
    503: "ServiceUnavailable",
}


class FieldError(BaseModel):
    loc: list[str | int] = Field(description='Where: ["body", "name"], ["query", …]')
    field: str = Field(description="The field's dotted name without the location")
    msg: str = Field(description="What is wrong and what is allowed")
    type: str = Field(description="A stable machine-readable code")
    allowed: list[str] | None = Field(
        default=None, description="The accepted values, when they are a short list"
    )


class ErrorBody(BaseModel):
    """Every error the API returns has this shape."""

    error: str = Field(description="The kind of error, e.g. NotFound, RateLimited")
    detail: str = Field(description="One sentence for a person")
    errors: list[FieldError] | None = Field(
        default=None, description="422 only: one item per invalid field"
    )
    request_id: str | None = Field(
        default=None, description="Quote it when reporting a problem"
    )


def error_body(
    kind: str,
    detail: str,
    request: Request,
    errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"error": kind, "detail": detail}
    if errors is not None:
        body["errors"] = jsonable_encoder(errors)
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    return body


async def _sight_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, SightError):
        raise exc
    return JSONResponse(
        error_body(exc.kind, exc.detail, request, exc.errors),
        status_code=exc.status_code,
        headers=exc.headers,
    )


def _leaf_routes(routes: Iterable[BaseRoute]) -> Iterator[BaseRoute]:
    for route in routes:
        # FastAPI keeps an included router whole; its routes carry full paths
        # (every router here is built with its prefix, none added on include).
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _leaf_routes(included.routes)
        else:
            yield route


def _allowed_methods(request: Request) -> list[str]:
    """Methods of the routes whose path matches this request (for 405)."""
    methods: set[str] = set()
    for route in _leaf_routes(request.app.router.routes):
        # Catch-alls (the web app, unknown API paths) match everything.
        if isinstance(route, Route) and route.methods and ":path}" not in route.path:
            match, _ = route.matches(request.scope)
            if match is Match.PARTIAL:
                methods |= route.methods
    return sorted(methods)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, StarletteHTTPException):
        raise exc
    if exc.status_code == 404:
        # A catch-all route answered, but the path exists for other methods.
        allowed = _allowed_methods(request)
        if allowed:
            exc = StarletteHTTPException(
                405,
                f"{request.method} is not allowed on {request.url.path}; "
                f"use {', '.join(allowed)}",
                headers={"Allow": ", ".join(allowed)},
            )
    if exc.status_code == 400:
        # The framework's own 400s: a body that cannot be decoded at all (not
        # JSON text, broken multipart). Bad input like any other: a 422.
        problem = {
            "loc": ["body"],
            "field": "",
            "msg": "the body cannot be read: "
            + (exc.detail if isinstance(exc.detail, str) else "malformed"),
            "type": "body_unreadable",
        }
        return JSONResponse(
            error_body("ValidationError", summarise([problem]), request, [problem]),
            status_code=422,
        )
    kind = _HTTP_KINDS.get(exc.status_code, "HTTPError")
    detail = exc.detail if isinstance(exc.detail, str) else kind
    return JSONResponse(
        error_body(kind, detail, request),
        status_code=exc.status_code,
        headers=exc.headers,
    )


def _length_in_characters(err: Any, msg: str) -> str:
    """A text's length bound checked after one of our validators is reported by
    pydantic as a generic "Value should have at most N items": say characters."""
    ctx = err.get("ctx") or {}
    if err.get("type") not in ("too_long", "too_short") or not isinstance(
        err.get("input"), str
    ):
        return msg
    if err["type"] == "too_long":
        return (
            f"too long: {ctx.get('actual_length')} characters, "
            f"at most {ctx.get('max_length')} allowed"
        )
    return f"too short: at least {ctx.get('min_length')} characters needed"


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    problems = []
    for err in exc.errors():
        loc = [p if isinstance(p, int) else str(p) for p in err.get("loc", ())]
        msg = str(err.get("msg", "invalid value"))
        # "Value error, contains a control character" -> the sentence itself.
        msg = msg.removeprefix("Value error, ")
        msg = _length_in_characters(err, msg)
        problems.append(
            {
                "loc": loc,
                "field": ".".join(str(p) for p in loc[1:]),
                "msg": msg,
                "type": str(err.get("type", "value_error")),
            }
        )
    return problems


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, RequestValidationError):
        raise exc
    problems = _field_errors(exc)
    return JSONResponse(
        error_body("ValidationError", summarise(problems), request, problems),
        status_code=422,
    )


async def _data_error(request: Request, exc: Exception) -> JSONResponse:
    """The last line of defence: a value the schema let through but the database
    refused (out of range, a character it cannot store). The schemas should stop
    these first; each one logged here is a missing bound."""
    _log.warning("database refused a value: %s", type(exc).__name__, exc_info=exc)
    detail = (
        "a value in this request cannot be stored (out of range or containing "
        "characters the database refuses)"
    )
    return JSONResponse(
        error_body("ValidationError", detail, request, []), status_code=422
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SightError, _sight_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(psycopg.DataError, _data_error)
    _install_openapi(app)


# --- OpenAPI ---------------------------------------------------------------

ERROR_DESCRIPTIONS = {
    400: "Bad request (e.g. no model provider configured)",
    401: "Not logged in, or the token is invalid or expired",
    402: "The monthly LLM budget would be exceeded",
    403: "Not allowed",
    404: "Not found, or not visible to you",
    409: "Conflicts with the current state",
    413: "Too large",
    415: "Unsupported file type",
    422: "Invalid input; `errors` names each field and what is allowed",
    429: "Too many requests; retry after `Retry-After` seconds",
    502: "The model provider answered with an error",
    503: "A service this needs is unavailable; retry later",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: the error statuses it can return beyond the
    ones documented for every route (401, 404, 422)."""
    return {
        code: {"model": ErrorBody, "description": ERROR_DESCRIPTIONS[code]}
        for code in codes
    }


_REF = "#/components/schemas/ErrorBody"
_PATH_PARAM = re.compile(r"\{[^}]+\}")


def _error_response(code: int) -> dict[str, Any]:
    return {
        "description": ERROR_DESCRIPTIONS[code],
        "content": {"application/json": {"schema": {"$ref": _REF}}},
    }


def _names_a_resource(schema: dict[str, Any], operation: dict[str, Any]) -> bool:
    """Whether a query parameter or body field is an id (`project_id`): a
    resource that may not exist, or not be visible to the caller (404)."""
    if any(p.get("name", "").endswith("_id") for p in operation.get("parameters", [])):
        return True
    content = operation.get("requestBody", {}).get("content", {})
    for media in content.values():
        body = media.get("schema", {})
        ref = body.get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            body = schema["components"]["schemas"].get(ref.rsplit("/", 1)[1], {})
        if any(name.endswith("_id") for name in body.get("properties", {})):
            return True
    return False


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Describe the real error bodies in an OpenAPI document (in place)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, model in (("ErrorBody", ErrorBody), ("FieldError", FieldError)):
        model_schema = model.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        model_schema.pop("$defs", None)
        components[name] = model_schema
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses: dict[str, Any] = operation["responses"]
            if "422" in responses or operation.get("parameters"):
                responses["422"] = _error_response(422)
            if "requestBody" in operation:
                responses["422"] = _error_response(422)
            if operation.get("security"):
                responses.setdefault("401", _error_response(401))
            if _PATH_PARAM.search(path) or _names_a_resource(schema, operation):
                responses.setdefault("404", _error_response(404))
            for code, response in responses.items():
                if code.isdigit() and int(code) >= 400:
                    response["content"] = {
                        "application/json": {"schema": {"$ref": _REF}}
                    }
    for unused in ("HTTPValidationError", "ValidationError"):
        if f'"#/components/schemas/{unused}"' not in json.dumps(schema):
            components.pop(unused, None)
    return schema


def _install_openapi(app: FastAPI) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
