"""Running focus groups end to end over HTTP, the stream read by a client
(offline engine in the live server)."""

from __future__ import annotations

from collections import Counter

import httpx

from tests.focus_groups.conftest import (
    make_group,
    project_with_personas,
    read_group_stream,
)


async def test_normal_group_streams_and_stores_every_answer(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    project, personas = await project_with_personas(client, auth, n=4)
    ids = [p["id"] for p in personas]
    group = await make_group(client, auth, project["id"], ids)
    assert group["status"] == "pending"
    assert group["mode"] == "normal"
    assert group["language"] == "pl"
    assert group["questions"][0] == {
        "text": "Co sądzicie o subskrypcji kawy dostarczanej do domu?",
        "follow_up": "auto",
    }

    started = await client.post(f"/api/v1/focus-groups/{group['id']}/run", headers=auth)
    assert started.status_code == 202, started.text
    accepted = started.json()
    assert accepted["events_url"] == f"/api/v1/focus-groups/{group['id']}/events"
    assert accepted["estimate"]["usd"] == 0.0

    events = await read_group_stream(client, group["id"], auth)
    kinds = [e["event"] for e in events]
    assert kinds[-1] == "completed", kinds
    assert kinds.count("answer_done") >= 8  # 4 personas x 2 questions (+ probe)
    # Words arrive before the answer they belong to is done.
    for done in (e for e in events if e["event"] == "answer_done"):
        speaker = (
            done["data"]["question_index"],
            done["data"]["round"],
            done["data"]["persona_id"],
        )
        position = events.index(done)
        deltas = [
            e
            for e in events[:position]
            if e["event"] == "text_delta"
            and (
                e["data"]["question_index"],
                e["data"]["round"],
                e["data"]["persona_id"],
            )
            == speaker
        ]
        assert deltas, f"no words before answer_done of {speaker}"
        assert (
            "".join(d["data"]["text"] for d in deltas).split()
            == done["data"]["text"].split()
        )

    detail = (
        await client.get(f"/api/v1/focus-groups/{group['id']}", headers=auth)
    ).json()
    assert detail["status"] == "completed"
    assert detail["timings"]["answers_done"] == 8
    assert detail["timings"]["answers_failed"] == 0
    assert all(a["latency_ms"] is not None for a in detail["timings"]["per_answer"])

    transcript = (
        await client.get(f"/api/v1/focus-groups/{group['id']}/responses", headers=auth)
    ).json()
    assert [q["question_index"] for q in transcript["questions"]] == [0, 1]
    first = transcript["questions"][0]["responses"]
    assert Counter(r["persona_id"] for r in first) == Counter(ids)
    assert all(r["generated_by"] == "offline-engine" for r in first)
    texts = [r["response"] for r in first]
    assert len(set(texts)) == 4  # four people, four different answers
    # The "always" policy probes question 2 even in normal mode.
    second = transcript["questions"][1]["responses"]
    probes = [r for r in second if r["role"] == "moderator"]
    assert len(probes) == 1
    probe_answers = [r for r in second if r["round"] == 1 and r["role"] == "persona"]
    assert probe_answers
    assert all(r["reply_to_id"] == probes[0]["id"] for r in probe_answers)
