"""Invalid definitions get a 422 naming the field and what is allowed; nothing
is stored. Answers are checked against their question."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sight.surveys.schemas import Question
from sight.surveys.validation import check_answer
from tests.personas.test_generation import make_project

OK = {"type": "single-choice", "title": "Pick one", "options": ["A", "B"]}

CASES: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "no options",
        {"questions": [{"type": "single-choice", "title": "Pick"}]},
        "questions.0.options",
        "at least 2 options",
    ),
    (
        "duplicate options",
        {"questions": [{**OK, "options": ["Tak", "Nie", " tak "]}]},
        "questions.0.options.2",
        "duplicate option",
    ),
    (
        "numeric min >= max",
        {"questions": [{"type": "numeric", "title": "How many", "min": 10, "max": 5}]},
        "questions.0.max",
        "greater than min",
    ),
    (
        "rating min >= max",
        {
            "questions": [
                {"type": "rating-scale", "title": "Rate", "scaleMin": 5, "scaleMax": 5}
            ]
        },
        "questions.0.scaleMax",
        "greater than scaleMin",
    ),
    (
        "unknown type",
        {"questions": [{"type": "slider", "title": "Slide"}]},
        "questions.0.type",
        "'single-choice'",
    ),
    (
        "skip logic pointing forward",
        {
            "questions": [
                {**OK, "id": "a", "showIf": {"questionId": "b", "anyOf": ["A"]}},
                {**OK, "id": "b"},
            ]
        },
        "questions.0.showIf.questionId",
        "earlier question",
    ),
    (
        "skip logic pointing at nothing",
        {
            "questions": [
                {**OK, "id": "a"},
                {**OK, "id": "b", "showIf": {"questionId": "zzz", "anyOf": ["A"]}},
            ]
        },
        "questions.1.showIf.questionId",
        "not a question of this survey",
    ),
    (
        "skip logic on a missing option",
        {
            "questions": [
                {**OK, "id": "a"},
                {**OK, "id": "b", "showIf": {"questionId": "a", "anyOf": ["C"]}},
            ]
        },
        "questions.1.showIf.anyOf.0",
        "not an option of 'a'",
    ),
    ("no questions", {"questions": []}, "questions", "at least 1"),
    ("too many questions", {"questions": [OK] * 101}, "questions", "at most 100"),
    (
        "too many options",
        {"questions": [{**OK, "options": [f"o{i}" for i in range(51)]}]},
        "questions.0.options",
        "at most 50",
    ),
    (
        "duplicate ids",
        {"questions": [{**OK, "id": "x"}, {**OK, "id": "x"}]},
        "questions.1.id",
        "duplicate question id",
    ),
    (
        "segments on an unknown field",
        {
            "questions": [OK],
            "respondents": {
                "mode": "segments",
                "segments": [{"filters": {"pet": ["cat"]}}],
            },
        },
        "respondents.segments.0.filters.pet",
        "allowed: age_group",
    ),
]


@pytest.mark.parametrize(
    ("name", "body", "field", "message"), CASES, ids=[c[0] for c in CASES]
)
async def test_invalid_definition_is_a_422_naming_the_field(
    client: httpx.AsyncClient,
    user: dict[str, str],
    name: str,
    body: dict[str, Any],
    field: str,
    message: str,
) -> None:
    auth = {"Authorization": user["authorization"]}
    project = await make_project(client, auth, target_sample_size=2)
    url = f"/api/v1/projects/{project['id']}/surveys"
    response = await client.post(url, json={"title": "S", **body}, headers=auth)
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["error"] == "ValidationError"
    problems = {p["field"]: p["msg"] for p in error["errors"]}
    assert field in problems, problems
    assert message in problems[field], problems[field]
    listed = await client.get(url, headers=auth)
    assert listed.json()["total"] == 0  # nothing stored

    # The builder's live check reports the same problem without a 422.
    check = await client.post(f"{url}/check", json={"title": "S", **body}, headers=auth)
    assert check.status_code == 200
    assert check.json()["valid"] is False
    assert field in {p["field"] for p in check.json()["problems"]}


async def test_a_valid_definition_is_stored_with_ids_and_defaults(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    project = await make_project(client, auth, target_sample_size=2)
    response = await client.post(
        f"/api/v1/projects/{project['id']}/surveys",
        json={
            "title": "Kawa",
            "questions": [
                {"type": "rating_scale", "title": "Ile?"},
                {"type": "open_text", "title": "Dlaczego?", "required": False},
            ],
        },
        headers=auth,
    )
    assert response.status_code == 201, response.text
    survey = response.json()
    assert [q["id"] for q in survey["questions"]] == ["q1", "q2"]
    assert survey["questions"][0]["type"] == "rating-scale"
    assert (survey["questions"][0]["scaleMin"], survey["questions"][0]["scaleMax"]) == (
        1,
        5,
    )
    assert survey["settings"]["shuffle_options"] is True
    assert survey["settings"]["rating_mode"] == "auto"
    assert survey["status"] == "draft"


def test_answers_are_checked_against_the_definition() -> None:
    choice = Question(id="a", type="single-choice", title="t", options=["Tak", "Nie"])
    assert check_answer(choice, "tak") == ("Tak", None)
    assert check_answer(choice, "Może")[1] is not None
    ranking = Question(id="r", type="ranking", title="t", options=["x", "y", "z"])
    assert check_answer(ranking, ["z", "x", "y"]) == (["z", "x", "y"], None)
    assert "rank all 3" in str(check_answer(ranking, ["z", "x"])[1])
    assert "twice" in str(check_answer(ranking, ["z", "z", "x"])[1])
    number = Question(id="n", type="numeric", title="t", min=0, max=10)
    assert check_answer(number, "7,5") == (7.5, None)
    assert "outside" in str(check_answer(number, 11)[1])
    rating = Question(id="s", type="rating-scale", title="t", scale_min=1, scale_max=5)
    assert check_answer(rating, 4.0) == (4, None)
    assert check_answer(rating, 3.5)[1] is not None
    many = Question(
        id="m",
        type="multiple-choice",
        title="t",
        options=["a", "b", "c"],
        max_choices=2,
    )
    assert "at most 2" in str(check_answer(many, ["a", "b", "c"])[1])
    optional = Question(id="o", type="open-text", title="t", required=False)
    assert check_answer(optional, None) == (None, None)
    required = Question(id="o", type="open-text", title="t")
    assert check_answer(required, "  ")[1] == "an answer is required"
