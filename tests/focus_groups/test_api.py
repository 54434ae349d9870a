"""Setting up focus groups over HTTP: validation, access, editing, deleting."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import register_user
from tests.focus_groups.conftest import make_group, project_with_personas
from tests.personas.test_generation import wait_job


async def test_setup_validation_access_edit_and_delete(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    project, personas = await project_with_personas(client, auth, n=3)
    ids = [p["id"] for p in personas]
    url = f"/api/v1/projects/{project['id']}/focus-groups"

    async def rejected(body: dict[str, object], field: str) -> str:
        response = await client.post(url, json=body, headers=auth)
        assert response.status_code == 422, response.text
        body = response.json()
        assert body["error"] == "ValidationError" or body["error"].startswith("Invalid")
        assert any(e["field"].startswith(field) for e in body["errors"]), body
        return str(body)

    base = {"name": "G", "persona_ids": ids, "questions": ["Jak wam się podoba?"]}
    message = await rejected({**base, "mode": "debate"}, "mode")
    for allowed in ("normal", "discussion", "adversarial"):
        assert allowed in message
    await rejected({**base, "persona_ids": ids[:1]}, "persona_ids")
    await rejected({**base, "persona_ids": [ids[0], ids[0]]}, "persona_ids")
    await rejected({**base, "questions": []}, "questions")
    await rejected({**base, "questions": ["Pytanie?"] * 21}, "questions")
    message = await rejected(
        {**base, "questions": [{"text": "Pytanie?", "follow_up": "sometimes"}]},
        "questions.0.follow_up",
    )
    assert "always" in message
    await rejected({**base, "language": "de"}, "language")
    # Image stimuli: the picture itself is needed, never a URL to fetch
    # (tests/focus_groups/test_image_stimulus.py covers the rest).
    message = await rejected(
        {**base, "stimulus": {"kind": "image", "content": "x.png"}}, "stimulus"
    )
    assert "needs image_base64" in message
    message = await rejected(
        {
            **base,
            "stimulus": {"kind": "image", "content": "x", "image_url": "https://x/y"},
        },
        "stimulus",
    )
    assert "not fetched from URLs" in message
    # Personas of another project (or made-up ids) are named, by position.
    other_project, other_personas = await project_with_personas(client, auth, n=2)
    message = await rejected(
        {**base, "persona_ids": [ids[0], other_personas[0]["id"]]}, "persona_ids.1"
    )
    assert "not a persona of this project" in message
    listed = (await client.get(url, headers=auth)).json()
    assert listed["total"] == 0  # nothing stored by the rejected requests

    # The original's shapes: questions and the stimulus as plain strings.
    plain = await client.post(
        url,
        json={
            **base,
            "stimulus": "Kawa co miesiąc za 49 zł",
            "questions": ["Co dalej?"],
        },
        headers=auth,
    )
    assert plain.status_code == 201, plain.text
    created = plain.json()
    assert created["questions"] == [{"text": "Co dalej?", "follow_up": "auto"}]
    assert created["stimulus"] == {
        "kind": "concept",
        "title": "",
        "content": "Kawa co miesiąc za 49 zł",
        "image": None,  # set for an image stimulus (test_image_stimulus.py)
    }
    deleted = await client.delete(f"/api/v1/focus-groups/{created['id']}", headers=auth)
    assert deleted.status_code == 204, deleted.text

    group = await make_group(
        client, auth, project["id"], ids, mode="discussion", language="en"
    )
    assert group["wave_size"] == 1  # 3 people: three waves of one
    assert group["language"] == "en"
    assert group["questions"][1]["follow_up"] == "always"
    listed = (await client.get(url, headers=auth)).json()
    assert [g["id"] for g in listed["items"]] == [group["id"]]

    # Another user sees nothing of it, exactly like a missing group.
    stranger = await register_user(client)
    theirs = {"Authorization": stranger["authorization"]}
    group_url = f"/api/v1/focus-groups/{group['id']}"
    for method, path in [
        ("GET", group_url),
        ("GET", f"{group_url}/responses"),
        ("GET", f"{group_url}/events"),
        ("GET", f"{group_url}/estimate"),
        ("POST", f"{group_url}/run"),
        ("POST", f"{group_url}/cancel"),
        ("DELETE", group_url),
        ("GET", f"/api/v1/personas/{ids[0]}/chat"),
    ]:
        response = await client.request(method, path, headers=theirs)
        assert response.status_code == 404, (method, path, response.text)
    assert (await client.get(url, headers=theirs)).status_code == 404
    missing = await client.get(f"/api/v1/focus-groups/{uuid.uuid4()}", headers=auth)
    assert missing.status_code == 404

    # Editing before the run; the estimate counts answers and possible probes.
    edited = await client.put(
        group_url,
        json={"name": "Kawa", "questions": ["Pierwsze?", "Drugie?", "Trzecie?"]},
        headers=auth,
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["name"] == "Kawa"
    assert [q["text"] for q in edited.json()["questions"]] == [
        "Pierwsze?",
        "Drugie?",
        "Trzecie?",
    ]
    bad = await client.put(group_url, json={"mode": None}, headers=auth)
    assert bad.status_code == 422
    estimate = (await client.get(f"{group_url}/estimate", headers=auth)).json()
    assert estimate["calls"] == 3 * 3 + 3 * 1 + 3  # answers + probe answers + probes

    run = await client.post(f"{group_url}/run", headers=auth)
    assert run.status_code == 202, run.text
    again = await client.post(f"{group_url}/run", headers=auth)
    assert again.status_code == 409
    job = await wait_job(client, run.json()["job_id"], auth)
    assert job["status"] == "succeeded", job
    locked = await client.put(group_url, json={"name": "Changed"}, headers=auth)
    assert locked.status_code == 409
    assert locked.json()["error"] == "FocusGroupNotEditable"

    deleted = await client.delete(group_url, headers=auth)
    assert deleted.status_code == 204
    assert (await client.get(group_url, headers=auth)).status_code == 404
    assert other_project["id"] != project["id"]
