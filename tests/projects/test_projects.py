from __future__ import annotations

import httpx
import pytest

from tests.conftest import register_user


async def test_create_with_original_shape_and_census_fallback(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/projects",
        json={
            "name": "Oat milk PL",
            "language": "pl",
            "country": "pl",
            "target_sample_size": 20,
            "target_demographics": {
                "age_group": {"18-24": 0.3, "25-34": 0.5, "35-44": 0.2},
                "gender": {"Male": 0.5, "Female": 0.5},
            },
        },
        headers={"Authorization": user["authorization"]},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["target_demographics"]["gender"] == {"Male": 0.5, "Female": 0.5}
    dims = body["target_distribution"]["dimensions"]
    assert dims["gender"]["shares"] == {"male": 0.5, "female": 0.5}
    assert dims["age_group"]["shares"]["age_65_plus"] == 0
    # Not given: follows GUS NSP 2021 (urban 59.9 %)
    assert dims["urban_rural"]["shares"]["urban"] == pytest.approx(0.599, abs=0.002)


@pytest.mark.parametrize(
    ("target", "field", "fragment"),
    [
        (
            {"age_group": {"17-20": 1.0}},
            "target_demographics.age_group.17-20",
            "age_18_24",
        ),
        ({"gender": {"Male": 0.7, "Female": 0.7}}, "target_demographics.gender", "1.4"),
        (
            {"gender": {"Male": -0.5, "Female": 1.5}},
            "target_demographics.gender.Male",
            "",
        ),
        ({"gender": {}}, "target_demographics.gender", ""),
        ({"hair_colour": {"red": 1.0}}, "target_demographics.hair_colour", "age_group"),
    ],
)
async def test_invalid_targets_get_422_with_path_and_allowed(
    client: httpx.AsyncClient,
    user: dict[str, str],
    target: dict[str, object],
    field: str,
    fragment: str,
) -> None:
    response = await client.post(
        "/api/v1/projects",
        json={"name": "bad", "target_demographics": target},
        headers={"Authorization": user["authorization"]},
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "ValidationError"
    problem = next(p for p in body["errors"] if p["field"] == field)
    assert fragment in problem["msg"] + " ".join(problem["allowed"])
    listed = await client.get(
        "/api/v1/projects", headers={"Authorization": user["authorization"]}
    )
    assert all(p["name"] != "bad" for p in listed.json()["items"])  # nothing stored


async def test_update_keeps_data_on_invalid_patch_and_others_get_404(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    created = (
        await client.post("/api/v1/projects", json={"name": "A"}, headers=auth)
    ).json()
    bad = await client.patch(
        f"/api/v1/projects/{created['id']}",
        json={"target_demographics": {"gender": {"Male": 2}}},
        headers=auth,
    )
    assert bad.status_code == 422
    same = (await client.get(f"/api/v1/projects/{created['id']}", headers=auth)).json()
    assert same["target_demographics"] == {}
    ok = await client.patch(
        f"/api/v1/projects/{created['id']}",
        json={"name": "B", "country": "us"},
        headers=auth,
    )
    assert ok.json()["name"] == "B"
    assert (
        "northeast"
        in ok.json()["target_distribution"]["dimensions"]["location"]["shares"]
    )
    stranger = await register_user(client)
    theirs = {"Authorization": stranger["authorization"]}
    for method in ("GET", "PATCH", "DELETE"):
        response = await client.request(
            method,
            f"/api/v1/projects/{created['id']}",
            headers=theirs,
            json={"name": "x"} if method == "PATCH" else None,
        )
        assert response.status_code == 404
    gone = await client.delete(f"/api/v1/projects/{created['id']}", headers=auth)
    assert gone.status_code == 204


async def test_list_total_is_right_on_every_page_and_past_the_end(
    client: httpx.AsyncClient,
) -> None:
    # The total comes with the page's rows (one query); a page past the end
    # has no rows to carry it and asks for it on its own.
    user = await register_user(client)
    auth = {"Authorization": user["authorization"]}
    for name in ("first", "second", "third"):
        created = await client.post(
            "/api/v1/projects", json={"name": name}, headers=auth
        )
        assert created.status_code == 201
    pages = [
        (
            await client.get(f"/api/v1/projects?limit=2&offset={offset}", headers=auth)
        ).json()
        for offset in (0, 2, 5)
    ]
    assert [len(page["items"]) for page in pages] == [2, 1, 0]
    assert [page["total"] for page in pages] == [3, 3, 3]
    assert [p["name"] for page in pages for p in page["items"]] == [
        "third",
        "second",
        "first",
    ]
