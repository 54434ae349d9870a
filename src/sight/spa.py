"""Serving the built React app: hashed `/assets/*` with long-cache headers,
`index.html` for every other non-API path (client-side routes)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

STATIC_DIR = Path(__file__).parent / "static"
# Paths the SPA must never shadow: an unknown API route is a JSON 404.
RESERVED_PREFIXES = (
    "api/",
    "docs",
    "redoc",
    "openapi.json",
    "metrics",
    "health",
    "startup",
)

_FALLBACK_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sight</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><div id="root"><h1>Sight</h1>
<p>The API is running. The web app has not been built in this installation:
run <code>npm ci &amp;&amp; npm run build</code> in <code>frontend/</code>.</p>
<p><a href="/docs">API documentation</a></p></div></body></html>"""


def mount_spa(app: FastAPI, static_dir: Path = STATIC_DIR) -> None:
    static_root = static_dir.resolve()

    @app.api_route("/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    async def spa(path: str, request: Request) -> Response:
        if path.startswith(RESERVED_PREFIXES) or path == "api":
            raise HTTPException(status_code=404, detail=f"no route {request.url.path}")
        if path:
            candidate = (static_root / path).resolve()
            if candidate.is_file() and candidate.is_relative_to(static_root):
                headers = (
                    {"Cache-Control": "public, max-age=31536000, immutable"}
                    if path.startswith("assets/")
                    else {"Cache-Control": "no-cache"}
                )
                return FileResponse(candidate, headers=headers)
            if path.startswith("assets/"):
                raise HTTPException(status_code=404, detail=f"no asset {path}")
        index = static_root / "index.html"
        if index.is_file():
            return FileResponse(index, headers={"Cache-Control": "no-cache"})
        return HTMLResponse(_FALLBACK_PAGE, headers={"Cache-Control": "no-cache"})
