"""The domain's exception classes, apart from `errors.py` (which maps them to
HTTP answers): this module imports nothing beyond the standard library, so a
process that only raises them, such as the parsing process of documents
(`knowledge/sandbox.py`), does not load the web framework and the database
drivers at start-up (about 2 s of CPU)."""

from __future__ import annotations

from typing import Any


class SightError(Exception):
    status_code = 400
    headers: dict[str, str] | None = None
    # When True the request's database changes are committed although the
    # request fails (e.g. revoking a session on detected token theft).
    keeps_changes = False

    def __init__(self, detail: Any, status_code: int | None = None) -> None:
        # A list of field problems becomes `errors`; `detail` stays a sentence.
        self.errors: list[dict[str, Any]] | None = None
        if isinstance(detail, list):
            self.errors = detail
            detail = summarise(detail)
        detail = str(detail)
        super().__init__(detail)
        self.detail: str = detail
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


def summarise(problems: list[dict[str, Any]]) -> str:
    parts = [
        f"{p.get('field') or 'request'}: {p.get('msg', 'invalid')}" for p in problems
    ]
    shown = "; ".join(parts[:5])
    more = f" (and {len(parts) - 5} more)" if len(parts) > 5 else ""
    return f"invalid input: {shown}{more}"
