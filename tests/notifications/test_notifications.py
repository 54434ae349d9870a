"""Notifications as a user meets them: a job's end, spend thresholds, a
shared project; read and done; preferences; the live stream; privacy."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import text

from sight.notifications import service
from sight.notifications.tasks import STREAM_KEEP, prune
from sight.projects.models import Project
from tests.conftest import register_user
from tests.dashboard.data import add_spend, db_session, set_budget_via_api
from tests.fixtures.jobs import start_job
from tests.personas.test_generation import make_project, wait_job
from tests.streams.sse import read_stream

API = "/api/v1/notifications"


async def _list(
    client: httpx.AsyncClient, auth: dict[str, str], query: str = ""
) -> Any:
    response = await client.get(f"{API}{query}", headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_job_end_and_a_failure_are_notified_with_links(
    client: httpx.AsyncClient, user: dict[str, str], database_url: str
) -> None:
    auth = {"Authorization": user["authorization"]}
    project = await make_project(client, auth, name="Oat drinks")
    job_id = await start_job(
        database_url, user["id"], project_id=uuid.UUID(project["id"]), units=1, delay=0
    )
    assert (await wait_job(client, str(job_id), auth))["status"] == "succeeded"
    listed = await _list(client, auth)
    assert listed["unread"] == 1
    item = listed["items"][0]
    assert item["notification_type"] == "job_succeeded"
    assert item["title"] == "Job finished in Oat drinks"
    assert item["action_url"] == f"/projects/{project['id']}"
    assert item["data"]["job_kind"] == "test.count"
    assert item["is_read"] is False

    failing = await start_job(
        database_url,
        user["id"],
        project_id=uuid.UUID(project["id"]),
        units=2,
        delay=0,
        fail_attempts=9,
    )
    job = await wait_job(client, str(failing), auth, within=60)
    assert job["status"] == "failed"
    newest = (await _list(client, auth))["items"][0]
    assert newest["notification_type"] == "job_failed"
    assert newest["priority"] == "high"
    assert "internal error" in newest["message"]  # never the exception's text
    assert "xyz" not in newest["message"]

    # The dashboard's list is the same, in the original product's shape.
    dashboard = await client.get("/api/v1/dashboard/notifications", headers=auth)
    assert [n["id"] for n in dashboard.json()][:2] == [
        newest["id"],
        item["id"],
    ]


async def test_read_done_and_nobody_else_sees_them(
    client: httpx.AsyncClient, user: dict[str, str], database_url: str
) -> None:
    auth = {"Authorization": user["authorization"]}
    project = await make_project(client, auth, name="Shared study")
    other = await register_user(client)
    other_auth = {"Authorization": other["authorization"]}
    async with db_session(database_url) as s:
        row = await s.get(Project, uuid.UUID(project["id"]))
        assert row is not None
        created = await service.notify_project_shared(
            s, row, [uuid.UUID(other["id"]), row.owner_id], shared_by="Test User"
        )
    assert len(created) == 1  # the owner is not told about their own project
    theirs = (await _list(client, other_auth))["items"]
    assert [n["notification_type"] for n in theirs] == ["project_shared"]
    assert theirs[0]["action_url"] == f"/projects/{project['id']}"
    assert (await _list(client, auth))["total"] == 0
    notification_id = theirs[0]["id"]

    for path in ("read", "done"):
        refused = await client.post(f"{API}/{notification_id}/{path}", headers=auth)
        assert refused.status_code == 404
    unknown = await client.post(f"{API}/{uuid.uuid4()}/read", headers=other_auth)
    assert unknown.status_code == 404

    read = await client.post(f"{API}/{notification_id}/read", headers=other_auth)
    assert read.status_code == 200
    assert (read.json()["is_read"], read.json()["is_done"]) == (True, False)
    assert (await _list(client, other_auth))["unread"] == 0
    done = await client.post(f"{API}/{notification_id}/done", headers=other_auth)
    assert done.json()["is_done"] is True
    assert (await _list(client, other_auth))["total"] == 0  # done leaves the list
    assert (await _list(client, other_auth, "?include_done=true"))["total"] == 1


async def test_spend_thresholds_once_each_per_month(
    client: httpx.AsyncClient, user: dict[str, str], database_url: str
) -> None:
    auth = {"Authorization": user["authorization"]}
    project = await make_project(client, auth, name="Spendy")
    await set_budget_via_api(client, auth, 10.0)
    async with db_session(database_url) as s:
        await add_spend(s, user["id"], 8.5, project_id=project["id"])
    # The job's end checks spend: 85 % passes the 80 % warning.
    job_id = await start_job(
        database_url, user["id"], project_id=uuid.UUID(project["id"]), units=1, delay=0
    )
    await wait_job(client, str(job_id), auth)
    kinds = [n["notification_type"] for n in (await _list(client, auth))["items"]]
    assert sorted(kinds) == ["budget_warning", "job_succeeded"]
    warning = next(
        n
        for n in (await _list(client, auth))["items"]
        if n["notification_type"] == "budget_warning"
    )
    assert warning["data"]["threshold"] == 0.8
    assert warning["data"]["spent_usd"] == 8.5
    assert warning["action_url"] == "/settings"

    async with db_session(database_url) as s:
        again = await service.check_spend(s, uuid.UUID(user["id"]), 10.0)
        assert again == []  # the warning is not repeated
        await add_spend(s, user["id"], 1.0)
    async with db_session(database_url) as s:
        critical = await service.check_spend(s, uuid.UUID(user["id"]), 10.0)
        assert [n.kind for n in critical] == ["budget_critical"]
    async with db_session(database_url) as s:
        assert await service.check_spend(s, uuid.UUID(user["id"]), 10.0) == []
    assert (await _list(client, auth))["total"] == 3


async def test_preferences_switch_kinds_off_and_move_thresholds(
    client: httpx.AsyncClient, user: dict[str, str], database_url: str
) -> None:
    auth = {"Authorization": user["authorization"]}
    defaults = (await client.get(f"{API}/preferences", headers=auth)).json()
    assert defaults["job_succeeded"] is True
    assert (defaults["warning_threshold"], defaults["critical_threshold"]) == (0.8, 0.9)
    assert defaults["monthly_budget_usd"] > 0

    bad = await client.put(
        f"{API}/preferences", json={"warning_threshold": 0.95}, headers=auth
    )
    assert bad.status_code == 422
    assert "below critical_threshold" in bad.json()["detail"]
    bad = await client.put(
        f"{API}/preferences", json={"critical_threshold": 1.5}, headers=auth
    )
    assert bad.status_code == 422
    bad = await client.put(f"{API}/preferences", json={"sms": True}, headers=auth)
    assert bad.status_code == 422

    saved = await client.put(
        f"{API}/preferences",
        json={
            "job_succeeded": False,
            "warning_threshold": 0.5,
            "critical_threshold": 0.75,
        },
        headers=auth,
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["job_succeeded"] is False
    assert saved.json()["warning_threshold"] == 0.5
    project = await make_project(client, auth, name="Quiet")
    job_id = await start_job(
        database_url, user["id"], project_id=uuid.UUID(project["id"]), units=1, delay=0
    )
    await wait_job(client, str(job_id), auth)
    assert (await _list(client, auth))["total"] == 0
    again = (await client.get(f"{API}/preferences", headers=auth)).json()
    assert again["job_succeeded"] is False
    assert again["critical_threshold"] == 0.75


async def test_the_stream_delivers_a_notification_live(
    client: httpx.AsyncClient, user: dict[str, str], database_url: str
) -> None:
    auth = {"Authorization": user["authorization"]}
    other = await register_user(client)
    project = await make_project(client, auth, name="Live")
    # An older notification is not replayed to a fresh connection.
    async with db_session(database_url) as s:
        row = await s.get(Project, uuid.UUID(project["id"]))
        assert row is not None
        await service.notify_project_shared(s, row, [uuid.UUID(other["id"])])

    async def listen(who: dict[str, str], count: int) -> list[dict[str, Any]]:
        return await read_stream(
            client, f"{API}/events", who["authorization"], stop_after=count
        )

    mine = asyncio.create_task(listen(user, 1))
    theirs = asyncio.create_task(listen(other, 2))
    await asyncio.sleep(1.0)
    job_id = await start_job(
        database_url, user["id"], project_id=uuid.UUID(project["id"]), units=1, delay=0
    )
    await wait_job(client, str(job_id), auth)
    events = await asyncio.wait_for(mine, timeout=20)
    assert events[0]["event"] == "notification"
    assert events[0]["data"]["notification"]["notification_type"] == "job_succeeded"
    assert events[0]["data"]["unread"] == 1

    # The other user's stream carries only their own: a share, then its read mark.
    async with db_session(database_url) as s:
        row = await s.get(Project, uuid.UUID(project["id"]))
        assert row is not None
        shared = await service.notify_project_shared(s, row, [uuid.UUID(other["id"])])
    marked = await client.post(
        f"{API}/{shared[0].id}/read", headers={"Authorization": other["authorization"]}
    )
    assert marked.status_code == 200
    received = await asyncio.wait_for(theirs, timeout=20)
    assert [e["event"] for e in received] == ["notification", "notification_state"]
    assert received[0]["data"]["notification"]["notification_type"] == "project_shared"
    assert received[1]["data"]["is_read"] is True
    assert received[1]["data"]["unread"] == 1  # the older share is still unread


async def test_old_stream_events_are_pruned_and_the_list_stays(
    client: httpx.AsyncClient, user: dict[str, str], database_url: str
) -> None:
    auth = {"Authorization": user["authorization"]}
    project = await make_project(client, auth, name="Old news")
    other = await register_user(client)
    async with db_session(database_url) as s:
        row = await s.get(Project, uuid.UUID(project["id"]))
        assert row is not None
        await service.notify_project_shared(s, row, [uuid.UUID(other["id"])])
        await s.execute(
            text(
                "UPDATE stream_events SET created_at = now() - interval '8 days'"
                " WHERE stream_kind = 'notifications' AND stream_id = :id"
            ),
            {"id": other["id"]},
        )
    async with db_session(database_url) as s:
        pruned = await prune(s, datetime.now(UTC) - STREAM_KEEP)
        assert pruned >= 1
        left = await s.scalar(
            text(
                "SELECT count(*) FROM stream_events"
                " WHERE stream_kind = 'notifications' AND stream_id = :id"
            ),
            {"id": other["id"]},
        )
        assert left == 0
    listed = await _list(client, {"Authorization": other["authorization"]})
    assert listed["total"] == 1
