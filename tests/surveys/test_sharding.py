"""A run with more respondents than one shard is shared out as shard jobs
(sharding.py): every respondent answers exactly once, the stream and the
results are those of one run, and the shards stay out of notifications."""

from __future__ import annotations

from collections import Counter

import httpx

from sight.surveys.sharding import SHARD_ABOVE, SHARD_SIZE
from tests.personas.test_generation import wait_job
from tests.surveys.conftest import QUESTIONS, project_with_personas, read_stream


async def test_a_large_run_is_answered_in_shards_once_each(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    count = SHARD_ABOVE + 10
    project = await project_with_personas(client, auth, count=count)
    created = await client.post(
        f"/api/v1/projects/{project['id']}/surveys",
        json={"title": "Many", "questions": QUESTIONS},
        headers=auth,
    )
    assert created.status_code == 201, created.text
    survey = created.json()
    run = await client.post(f"/api/v1/surveys/{survey['id']}/run", headers=auth)
    assert run.status_code == 202, run.text
    events = await read_stream(client, run.json()["events_url"], auth)
    assert events[-1]["event"] == "completed", events[-1]
    job = await wait_job(client, run.json()["job_id"], auth)
    assert job["status"] == "succeeded", job
    assert job["result"]["answered"] == count

    responses = (
        await client.get(
            f"/api/v1/surveys/{survey['id']}/responses?limit=200", headers=auth
        )
    ).json()["items"]
    assert len(responses) == count
    assert len({r["persona_id"] for r in responses}) == count
    # The stream counts answers over every shard, up to the whole sample.
    done = [
        e["data"]["done"]
        for e in events
        if e["event"] == "progress" and e["data"]["stage"] == "respondents"
    ]
    assert max(done) == count
    assert (
        Counter(
            e["data"]["persona_id"] for e in events if e["event"] == "respondent"
        ).most_common(1)[0][1]
        == 1
    )

    jobs = (
        await client.get(
            f"/api/v1/jobs?project_id={project['id']}&limit=100", headers=auth
        )
    ).json()["items"]
    shards = [j for j in jobs if j["kind"] == "surveys.shard"]
    assert len(shards) == -(-count // SHARD_SIZE)
    assert all(j["status"] == "succeeded" for j in shards)
    notices = (await client.get("/api/v1/notifications", headers=auth)).json()
    items = notices["items"] if isinstance(notices, dict) else notices
    # Only the run itself is announced (a shard would be a generic "Job").
    assert not [n for n in items if str(n.get("title", "")).startswith("Job")]
