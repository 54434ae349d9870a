"""A discussion: waves hear each other, the moderator probes, the stream can be
replayed after a reconnect, and a cancelled group keeps what was said."""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.focus_groups.conftest import (
    make_group,
    project_with_personas,
    read_group_stream,
)
from tests.personas.test_generation import wait_job


async def test_discussion_in_waves_with_replies_probe_and_replay(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    project, personas = await project_with_personas(client, auth, n=6)
    group = await make_group(
        client,
        auth,
        project["id"],
        [p["id"] for p in personas],
        mode="discussion",
        questions=[
            "Co sądzicie o subskrypcji kawy dostarczanej do domu?",
            {"text": "Czy zapłacilibyście 49 zł miesięcznie?", "follow_up": "always"},
        ],
    )
    assert group["wave_size"] == 2  # six people: three waves of two
    run = await client.post(f"/api/v1/focus-groups/{group['id']}/run", headers=auth)
    assert run.status_code == 202, run.text

    # Read part of the stream, disconnect, then resume from the last id seen.
    first = await read_group_stream(client, group["id"], auth, stop_after=12)
    last_id = [e for e in first if "id" in e][-1]["id"]
    rest = await read_group_stream(client, group["id"], auth, last_event_id=last_id)
    events = [e for e in first + rest if "id" in e]
    ids = [int(e["id"]) for e in events]
    assert ids == sorted(set(ids)), "an event was repeated or reordered on resume"
    full = [e for e in await read_group_stream(client, group["id"], auth) if "id" in e]
    assert [e["id"] for e in full] == [e["id"] for e in events], "an event was missed"
    assert events[-1]["event"] == "completed"

    transcript = (
        await client.get(f"/api/v1/focus-groups/{group['id']}/responses", headers=auth)
    ).json()
    for question in transcript["questions"]:
        main = [r for r in question["responses"] if r["round"] == 0]
        assert sorted(r["position"] for r in main) == list(range(6))
        assert {r["wave"] for r in main} == {0, 1, 2}
        by_id = {r["id"]: r for r in main}
        for answer in main:
            if answer["wave"] == 0:
                assert answer["reply_to_id"] is None
            else:
                # Later waves react to someone who spoke in an earlier wave.
                replied = by_id[answer["reply_to_id"]]
                assert replied["wave"] < answer["wave"]
                assert len(answer["details"]["heard"]) == 2 * answer["wave"]
    probe_round = [
        r for r in transcript["questions"][1]["responses"] if r["round"] == 1
    ]
    moderator = [r for r in probe_round if r["role"] == "moderator"]
    assert len(moderator) == 1
    addressed = moderator[0]["details"]["addressed"]
    assert 1 <= len(addressed) <= 2
    answers = [r for r in probe_round if r["role"] == "persona"]
    assert sorted(r["persona_id"] for r in answers) == sorted(addressed)
    probes = [e for e in events if e["event"] == "probe"]
    assert probes[-1]["data"]["addressed_to"] == addressed
    # The probe's first names appear in its text (offline moderator).
    names = {r["persona_name"].split()[0] for r in answers}
    assert any(name in moderator[0]["response"] for name in names)


async def test_cancel_keeps_what_was_said(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    project, personas = await project_with_personas(client, auth, n=4)
    group = await make_group(
        client,
        auth,
        project["id"],
        [p["id"] for p in personas],
        mode="discussion",
        wave_size=1,
        questions=[f"Pytanie numer {i}: co o tym sądzicie?" for i in range(1, 11)],
    )
    run = (
        await client.post(f"/api/v1/focus-groups/{group['id']}/run", headers=auth)
    ).json()
    group_url = f"/api/v1/focus-groups/{group['id']}"
    deadline = time.monotonic() + 60
    while (await client.get(group_url, headers=auth)).json()["timings"][
        "answers_done"
    ] < 1:
        assert time.monotonic() < deadline, "nobody spoke"
        await asyncio.sleep(0.05)
    cancelled = await client.post(
        f"/api/v1/focus-groups/{group['id']}/cancel", headers=auth
    )
    assert cancelled.status_code == 200, cancelled.text
    job = await wait_job(client, run["job_id"], auth)
    assert job["status"] == "cancelled"
    await asyncio.sleep(0.2)
    detail = (
        await client.get(f"/api/v1/focus-groups/{group['id']}", headers=auth)
    ).json()
    assert detail["status"] == "cancelled"
    kept = detail["timings"]["answers_done"]
    assert 1 <= kept < 40
    events = await read_group_stream(client, group["id"], auth)
    assert events[-1]["event"] == "cancelled"
    transcript = (
        await client.get(f"/api/v1/focus-groups/{group['id']}/responses", headers=auth)
    ).json()
    stored = [
        r for q in transcript["questions"] for r in q["responses"] if r["round"] == 0
    ]
    assert len(stored) == kept
    assert all(r["response"] for r in stored)
