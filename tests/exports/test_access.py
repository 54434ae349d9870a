"""Every export route goes through the access policy: another user gets 404;
a format a resource does not have is a 422 naming the allowed ones."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import register_user


async def test_other_users_get_404_and_bad_formats_422(
    client: httpx.AsyncClient, research: dict[str, Any]
) -> None:
    stranger = {"Authorization": (await register_user(client))["authorization"]}
    pid = research["project"]["id"]
    paths = [
        f"/api/v1/projects/{pid}/export/pdf",
        f"/api/v1/export/personas/{research['personas'][0]['id']}/pdf",
        f"/api/v1/export/focus-groups/{research['group']['id']}/docx",
        f"/api/v1/export/surveys/{research['survey']['id']}/xlsx",
    ]
    for path in paths:
        response = await client.get(path, headers=stranger)
        assert response.status_code == 404, path
    started = await client.post(
        f"/api/v1/projects/{pid}/exports", json={"format": "pdf"}, headers=stranger
    )
    assert started.status_code == 404

    own = research["auth"]
    job = await client.post(
        f"/api/v1/projects/{pid}/exports", json={"format": "md"}, headers=own
    )
    assert job.status_code == 202
    from tests.personas.test_generation import wait_job

    done = await wait_job(client, job.json()["job_id"], own)
    url = done["result"]["download_url"]
    assert (await client.get(url, headers=stranger)).status_code == 404
    export_id = done["result"]["export_id"]
    assert (
        await client.get(f"/api/v1/exports/{export_id}", headers=stranger)
    ).status_code == 404
    assert (await client.get(url, headers=own)).status_code == 200

    bad = await client.get(
        f"/api/v1/export/personas/{research['personas'][0]['id']}/xlsx", headers=own
    )
    assert bad.status_code == 422
    assert "pdf" in bad.text
    assert "docx" in bad.text
