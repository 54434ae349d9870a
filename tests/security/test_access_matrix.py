"""The access matrix: every route of `/openapi.json`, role x method.

Every route must be classified below. A project-scoped route names the right
it needs (read | write | admin) and is called by five callers:

    owner     the project's owner (also the owner of its team)
    member    a member of the project's team
    viewer    a viewer of the project's team
    outsider  a registered account with no link to the project
    admin     an account with the system role admin

Expected (docs/security.md): outsiders get 404 on everything; a viewer gets
403 on write and admin routes; a member gets 403 on admin routes (deleting
or moving the project); whoever holds the right is never refused (no 401,
403, or the outsider's 404). Account routes only have to refuse anonymous
callers (401); their own tests check what they return.

A route that is not classified fails `test_every_route_is_classified`: a new
route cannot ship without someone deciding its policy. Classifications of
routes that do not exist (yet) are ignored, so in-flight work elsewhere does
not break this file.

Callers that hold a write right are not sent to routes that would start long
work (`probe_allowed=False`: runs, generation): the denials are what this
file is about, and the domains' own tests run those flows.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
import pytest

from tests.personas.test_generation import wait_job
from tests.teams.support import accounts, headers, make_team, set_role

Need = Literal["read", "write", "admin"]
ROLES = ("owner", "member", "viewer", "outsider", "admin")
HOLDS: dict[str, set[str]] = {
    "read": {"owner", "member", "viewer", "admin"},
    "write": {"owner", "member", "admin"},
    "admin": {"owner", "admin"},
}


@dataclass(frozen=True)
class Scoped:
    """A route under a project (through its path's resource id)."""

    need: Need
    # A valid body: routes that check access after reading the body must see
    # one, or the denial would hide behind a 422.
    body: dict[str, Any] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    query: str = ""
    # Callers holding the right are sent here too (harmless, quick routes).
    probe_allowed: bool = True
    # Ends or changes the resource: called last, by an allowed caller.
    destructive: bool = False
    # Why this file cannot probe it (a resource too slow to build here); the
    # owning domain's tests check its access.
    unprobed: str = ""


@dataclass(frozen=True)
class Account:
    """The caller's own things (or public data): a token is all it needs."""

    public: bool = False


PUBLIC = Account(public=True)
ACCOUNT = Account()

MATRIX: dict[str, Scoped | Account] = {
    # --- auth, teams, audit, settings: the caller's own (tests/teams, tests/auth)
    "POST /api/v1/auth/register": PUBLIC,
    "POST /api/v1/auth/login": PUBLIC,
    "POST /api/v1/auth/refresh": PUBLIC,
    "POST /api/v1/auth/logout": PUBLIC,
    "GET /api/v1/auth/me": ACCOUNT,
    "PATCH /api/v1/auth/me": ACCOUNT,
    "PUT /api/v1/auth/users/{user_id}/role": ACCOUNT,  # admins only (tests/teams)
    "GET /api/v1/auth/tokens": ACCOUNT,
    "POST /api/v1/auth/tokens": ACCOUNT,
    "DELETE /api/v1/auth/tokens/{token_id}": ACCOUNT,
    "POST /api/v1/teams": ACCOUNT,
    "GET /api/v1/teams/my": ACCOUNT,
    "GET /api/v1/teams/{team_id}": ACCOUNT,  # members; the team policy (tests/teams)
    "PUT /api/v1/teams/{team_id}": ACCOUNT,
    "DELETE /api/v1/teams/{team_id}": ACCOUNT,
    "POST /api/v1/teams/{team_id}/members": ACCOUNT,
    "PUT /api/v1/teams/{team_id}/members/{user_id}": ACCOUNT,
    "DELETE /api/v1/teams/{team_id}/members/{user_id}": ACCOUNT,
    "GET /api/v1/audit": ACCOUNT,  # admins and team owners (tests/teams)
    "GET /api/v1/census/{country}": ACCOUNT,
    "GET /api/v1/settings/llm": ACCOUNT,
    "PUT /api/v1/settings/llm": ACCOUNT,
    "POST /api/v1/estimates": ACCOUNT,  # with project_id: read (checked below)
    "GET /api/v1/usage": ACCOUNT,  # with project_id: read (checked below)
    "GET /api/v1/jobs": ACCOUNT,  # with project_id: read (checked below)
    "POST /api/v1/projects": ACCOUNT,
    "GET /api/v1/projects": ACCOUNT,
    # --- dashboard and notifications: the caller's own view of their projects
    "GET /api/v1/notifications": ACCOUNT,
    "GET /api/v1/notifications/preferences": ACCOUNT,
    "PUT /api/v1/notifications/preferences": ACCOUNT,
    "POST /api/v1/notifications/read-all": ACCOUNT,
    "POST /api/v1/notifications/{notification_id}/read": ACCOUNT,
    "POST /api/v1/notifications/{notification_id}/done": ACCOUNT,
    "GET /api/v1/notifications/events": ACCOUNT,
    "GET /api/v1/dashboard/overview": ACCOUNT,
    "GET /api/v1/dashboard/analytics/weekly": ACCOUNT,
    "GET /api/v1/dashboard/analytics/insights": ACCOUNT,
    "GET /api/v1/dashboard/insights/latest": ACCOUNT,
    "GET /api/v1/dashboard/health/blockers": ACCOUNT,
    "GET /api/v1/dashboard/projects/active": ACCOUNT,
    "GET /api/v1/dashboard/usage": ACCOUNT,
    "GET /api/v1/dashboard/usage-breakdown": ACCOUNT,
    "GET /api/v1/dashboard/notifications": ACCOUNT,
    "GET /api/v1/fidelity/benchmarks": ACCOUNT,
    # --- jobs: a project's job follows the project
    "GET /api/v1/jobs/{job_id}": Scoped("read"),
    "POST /api/v1/jobs/{job_id}/cancel": Scoped("write"),  # finished: 409
    "GET /api/v1/jobs/{job_id}/events": Scoped("read"),
    # --- projects
    "GET /api/v1/projects/{project_id}": Scoped("read"),
    "PATCH /api/v1/projects/{project_id}": Scoped(
        "write", body={"description": "edited by the access matrix"}
    ),
    "DELETE /api/v1/projects/{project_id}": Scoped("admin", destructive=True),
    # --- knowledge (access checked in the endpoint, after the body is read)
    "POST /api/v1/projects/{project_id}/documents": Scoped(
        "write",
        files={"file": ("notes.md", b"# Coffee\nPeople like coffee.", "text/markdown")},
        probe_allowed=False,
    ),
    "GET /api/v1/projects/{project_id}/documents": Scoped("read"),
    "GET /api/v1/projects/{project_id}/documents/{document_id}": Scoped("read"),
    "DELETE /api/v1/projects/{project_id}/documents/{document_id}": Scoped(
        "write", destructive=True
    ),
    "GET /api/v1/projects/{project_id}/documents/{document_id}/chunks": Scoped("read"),
    "POST /api/v1/projects/{project_id}/documents/reembed": Scoped(
        "write", body={}, probe_allowed=False
    ),
    "POST /api/v1/projects/{project_id}/search": Scoped(
        "read", body={"query": "coffee"}
    ),
    "POST /api/v1/projects/{project_id}/ask": Scoped(
        "read", body={"question": "Do people like coffee?"}, probe_allowed=False
    ),
    "GET /api/v1/projects/{project_id}/knowledge-graph": Scoped("read"),
    # --- personas
    "POST /api/v1/projects/{project_id}/personas/generate": Scoped(
        "write", body={"seed": 2}, probe_allowed=False
    ),
    "GET /api/v1/projects/{project_id}/personas": Scoped("read"),
    "GET /api/v1/projects/{project_id}/personas/summary": Scoped("read"),
    "GET /api/v1/personas/{persona_id}": Scoped("read"),
    "DELETE /api/v1/personas/{persona_id}": Scoped("write", destructive=True),
    "POST /api/v1/personas/{persona_id}/restore": Scoped("write", destructive=True),
    # Interviewing a persona is the caller's own conversation (kept per user);
    # it changes nothing of the study, so readers may do it.
    "POST /api/v1/personas/{persona_id}/chat": Scoped(
        "read", body={"message": "Hello"}, probe_allowed=False
    ),
    "GET /api/v1/personas/{persona_id}/chat": Scoped("read"),
    # --- surveys
    "POST /api/v1/projects/{project_id}/surveys": Scoped("write", body={}),
    "GET /api/v1/projects/{project_id}/surveys": Scoped("read"),
    "POST /api/v1/projects/{project_id}/surveys/check": Scoped("read", body={}),
    "GET /api/v1/surveys/{survey_id}": Scoped("read"),
    "DELETE /api/v1/surveys/{survey_id}": Scoped("write", destructive=True),
    "POST /api/v1/surveys/{survey_id}/run": Scoped("write", probe_allowed=False),
    "GET /api/v1/surveys/{survey_id}/events": Scoped("read"),
    "GET /api/v1/surveys/{survey_id}/results": Scoped("read"),
    "GET /api/v1/surveys/{survey_id}/crosstabs": Scoped("read"),
    "GET /api/v1/surveys/{survey_id}/responses": Scoped("read"),
    "GET /api/v1/surveys/{survey_id}/export": Scoped("read"),
    # --- focus groups and their analysis
    "POST /api/v1/projects/{project_id}/focus-groups": Scoped("write", body={}),
    "GET /api/v1/projects/{project_id}/focus-groups": Scoped("read"),
    "GET /api/v1/focus-groups/{focus_group_id}": Scoped("read"),
    "PUT /api/v1/focus-groups/{focus_group_id}": Scoped("write", body={}),
    "DELETE /api/v1/focus-groups/{focus_group_id}": Scoped("write", destructive=True),
    "GET /api/v1/focus-groups/{focus_group_id}/estimate": Scoped("read"),
    "GET /api/v1/focus-groups/{focus_group_id}/stimulus-image": Scoped("read"),
    "POST /api/v1/focus-groups/{focus_group_id}/run": Scoped(
        "write", probe_allowed=False
    ),
    "POST /api/v1/focus-groups/{focus_group_id}/cancel": Scoped("write"),
    "GET /api/v1/focus-groups/{focus_group_id}/responses": Scoped("read"),
    "GET /api/v1/focus-groups/{focus_group_id}/events": Scoped("read"),
    "POST /api/v1/focus-groups/{focus_group_id}/ai-summary": Scoped(
        "write", probe_allowed=False
    ),
    "GET /api/v1/focus-groups/{focus_group_id}/ai-summary": Scoped("read"),
    "POST /api/v1/focus-groups/{focus_group_id}/analysis": Scoped(
        "write", probe_allowed=False
    ),
    "GET /api/v1/focus-groups/{focus_group_id}/analysis": Scoped("read"),
    "GET /api/v1/focus-groups/{focus_group_id}/sentiment": Scoped("read"),
    "GET /api/v1/focus-groups/{focus_group_id}/themes": Scoped("read"),
    "GET /api/v1/focus-groups/{focus_group_id}/concept-graph": Scoped("read"),
    # Adopting an insight changes the study's state.
    "PUT /api/v1/dashboard/insights/{focus_group_id}/{insight_index}": Scoped(
        "write",
        body={"adopted": True},
        unprobed="needs a run focus group with its summary",
    ),
    # --- exports: a report of what one may read
    "GET /api/v1/projects/{project_id}/export/{format}": Scoped(
        "read", probe_allowed=False
    ),
    "POST /api/v1/projects/{project_id}/exports": Scoped(
        "read", body={"format": "markdown"}, probe_allowed=False
    ),
    "GET /api/v1/exports/{export_id}": Scoped("read"),
    "GET /api/v1/exports/{export_id}/download": Scoped("read"),
    "GET /api/v1/export/personas/{persona_id}/{format}": Scoped("read"),
    "GET /api/v1/export/focus-groups/{focus_group_id}/{format}": Scoped("read"),
    "GET /api/v1/export/surveys/{survey_id}/{format}": Scoped("read"),
    # --- fidelity (synthetic vs real answers)
    "POST /api/v1/projects/{project_id}/fidelity": Scoped(
        "write", body={}, probe_allowed=False
    ),
    "GET /api/v1/projects/{project_id}/fidelity": Scoped("read"),
    "GET /api/v1/fidelity/runs/{run_id}": Scoped("read"),
    "POST /api/v1/projects/{project_id}/fidelity/studies": Scoped(
        "write",
        files={"file": ("study.csv", b"q1\n1\n", "text/csv")},
        probe_allowed=False,
    ),
    "GET /api/v1/projects/{project_id}/fidelity/studies": Scoped("read"),
    "GET /api/v1/fidelity/studies/{study_id}": Scoped("read"),
    "PUT /api/v1/fidelity/studies/{study_id}/mapping": Scoped("write", body={}),
}

# Path parameters that are not resource ids.
FIXED_PARAMS = {"format": "json", "insight_index": "0", "country": "pl"}


@dataclass
class World:
    callers: dict[str, dict[str, str]]
    ids: dict[str, str] = field(default_factory=dict)


async def _world(client: httpx.AsyncClient, database_url: str) -> World:
    callers = await accounts(client, *ROLES)
    set_role(database_url, callers["admin"]["id"], "admin")
    owner = headers(callers["owner"])
    team = await make_team(
        client,
        callers["owner"],
        {"member": callers["member"], "viewer": callers["viewer"]},
    )
    project = await client.post(
        "/api/v1/projects",
        json={"name": "Matrix", "team_id": team["id"], "target_sample_size": 3},
        headers=owner,
    )
    assert project.status_code == 201, project.text
    world = World(callers)
    pid = project.json()["id"]
    world.ids.update(project_id=pid, team_id=team["id"])

    generated = await client.post(
        f"/api/v1/projects/{pid}/personas/generate", json={"seed": 3}, headers=owner
    )
    assert generated.status_code == 202, generated.text
    job = await wait_job(client, generated.json()["job_id"], owner, within=120)
    assert job["status"] == "succeeded", job
    world.ids["job_id"] = job["id"]
    personas = (
        await client.get(f"/api/v1/projects/{pid}/personas", headers=owner)
    ).json()["items"]
    world.ids["persona_id"] = personas[0]["id"]

    uploaded = await client.post(
        f"/api/v1/projects/{pid}/documents",
        files={"file": ("brief.md", b"# Brief\nOat milk in cafes.", "text/markdown")},
        headers=owner,
    )
    assert uploaded.status_code in (201, 202), uploaded.text
    world.ids["document_id"] = uploaded.json()["document"]["id"]

    survey = await client.post(
        f"/api/v1/projects/{pid}/surveys",
        json={
            "title": "Matrix survey",
            "questions": [
                {
                    "id": "buy",
                    "type": "single-choice",
                    "title": "Would you buy it?",
                    "options": ["Yes", "No"],
                }
            ],
        },
        headers=owner,
    )
    assert survey.status_code == 201, survey.text
    world.ids["survey_id"] = survey.json()["id"]

    group = await client.post(
        f"/api/v1/projects/{pid}/focus-groups",
        json={
            "name": "Matrix group",
            "persona_ids": [p["id"] for p in personas],
            "questions": ["What do you think of oat milk?"],
        },
        headers=owner,
    )
    assert group.status_code == 201, group.text
    world.ids["focus_group_id"] = group.json()["id"]
    return world


@pytest.fixture(scope="module")
async def world(live_server: Any, database_url: str) -> AsyncIterator[World]:
    async with httpx.AsyncClient(base_url=live_server.url, timeout=60) as http:
        yield await _world(http, database_url)


def _routes(spec: dict[str, Any]) -> list[str]:
    return [
        f"{method.upper()} {path}"
        for path, operations in spec["paths"].items()
        if path.startswith("/api/")
        for method in operations
    ]


def _fill(path: str, ids: dict[str, str]) -> str | None:
    """The path with real ids; None when the world has no such resource."""
    filled = path
    while "{" in filled:
        name = filled[filled.index("{") + 1 : filled.index("}")]
        value = ids.get(name) or FIXED_PARAMS.get(name)
        if value is None:
            return None
        filled = filled.replace("{" + name + "}", value)
    return filled


async def _call(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    auth: dict[str, str],
    *,
    body: Any = None,
    files: Any = None,
) -> tuple[int, str]:
    """Status and error detail; streams are closed as soon as they answer."""
    kwargs: dict[str, Any] = {"headers": auth}
    if files is not None:
        kwargs["files"] = files
    elif body is not None:
        kwargs["json"] = body
    try:
        async with client.stream(method, url, **kwargs) as response:
            if response.headers.get("content-type", "").startswith("text/event-stream"):
                return response.status_code, ""
            raw = await response.aread()
    except httpx.TimeoutException:
        return 0, f"no answer within {client.timeout.read} s"
    detail = ""
    if response.status_code >= 400 and raw.startswith(b"{"):
        detail = str(httpx.Response(200, content=raw).json().get("detail", ""))
    return response.status_code, detail


async def test_every_route_is_classified(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    missing = [route for route in _routes(spec) if route not in MATRIX]
    assert not missing, (
        "routes without an access classification (add each to MATRIX in "
        f"tests/security/test_access_matrix.py and to docs/security.md): {missing}"
    )


async def test_anonymous_callers_are_refused(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    ids = {name: str(uuid.uuid4()) for name in ("user_id", "token_id", "team_id")}
    wrong = []
    for route in _routes(spec):
        kind = MATRIX.get(route)
        if kind is None or (isinstance(kind, Account) and kind.public):
            continue
        method, path = route.split(" ", 1)
        url = _fill(path, {**ids, **{n: str(uuid.uuid4()) for n in _params(path)}})
        assert url is not None
        status, _ = await _call(client, method, url, {})
        if status != 401:
            wrong.append(f"{route}: {status}")
    assert not wrong, (
        f"routes answering an anonymous caller with other than 401: {wrong}"
    )


def _params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


async def test_project_routes_follow_the_policy(live_server: Any, world: World) -> None:
    # A patient client: on a loaded machine a search or an export may take a
    # while, and a slow answer is not what this test is about.
    async with httpx.AsyncClient(base_url=live_server.url, timeout=180) as client:
        await _project_routes(client, world)


async def _project_routes(client: httpx.AsyncClient, world: World) -> None:
    spec = (await client.get("/openapi.json")).json()
    present = set(_routes(spec))
    scoped = {
        route: kind
        for route, kind in MATRIX.items()
        if isinstance(kind, Scoped) and route in present
    }
    wrong: list[str] = []
    unprobed: list[str] = []
    destructive: list[tuple[str, Scoped]] = []
    for route, kind in scoped.items():
        method, path = route.split(" ", 1)
        url = _fill(path, world.ids)
        if url is None or kind.unprobed:
            unprobed.append(route)
            continue
        if kind.destructive:
            destructive.append((route, kind))
        wrong += await _check_route(client, world, method, url, route, kind)
    wrong += await _check_query_scoped(client, world)
    wrong += await _destroy(client, world, destructive)
    assert not wrong, "\n".join(wrong)
    # Routes whose resource this file cannot create are not silently passed.
    assert set(unprobed) <= {
        "PUT /api/v1/dashboard/insights/{focus_group_id}/{insight_index}",
        "GET /api/v1/exports/{export_id}",
        "GET /api/v1/exports/{export_id}/download",
        "GET /api/v1/fidelity/runs/{run_id}",
        "GET /api/v1/fidelity/studies/{study_id}",
        "PUT /api/v1/fidelity/studies/{study_id}/mapping",
    }, unprobed


async def _check_route(
    client: httpx.AsyncClient,
    world: World,
    method: str,
    url: str,
    route: str,
    kind: Scoped,
) -> list[str]:
    wrong = []
    denied: dict[str, str] = {}
    for role in ROLES:
        allowed = role in HOLDS[kind.need]
        if allowed and (kind.destructive or not kind.probe_allowed):
            continue
        probe = allowed and method != "GET"
        status, detail = await _call(
            client,
            method,
            url + kind.query,
            headers(world.callers[role]),
            # Holders get a body the schema refuses: the 422 proves they were
            # let through without changing anything.
            body={"__access_probe__": True} if probe else kind.body,
            files=None if probe else kind.files,
        )
        if status == 0:
            wrong.append(f"{route}: {role}: {detail}")
        elif role == "outsider":
            denied[role] = detail
            if status != 404:
                wrong.append(f"{route}: outsider got {status}, expected 404")
        elif not allowed:
            if status != 403:
                wrong.append(f"{route}: {role} got {status}, expected 403")
        elif status in (401, 403) or (
            status == 404 and detail and detail == denied.get("outsider")
        ):
            wrong.append(f"{route}: {role} holds {kind.need} but got {status}")
    return wrong


async def _check_query_scoped(client: httpx.AsyncClient, world: World) -> list[str]:
    """Routes that take a project id in the query or body."""
    pid = world.ids["project_id"]
    wrong = []
    calls = [
        ("GET", f"/api/v1/jobs?project_id={pid}", None),
        ("GET", f"/api/v1/usage?project_id={pid}", None),
        (
            "POST",
            "/api/v1/estimates",
            {"flow": "surveys.answer", "calls": 1, "project_id": pid},
        ),
    ]
    for method, url, body in calls:
        for role in ROLES:
            status, _ = await _call(
                client, method, url, headers(world.callers[role]), body=body
            )
            expected_ok = role != "outsider"
            if expected_ok != (status == 200) or (not expected_ok and status != 404):
                wrong.append(f"{method} {url}: {role} got {status}")
    listed = await client.get(
        f"/api/v1/jobs?project_id={pid}", headers=headers(world.callers["member"])
    )
    if world.ids["job_id"] not in [j["id"] for j in listed.json()["items"]]:
        wrong.append("a team member does not see the project's jobs")
    return wrong


async def _destroy(
    client: httpx.AsyncClient, world: World, routes: list[tuple[str, Scoped]]
) -> list[str]:
    """Deleting things: a holder of the right succeeds (a member for write,
    the admin for the project), in an order that keeps the rest callable."""
    order = [
        "DELETE /api/v1/personas/{persona_id}",
        "POST /api/v1/personas/{persona_id}/restore",
        "DELETE /api/v1/surveys/{survey_id}",
        "DELETE /api/v1/focus-groups/{focus_group_id}",
        "DELETE /api/v1/projects/{project_id}/documents/{document_id}",
        "DELETE /api/v1/projects/{project_id}",
    ]
    known = dict(routes)
    wrong = [f"{r}: destructive but not in the order" for r in known if r not in order]
    for route in order:
        if route not in known:
            continue
        method, path = route.split(" ", 1)
        url = _fill(path, world.ids)
        assert url is not None
        role = "admin" if known[route].need == "admin" else "member"
        for attempt in range(20):
            status, detail = await _call(
                client, method, url, headers(world.callers[role])
            )
            # A document still being read in cannot be deleted mid-way.
            if status != 409 or attempt == 19:
                break
            await asyncio.sleep(0.25)
        if status >= 400:
            wrong.append(f"{route}: {role} got {status} ({detail})")
    return wrong


async def test_destructive_actions_are_audited(
    client: httpx.AsyncClient, world: World
) -> None:
    """Runs after the matrix (file order): the team's owner reads what the
    member and the admin deleted, with who and from where."""
    owner = headers(world.callers["owner"])
    log = await client.get(
        f"/api/v1/audit?team_id={world.ids['team_id']}&limit=200", headers=owner
    )
    assert log.status_code == 200, log.text
    entries = log.json()["items"]
    actions = {(e["action"], e["actor_email"]) for e in entries}
    member, admin = world.callers["member"]["email"], world.callers["admin"]["email"]
    assert {
        ("persona.delete", member),
        ("persona.restore", member),
        ("survey.delete", member),
        ("focus_group.delete", member),
        ("document.delete", member),
        ("project.delete", admin),
        ("team.member_add", world.callers["owner"]["email"]),
    } <= actions
    deleted = next(e for e in entries if e["action"] == "project.delete")
    assert deleted["project_id"] == world.ids["project_id"]
    assert deleted["client_ip"] == "127.0.0.1"
    assert deleted["user_agent"].startswith("python-httpx")
    assert deleted["details"] == {"name": "Matrix"}

    only_deletes = await client.get(
        f"/api/v1/audit?team_id={world.ids['team_id']}&action=project.delete",
        headers=owner,
    )
    assert [e["action"] for e in only_deletes.json()["items"]] == ["project.delete"]
    # A member is not a team owner: the log is closed to them.
    closed = await client.get("/api/v1/audit", headers=headers(world.callers["member"]))
    assert closed.status_code == 403
    assert "team owners" in closed.json()["detail"]
