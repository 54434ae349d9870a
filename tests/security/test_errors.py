"""One documented error shape for every error (issue 15, Low: error envelope)."""

from __future__ import annotations

from typing import Any

import httpx

ERROR_REF = "#/components/schemas/ErrorBody"


def _assert_error_shape(body: dict[str, Any]) -> None:
    assert isinstance(body["error"], str)
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert set(body) <= {"error", "detail", "errors", "request_id"}


async def test_every_error_has_a_string_detail(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    invalid = await client.post("/api/v1/projects", json={"name": ""}, headers=auth)
    assert invalid.status_code == 422
    _assert_error_shape(invalid.json())
    # The sentence names the field; the list says what is wrong with each one.
    assert "name" in invalid.json()["detail"]
    assert invalid.json()["errors"][0]["field"] == "name"
    demographics = await client.post(
        "/api/v1/projects",
        json={"name": "x", "target_demographics": {"gender": {"Robot": 1}}},
        headers=auth,
    )
    assert demographics.status_code == 422
    _assert_error_shape(demographics.json())
    assert demographics.json()["errors"]
    for response in (
        await client.get("/api/v1/auth/me"),
        await client.get(
            "/api/v1/projects/00000000-0000-0000-0000-000000000000", headers=auth
        ),
        await client.get("/api/v1/no-such-thing", headers=auth),
    ):
        assert response.status_code in (401, 404)
        _assert_error_shape(response.json())


async def test_wrong_method_is_405_with_allow(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    response = await client.put(
        "/api/v1/projects", json={}, headers={"Authorization": user["authorization"]}
    )
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == {"GET", "POST"}
    _assert_error_shape(response.json())
    assert response.json()["error"] == "MethodNotAllowed"
    unknown = await client.get("/api/v1/no-such-thing")
    assert unknown.status_code == 404


async def test_openapi_documents_the_real_error_bodies(
    client: httpx.AsyncClient,
) -> None:
    spec = (await client.get("/openapi.json")).json()
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert schemas["ErrorBody"]["properties"]["detail"]["type"] == "string"

    def ref(path: str, method: str, status: str) -> str:
        response = spec["paths"][path][method]["responses"][status]
        return str(response["content"]["application/json"]["schema"]["$ref"])

    project = "/api/v1/projects/{project_id}"
    assert ref("/api/v1/projects", "post", "422") == ERROR_REF
    assert ref("/api/v1/projects", "post", "401") == ERROR_REF
    assert ref(project, "get", "404") == ERROR_REF
    assert ref("/api/v1/auth/login", "post", "429") == ERROR_REF
    assert ref("/api/v1/auth/register", "post", "409") == ERROR_REF
    # Every documented error status of every operation uses the one shape.
    for operations in spec["paths"].values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                if status.isdigit() and int(status) >= 400:
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": ERROR_REF}
