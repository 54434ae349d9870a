"""The persona list filters by every dimension (labels accepted, unknown values
refused with what is allowed), the cost estimate counts every call the run
makes, and the summary says which census figures are verified. Offline engine
in the live app, as a new user without an LLM key sees it."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.personas.test_generation import make_project, wait_job

PLANT_DRINKS = {
    "name": "Plant-based drinks - Poland 18-64",
    "research_goal": "Czy Polacy w wieku 18-64 lat kupowaliby napoje roślinne "
    "zamiast mleka i ile byliby gotowi za nie zapłacić?",
    "target_demographics": {
        "age_group": {
            "18-24": 0.15,
            "25-34": 0.2,
            "35-44": 0.25,
            "45-54": 0.2,
            "55-64": 0.2,
        }
    },
}


async def _generate(
    client: httpx.AsyncClient, auth: dict[str, str], n: int, seed: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    project = await make_project(client, auth, target_sample_size=n, **PLANT_DRINKS)
    base = f"/api/v1/projects/{project['id']}/personas"
    estimate = await client.post(
        f"{base}/generate?estimate=true", json={"seed": seed}, headers=auth
    )
    assert estimate.status_code == 200, estimate.text
    accepted = (
        await client.post(f"{base}/generate", json={"seed": seed}, headers=auth)
    ).json()
    assert accepted["estimate"]["calls"] == estimate.json()["calls"]
    job = await wait_job(client, accepted["job_id"], auth)
    assert job["status"] == "succeeded", job
    return project, estimate.json()


async def test_estimate_counts_every_call_and_personas_are_about_the_research(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    project, estimate = await _generate(client, auth, 20, seed=5)
    usage = (
        await client.get(
            f"/api/v1/usage?project_id={project['id']}&group_by=flow", headers=auth
        )
    ).json()
    by_flow = {row["key"]: row["calls"] for row in usage["rows"]}
    estimated = {flow["flow"]: flow["calls"] for flow in estimate["flows"]}
    # enrichment, one brief per segment, one embedding per story (de-duplication)
    assert estimated["personas.enrich"] == 20
    assert estimated["personas.dedupe"] == 20
    assert estimated["personas.segment_brief"] == estimate["segments"] < 20
    # a repair (a persona that failed validation) adds one enrichment and one
    # embedding, as the estimate's note says; everything else is as estimated
    repairs = by_flow.pop("personas.repair", 0)
    assert repairs <= 3
    by_flow["personas.dedupe"] -= repairs
    assert by_flow == estimated
    assert usage["total"]["calls"] == estimate["calls"] + 2 * repairs
    assert estimate["max_calls"] == estimate["calls"] + 4 * 20

    personas = (
        await client.get(
            f"/api/v1/projects/{project['id']}/personas?limit=100&view=full",
            headers=auth,
        )
    ).json()["items"]
    assert len(personas) == 20
    quotes = {p["profile"]["quote"] for p in personas}
    assert len(quotes) == 20
    about = re.compile(r"roślin|napoj|napój|mlek|kaw|smak|cen", re.I)
    for p in personas:
        profile = p["profile"]
        assert about.search(" ".join([*profile["needs"], *profile["pain_points"]]))
        story = profile["background_story"]
        assert not re.search(r"\b(2|3|4|22|23|24|32|33|34|42|43|44)\s+lat\b", story)
        assert not re.search(r"województwie \w+kie\b", story)
    men = [p["occupation"] for p in personas if p["gender"] == "male"]
    assert not {"nauczycielka", "sprzątaczka", "księgowa", "pielęgniarka"} & set(men)


async def test_the_persona_list_filters_by_every_dimension(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    project, _ = await _generate(client, auth, 8, seed=3)
    base = f"/api/v1/projects/{project['id']}/personas"
    everyone = (await client.get(f"{base}?limit=100", headers=auth)).json()["items"]
    for name in (
        "age_group",
        "gender",
        "location",
        "urban_rural",
        "education",
        "income_band",
    ):
        value = everyone[0][name]
        found = (await client.get(f"{base}?{name}={value}", headers=auth)).json()
        assert found["total"] == sum(1 for p in everyone if p[name] == value)
        assert {p[name] for p in found["items"]} == {value}

    # labels in either language are the same filter as the key
    women = sum(1 for p in everyone if p["gender"] == "female")
    young = sum(
        1 for p in everyone if p["gender"] == "female" and p["age_group"] == "age_25_34"
    )
    labelled = await client.get(f"{base}?gender=Kobieta&age_group=25-34", headers=auth)
    assert labelled.status_code == 200
    assert labelled.json()["total"] == young
    assert (await client.get(f"{base}?gender=Female", headers=auth)).json()[
        "total"
    ] == women

    unknown = await client.get(f"{base}?education=phd&gender=x", headers=auth)
    assert unknown.status_code == 422
    body = unknown.json()
    assert body["error"] == "ValidationError"
    # field problems: `errors` in the error shape (older shape: `detail`)
    items = body["errors"] if isinstance(body.get("errors"), list) else body["detail"]
    problems = {p["field"]: p for p in items}
    assert set(problems) == {"education", "gender"}
    assert problems["education"]["allowed"] == [
        "primary_or_less",
        "basic_vocational",
        "secondary",
        "post_secondary",
        "tertiary",
    ]
    assert problems["gender"]["allowed"] == ["male", "female"]
    assert "phd" in problems["education"]["msg"]


async def test_summary_says_which_census_figures_are_verified(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    project = await make_project(client, auth, target_sample_size=4)
    summary = (
        await client.get(
            f"/api/v1/projects/{project['id']}/personas/summary", headers=auth
        )
    ).json()
    assert summary["population"] == 38_036_118
    assert summary["population_verified"] is True
    income = summary["dimensions"]["income"]
    assert income["label"] == (
        "Dochód rozporządzalny na osobę w gospodarstwie domowym (miesięcznie)"
    )
    assert income["census"]["verified"] == 0
    location = summary["dimensions"]["location"]
    assert (location["census"]["verified"], location["census"]["figures"]) == (15, 16)
    rows = {r["category"]: r for r in summary["distributions"]["location"]}
    assert rows["lodzkie"]["census_verified"] is True
    assert rows["lodzkie"]["census_share"] == 0.0634
    assert rows["zachodniopomorskie"]["census_verified"] is False
    assert summary["dimensions"]["gender"]["target_origin"] == "target"
    assert summary["dimensions"]["education"]["target_origin"] != "target"
