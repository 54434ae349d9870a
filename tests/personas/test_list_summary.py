"""The persona list returns summaries (what the table shows); the full profile
is on the item route, or on the list with `view=full` (issue 16: a 20-item page
was 89 KB)."""

from __future__ import annotations

import httpx

from tests.personas.test_listing_and_estimate import _generate

TABLE_FIELDS = {
    "id",
    "full_name",
    "age",
    "gender",
    "occupation",
    "location",
    "urban_rural",
    "education",
    "income",
    "income_currency",
    "income_band",
    "generated_by",
}


async def test_the_list_is_summaries_and_the_item_route_has_the_profile(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    project, _ = await _generate(client, auth, 6, seed=9)
    base = f"/api/v1/projects/{project['id']}/personas"
    summary = await client.get(f"{base}?limit=20", headers=auth)
    full = await client.get(f"{base}?limit=20&view=full", headers=auth)
    assert summary.status_code == full.status_code == 200
    items = summary.json()["items"]
    assert len(items) == summary.json()["total"] == 6
    for item in items:
        assert TABLE_FIELDS <= set(item)
        assert not {"profile", "citations", "validation"} & set(item)
    # The same personas in the same order, the full view with every field.
    full_items = full.json()["items"]
    assert [p["id"] for p in full_items] == [p["id"] for p in items]
    assert all(p["profile"]["background_story"] for p in full_items)
    assert len(summary.content) * 3 < len(full.content)
    one = await client.get(f"/api/v1/personas/{items[0]['id']}", headers=auth)
    assert one.json()["profile"] == full_items[0]["profile"]
    assert {k: one.json()[k] for k in items[0]} == items[0]
    # Filters and paging work the same on summaries.
    gender = items[0]["gender"]
    filtered = (
        await client.get(f"{base}?gender={gender}&limit=2&offset=0", headers=auth)
    ).json()
    assert filtered["total"] == sum(p["gender"] == gender for p in items)
    assert all(p["gender"] == gender for p in filtered["items"])
    bad = await client.get(f"{base}?view=everything", headers=auth)
    assert bad.status_code == 422
