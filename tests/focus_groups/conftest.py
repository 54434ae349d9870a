"""Helpers of the focus-group tests: a project with offline-generated personas,
a group, and an SSE reader for the group's stream."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from tests.personas.test_generation import make_project, wait_job


async def project_with_personas(
    client: httpx.AsyncClient, auth: dict[str, str], n: int = 6, **project: Any
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    created = await make_project(client, auth, target_sample_size=n, **project)
    started = await client.post(
        f"/api/v1/projects/{created['id']}/personas/generate",
        json={"seed": 11},
        headers=auth,
    )
    assert started.status_code == 202, started.text
    job = await wait_job(client, started.json()["job_id"], auth)
    assert job["status"] == "succeeded", job
    listed = await client.get(
        f"/api/v1/projects/{created['id']}/personas?limit=200", headers=auth
    )
    personas: list[dict[str, Any]] = listed.json()["items"]
    assert len(personas) == n
    return created, personas


QUESTIONS_PL = [
    "Co sądzicie o subskrypcji kawy dostarczanej do domu?",
    {"text": "Ile bylibyście gotowi zapłacić miesięcznie?", "follow_up": "always"},
]


async def make_group(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    project_id: str,
    persona_ids: list[str],
    **extra: Any,
) -> dict[str, Any]:
    body = {
        "name": "Kawa w subskrypcji",
        "project_context": "Nowa usługa subskrypcji kawy ziarnistej",
        "persona_ids": persona_ids,
        "questions": QUESTIONS_PL,
        "stimulus": {
            "kind": "price_point",
            "title": "Kawa co miesiąc",
            "content": "Dwie paczki kawy co miesiąc za 49 zł, rezygnacja w każdej chwili.",
        },
        **extra,
    }
    response = await client.post(
        f"/api/v1/projects/{project_id}/focus-groups", json=body, headers=auth
    )
    assert response.status_code == 201, response.text
    group: dict[str, Any] = response.json()
    return group


async def read_group_stream(
    client: httpx.AsyncClient,
    group_id: str,
    auth: dict[str, str],
    *,
    last_event_id: str | None = None,
    stop_after: int | None = None,
    timings: list[tuple[float, str]] | None = None,
) -> list[dict[str, Any]]:
    """Read the group's SSE until it ends (or `stop_after` stored events);
    `timings` receives (arrival time, event type) for each event."""
    headers = dict(auth)
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    received: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    async with client.stream(
        "GET", f"/api/v1/focus-groups/{group_id}/events", headers=headers, timeout=120
    ) as response:
        assert response.status_code == 200, await response.aread()
        async for line in response.aiter_lines():
            if line.startswith(":"):
                continue
            if not line:
                if current:
                    received.append(current)
                    if timings is not None:
                        timings.append((time.monotonic(), str(current.get("event"))))
                    current = {}
                    stored = [e for e in received if "id" in e]
                    if stop_after is not None and len(stored) >= stop_after:
                        break
                continue
            field, _, value = line.partition(": ")
            current[field] = json.loads(value) if field == "data" else value
    return received
