"""Reading a server-sent event stream in tests, as a browser would."""

from __future__ import annotations

import json
from typing import Any

import httpx


async def read_stream(
    client: httpx.AsyncClient,
    path: str,
    auth: str,
    *,
    last_event_id: str | None = None,
    stop_after: int | None = None,
    heartbeats: bool = False,
) -> list[dict[str, Any]]:
    """Events until the stream closes or `stop_after` stored (id-bearing) events;
    heartbeats (sent whenever the stream is idle) only when asked for."""
    headers = {"Authorization": auth}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    received: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    async with client.stream("GET", path, headers=headers) as response:
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        async for line in response.aiter_lines():
            if line.startswith(":"):
                continue
            if not line:
                if current and (heartbeats or current.get("event") != "heartbeat"):
                    received.append(current)
                current = {}
                if received:
                    stored = [e for e in received if "id" in e]
                    if stop_after is not None and len(stored) >= stop_after:
                        break
                continue
            field, _, value = line.partition(": ")
            current[field] = json.loads(value) if field == "data" else value
    return received
