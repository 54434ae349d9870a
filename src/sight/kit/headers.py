"""Security headers on every response (pure ASGI, so streams are untouched).

The web app is served from the API's origin and loads nothing from elsewhere,
so its policy allows only 'self'. The interactive API docs (/docs) load Swagger
UI from its CDN with an inline bootstrap script; they get a looser policy of
their own. HSTS is sent in production only: a developer on http://localhost
must not pin their browser to https.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

APP_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    # blob: for pictures the app fetched with the user's session (an image
    # stimulus): an <img> cannot send the bearer token itself.
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' https://cdn.jsdelivr.net; "
    "img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=63072000; includeSubDomains"

_COMMON: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        # The three header sets a response can get, built once.
        tail = ((b"strict-transport-security", HSTS.encode()),) if hsts else ()
        self._app = (*_COMMON, (b"content-security-policy", APP_CSP.encode()), *tail)
        self._docs = (*_COMMON, (b"content-security-policy", DOCS_CSP.encode()), *tail)
        # Tokens are in these bodies: never kept by a browser or proxy cache.
        self._auth = (*self._app, (b"cache-control", b"no-store"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if path.startswith("/docs"):
            extra = self._docs
        elif path.startswith("/api/v1/auth/"):
            extra = self._auth
        else:
            extra = self._app

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(item for item in extra if item[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
