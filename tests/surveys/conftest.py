"""Helpers of the survey tests: a project with personas, a survey, the stream."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.personas.test_generation import make_project, wait_job

QUESTIONS: list[dict[str, Any]] = [
    {
        "id": "buy",
        "type": "single-choice",
        "title": "Would you subscribe to a monthly coffee delivery?",
        "options": ["Yes", "No", "Not sure"],
    },
    {
        "id": "where",
        "type": "multiple_choice",  # underscore spelling accepted
        "title": "Where do you buy coffee?",
        "options": ["Supermarket", "Discount store", "Online shop", "Local cafe"],
    },
    {
        "id": "price",
        "type": "rating-scale",
        "title": "How important is the price of coffee to you?",
        "scaleMin": 1,
        "scaleMax": 5,
    },
    {
        "id": "pay",
        "type": "numeric",
        "title": "How much would you pay per month for it?",
        "min": 0,
        "max": 200,
        "unit": "PLN",
    },
    {
        "id": "rank",
        "type": "ranking",
        "title": "Rank what matters most",
        "options": ["Price", "Taste", "Eco packaging", "Delivery speed"],
    },
    {
        "id": "why",
        "type": "open-text",
        "title": "What would convince you to try it?",
        "showIf": {"questionId": "buy", "anyOf": ["Yes", "Not sure"]},
        "required": False,
    },
]


async def project_with_personas(
    client: httpx.AsyncClient, auth: dict[str, str], count: int = 24, **extra: Any
) -> dict[str, Any]:
    project = await make_project(
        client,
        auth,
        target_sample_size=count,
        target_demographics={
            "age_group": {"18-24": 0.25, "35-44": 0.25, "55-64": 0.25, "65+": 0.25},
            "gender": {"Male": 0.5, "Female": 0.5},
        },
        **extra,
    )
    started = await client.post(
        f"/api/v1/projects/{project['id']}/personas/generate",
        json={"seed": 11},
        headers=auth,
    )
    assert started.status_code == 202, started.text
    job = await wait_job(client, started.json()["job_id"], auth, within=180)
    assert job["status"] == "succeeded", job
    return project


async def read_stream(
    client: httpx.AsyncClient,
    path: str,
    auth: dict[str, str],
    last_event_id: str | None = None,
) -> list[dict[str, Any]]:
    """SSE events until the stream closes (after a terminal event)."""
    headers = dict(auth)
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    events: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    async with client.stream("GET", path, headers=headers, timeout=180) as response:
        assert response.status_code == 200, await response.aread()
        async for line in response.aiter_lines():
            if line.startswith(":"):
                continue
            if not line:
                if current:
                    events.append(current)
                    current = {}
                continue
            field, _, value = line.partition(": ")
            current[field] = json.loads(value) if field == "data" else value
    return events
