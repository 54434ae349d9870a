"""Is a local Ollama running? A startup probe kept apart from the OpenAI
provider so that answering it does not import the OpenAI SDK (about a second
of a cold start)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any
from urllib.parse import urlsplit


async def detect_ollama(
    base_url: str = "http://127.0.0.1:11434",
    # A probe's own budget is part of its contract (startup must not wait on
    # it), so it takes a timeout instead of leaving it to the caller.
    timeout: float = 0.5,  # noqa: ASYNC109
) -> list[str] | None:
    """Names of the models a local Ollama offers, or None if none answers.

    Used at startup to pick Ollama when no hosted provider is configured, so
    it must be quick and silent: any failure means "no Ollama here". An Ollama
    without pulled models answers ``[]``.
    """
    url = base_url.rstrip("/") + "/api/tags"
    if not await _port_open(url, timeout):
        # Nothing listens: no need for httpx and its TLS context (about 0.15 s
        # of a start without Ollama, issue 16).
        return None
    import httpx

    try:
        # trust_env=False: an HTTP(S)_PROXY meant for the internet must not
        # swallow a probe of a server on this machine.
        async with httpx.AsyncClient(timeout=timeout, trust_env=False) as client:
            response = await client.get(url)
        if response.status_code != 200:
            return None
        body: Any = response.json()
    except (httpx.HTTPError, ValueError):
        return None
    if not isinstance(body, dict) or not isinstance(body.get("models"), list):
        # Something answered on that port, but it is not Ollama.
        return None
    names: list[str] = []
    for model in body["models"]:
        if isinstance(model, dict):
            name = model.get("name") or model.get("model")
            if isinstance(name, str) and name:
                names.append(name)
    return names


async def _port_open(url: str, seconds: float) -> bool:
    parts = urlsplit(url)
    default = 443 if parts.scheme == "https" else 80
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(
                parts.hostname or "127.0.0.1", parts.port or default
            ),
            seconds,
        )
    except (OSError, TimeoutError, ValueError):
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True
