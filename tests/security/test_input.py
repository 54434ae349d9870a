"""No 5xx from input: every bound is in the schema, and a bad value is a 422 that
names the field (issue 15, item 5)."""

from __future__ import annotations

import uuid

import httpx
import pytest

NUL = "a\x00b"


async def _project(client: httpx.AsyncClient, auth: dict[str, str]) -> str:
    created = await client.post("/api/v1/projects", json={"name": "p"}, headers=auth)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def _assert_422_naming(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "ValidationError"
    assert isinstance(body["detail"], str)
    assert field in {p["field"] for p in body["errors"]}, body


@pytest.mark.parametrize(
    ("field", "raw"),
    [
        ("name", r'"a\u0000b"'),
        ("description", r'"a\u0000b"'),
        ("research_goal", r'"a\u0000b"'),
        ("name", r'"two\nlines"'),
        ("target_sample_size", '"5"'),
        ("target_sample_size", "true"),
        ("budget_usd", '"5"'),
        ("budget_usd", "1e400"),
    ],
)
async def test_project_fields(
    client: httpx.AsyncClient, user: dict[str, str], field: str, raw: str
) -> None:
    # Raw JSON: 1e400 has no Python float to encode it from.
    body = (
        f'{{"name": "ok", "{field}": {raw}}}'
        if field != "name"
        else f'{{"name": {raw}}}'
    )
    response = await client.post(
        "/api/v1/projects",
        content=body.encode(),
        headers={
            "Authorization": user["authorization"],
            "Content-Type": "application/json",
        },
    )
    _assert_422_naming(response, field)


async def test_text_keeps_line_breaks_and_tabs(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    created = await client.post(
        "/api/v1/projects",
        json={"name": "ok", "description": "one\n\ttwo\r\nthree"},
        headers={"Authorization": user["authorization"]},
    )
    assert created.status_code == 201
    assert created.json()["description"] == "one\n\ttwo\r\nthree"


async def test_account_and_token_names(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    register = await client.post(
        "/api/v1/auth/register",
        json={
            "email": f"n-{uuid.uuid4().hex[:6]}@example.com",
            "password": "long enough 1",
            "full_name": NUL,
        },
    )
    _assert_422_naming(register, "full_name")
    token = await client.post(
        "/api/v1/auth/tokens",
        json={"name": NUL},
        headers={"Authorization": user["authorization"]},
    )
    _assert_422_naming(token, "name")


async def test_queries_and_filters(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    project = await _project(client, auth)
    search = await client.post(
        f"/api/v1/projects/{project}/search", json={"query": NUL}, headers=auth
    )
    _assert_422_naming(search, "query")
    ask = await client.post(
        f"/api/v1/projects/{project}/ask", json={"question": NUL}, headers=auth
    )
    _assert_422_naming(ask, "question")
    personas = await client.get(
        f"/api/v1/projects/{project}/personas", params={"gender": NUL}, headers=auth
    )
    _assert_422_naming(personas, "gender")
    documents = await client.get(
        f"/api/v1/projects/{project}/documents", params={"status": NUL}, headers=auth
    )
    _assert_422_naming(documents, "status")


@pytest.mark.parametrize(
    "path",
    ["/api/v1/projects", "/api/v1/jobs", "/api/v1/projects/{project}/personas"],
)
async def test_huge_offsets(
    client: httpx.AsyncClient, user: dict[str, str], path: str
) -> None:
    auth = {"Authorization": user["authorization"]}
    url = path.format(project=await _project(client, auth))
    response = await client.get(
        url, params={"offset": "9223372036854775808"}, headers=auth
    )
    _assert_422_naming(response, "offset")


async def test_dates_and_numbers_that_overflow(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    usage = await client.get(
        "/api/v1/usage",
        params={"start": "0001-01-01", "end": "9999-12-31"},
        headers=auth,
    )
    _assert_422_naming(usage, "start")
    estimate = await client.post(
        "/api/v1/estimates",
        content=b'{"flow": "personas.enrich", "calls": 1, "input_tokens_per_call": 1e400}',
        headers={**auth, "Content-Type": "application/json"},
    )
    _assert_422_naming(estimate, "input_tokens_per_call")
    as_text = await client.post(
        "/api/v1/estimates",
        json={"flow": "personas.enrich", "calls": "5"},
        headers=auth,
    )
    _assert_422_naming(as_text, "calls")


async def test_event_ids_beyond_bigint(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    response = await client.get(
        f"/api/v1/jobs/{uuid.uuid4()}/events",
        params={"after": "9223372036854775808"},
        headers=auth,
    )
    assert response.status_code in (404, 422)
    assert isinstance(response.json()["detail"], str)


async def test_a_value_the_database_refuses_is_a_422_not_a_500(
    database_url: str,
) -> None:
    # The last line of defence, for a bound a schema forgot: the real driver's
    # DataError (NUL in text) through the app's own error handlers.
    from fastapi import FastAPI
    from sqlalchemy import text

    from sight.kit.errors import install_error_handlers
    from sight.postgres import create_engine

    engine = create_engine(database_url)
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/echo")
    async def echo(value: str) -> str:
        async with engine.connect() as conn:
            return str(await conn.scalar(text("SELECT CAST(:v AS text)"), {"v": value}))

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        assert (await http.get("/echo", params={"value": "fine"})).json() == "fine"
        refused = await http.get("/echo", params={"value": NUL})
    await engine.dispose()
    assert refused.status_code == 422
    assert refused.json()["error"] == "ValidationError"
    assert "cannot be stored" in refused.json()["detail"]


def test_a_text_file_with_a_nul_past_the_sniffed_prefix_is_stored_without_it() -> None:
    # Issue 15: such a file passed the upload check, then failed ingestion three
    # times as "internal error" (PostgreSQL text cannot hold NUL).
    from sight.knowledge.sniffing import decode_text

    text = decode_text(b"Kawa owsiana.\n" * 700 + b"\x00" + b"Koniec.\n")
    assert "\x00" not in text
    assert text.endswith("Koniec.\n")
