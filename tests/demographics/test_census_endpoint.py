"""GET /api/v1/census/{country}: what the target form's presets are built from."""

from __future__ import annotations

import httpx
import pytest

from sight.demographics import load_census


@pytest.mark.parametrize("country", ["pl", "us"])
async def test_census_lists_every_dimension_with_shares_summing_to_one(
    client: httpx.AsyncClient, user: dict[str, str], country: str
) -> None:
    response = await client.get(
        f"/api/v1/census/{country}", headers={"Authorization": user["authorization"]}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    census = load_census(country)
    assert [d["key"] for d in body["dimensions"]] == list(census.dimensions)
    for dimension in body["dimensions"]:
        shares = [c["share"] for c in dimension["categories"]]
        assert sum(shares) == pytest.approx(1.0, abs=0.01), dimension["key"]
        assert dimension["labels"]["pl"]
        assert dimension["labels"]["en"]
        assert dimension["verified_figures"] == sum(
            c["verified"] for c in dimension["categories"]
        )
    if country == "pl":
        regions = next(d for d in body["dimensions"] if d["key"] == "location")
        lodzkie = next(c for c in regions["categories"] if c["key"].endswith("lodzkie"))
        assert lodzkie["labels"]["pl"].lower() == "łódzkie"


async def test_census_needs_a_known_country_and_a_login(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    unknown = await client.get("/api/v1/census/de", headers=auth)
    assert unknown.status_code == 422
    assert "pl" in unknown.text
    assert "us" in unknown.text
    assert (await client.get("/api/v1/census/pl")).status_code == 401
