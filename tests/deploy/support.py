"""Helpers shared by the deployment tests: locating the linters, parsing
Dockerfiles, a configurable stand-in HTTP server, and Cloud Build substitution."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def tool(name: str) -> str:
    """Path of a dev tool; in CI a missing tool fails the test instead of skipping."""
    for directory in (Path(sys.executable).parent, REPO / ".venv" / "bin"):
        candidate = directory / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    message = f"{name} is not installed (a dev dependency: uv sync)"
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


def run(
    argv: list[str],
    *,
    cwd: Path = REPO,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# ---- Dockerfiles ----------------------------------------------------------


@dataclass
class Instruction:
    keyword: str
    args: str
    line: int


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def text(self, keyword: str) -> str:
        return "\n".join(i.args for i in self.all(keyword))


def parse_dockerfile(path: Path) -> list[Stage]:
    """Stages with their instructions (continuations joined, comments dropped)."""
    stages: list[Stage] = []
    pending = ""
    start = 0
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        line = pending + stripped
        pending = ""
        keyword, _, args = line.partition(" ")
        instruction = Instruction(keyword.upper(), args.strip(), start)
        if instruction.keyword == "FROM":
            match = re.match(r"(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", args, re.I)
            assert match, f"{path}:{start}: cannot parse FROM"
            stages.append(Stage(match.group(1), match.group(2)))
        elif stages:
            stages[-1].instructions.append(instruction)
    return stages


# ---- stand-in HTTP server ---------------------------------------------------

Route = tuple[int, str, str]  # status, content type, body


@dataclass
class StandIn:
    """A small HTTP server whose answers a test sets per path."""

    routes: dict[str, Route]
    delays: dict[str, float] = field(default_factory=dict)
    url: str = ""

    def set_json(self, path: str, body: object, status: int = 200) -> None:
        self.routes[path] = json_route(body, status)


@contextmanager
def stand_in_server(routes: dict[str, Route]) -> Iterator[StandIn]:
    import time

    state = StandIn(routes=dict(routes))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            delay = state.delays.get(path, 0.0)
            if delay:
                time.sleep(delay)
            status, content_type, body = state.routes.get(
                path, (404, "application/json", '{"detail": "Not Found"}')
            )
            payload = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


INDEX_HTML = (
    '<!doctype html><html><head><script type="module" crossorigin '
    'src="/assets/index-abc123.js"></script></head>'
    '<body><div id="root"></div></body></html>'
)


def healthy_routes() -> dict[str, Route]:
    """What a correctly deployed Sight answers, per the service contract."""
    ok = {"status": "ok", "latency_ms": 1.5, "detail": None}
    not_configured = {"status": "not_configured", "latency_ms": None, "detail": None}
    html = "text/html; charset=utf-8"
    return {
        "/health": json_route({"status": "healthy", "checks": {"postgres": ok}}),
        "/startup": json_route(
            {
                "ready": True,
                "dependencies": {"postgres": ok, "redis": ok, "neo4j": not_configured},
            }
        ),
        "/openapi.json": json_route(
            {"openapi": "3.1.0", "info": {"title": "Sight"}, "paths": {"/health": {}}}
        ),
        "/docs": (200, html, '<html><div id="swagger-ui"></div></html>'),
        "/": (200, html, INDEX_HTML),
        "/assets/index-abc123.js": (200, "text/javascript", "console.log(1)"),
    }


def json_route(body: object, status: int = 200) -> Route:
    return (status, "application/json", json.dumps(body))


# ---- Cloud Build ------------------------------------------------------------

BUILTIN_SUBSTITUTIONS = {
    "PROJECT_ID": "test-project",
    "PROJECT_NUMBER": "123456789",
    "BUILD_ID": "build-1",
    "LOCATION": "europe-central2",
    "COMMIT_SHA": "0123456789abcdef0123456789abcdef01234567",
    "SHORT_SHA": "0123456",
    "REVISION_ID": "0123456789abcdef0123456789abcdef01234567",
    "REPO_NAME": "sight",
    "REPO_FULL_NAME": "org/sight",
    "BRANCH_NAME": "main",
    "TAG_NAME": "",
    "TRIGGER_NAME": "sight-main",
    "TRIGGER_BUILD_CONFIG_PATH": "cloudbuild.yaml",
    "SERVICE_ACCOUNT_EMAIL": "builder@test-project.iam.gserviceaccount.com",
    "SERVICE_ACCOUNT": "projects/test-project/serviceAccounts/builder",
}

SUBSTITUTION = re.compile(
    r"\$\$|\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)\}|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)|\$"
)


def substitute(text: str, values: dict[str, str]) -> str:
    """Apply Cloud Build's substitution rules: $$ is a literal $, $NAME and
    ${NAME} must be known, and any other $ is an error (Cloud Build rejects it)."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "$$":
            return "$"
        name = match.group("braced") or match.group("bare")
        if name is None:
            context = text[match.start() : match.start() + 30]
            raise KeyError(f"bare '$' (write $$ in shell code) near {context!r}")
        if name not in values:
            raise KeyError(f"unknown substitution {name}")
        return values[name]

    return SUBSTITUTION.sub(replace, text)


def resolved_substitutions(build: dict[str, object]) -> dict[str, str]:
    """Built-ins plus the file's defaults, with dynamic substitutions expanded."""
    values = dict(BUILTIN_SUBSTITUTIONS)
    defined = build.get("substitutions") or {}
    assert isinstance(defined, dict)
    pending = {str(k): str(v) for k, v in defined.items()}
    for _ in range(len(pending) + 1):
        for name, raw in list(pending.items()):
            try:
                values[name] = substitute(raw, values)
            except KeyError:
                continue
            del pending[name]
    assert not pending, f"substitutions that never resolve: {sorted(pending)}"
    return values


def write_executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o755)
    return path
