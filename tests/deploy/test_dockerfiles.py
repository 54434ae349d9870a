"""deploy/Dockerfile.cloudrun and Dockerfile.dev: hadolint, and the properties the
production image must have (multi-stage, non-root, health check, $PORT, nothing
fetched at start), checked without a Docker engine."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

import pytest

from tests.deploy.support import DEPLOY, REPO, Stage, parse_dockerfile, run, tool

CLOUDRUN = DEPLOY / "Dockerfile.cloudrun"
DEV = DEPLOY / "Dockerfile.dev"
HADOLINT_CONFIG = REPO / ".hadolint.yaml"


def hadolint(path: Path) -> tuple[int, str]:
    result = run([tool("hadolint"), "--config", str(HADOLINT_CONFIG), str(path)])
    return result.returncode, result.stdout + result.stderr


@pytest.mark.parametrize("dockerfile", [CLOUDRUN, DEV], ids=lambda p: p.name)
def test_hadolint_passes(dockerfile: Path) -> None:
    code, output = hadolint(dockerfile)
    assert code == 0, output


def test_hadolint_fails_a_bad_dockerfile(tmp_path: Path) -> None:
    # Proves the linter runs with our config and fails (not just warns): an
    # unpinned base image, `cd` in RUN and an untrusted registry.
    bad = tmp_path / "Dockerfile"
    bad.write_text(
        "FROM python:latest\n"
        "RUN cd /tmp && pip install httpx\n"
        "FROM quay.io/example/image:1.0\n"
    )
    code, output = hadolint(bad)
    assert code != 0
    for rule in ("DL3007", "DL3003", "DL3026"):
        assert rule in output


def test_every_hadolint_ignore_is_justified() -> None:
    for dockerfile in (CLOUDRUN, DEV):
        lines = dockerfile.read_text().splitlines()
        for number, line in enumerate(lines):
            if "hadolint ignore=" in line:
                previous = lines[number - 1].strip() if number else ""
                where = f"{dockerfile.name}:{number + 1}"
                assert previous.startswith("#"), f"{where}: explain the ignore above"
                assert len(previous.split()) >= 4, f"{where}: explain the ignore"
    config = HADOLINT_CONFIG.read_text()
    assert "ignored:" not in config or all(
        "#" in line
        for line in config.splitlines()
        if line.strip().startswith("- DL") or line.strip().startswith("- SC")
    )


@pytest.fixture(scope="module")
def cloudrun() -> list[Stage]:
    return parse_dockerfile(CLOUDRUN)


def stage(stages: list[Stage], name: str) -> Stage:
    matches = [s for s in stages if s.name == name]
    assert matches, f"no stage named {name}"
    return matches[0]


def test_frontend_stage_builds_the_spa_with_node(cloudrun: list[Stage]) -> None:
    frontend = stage(cloudrun, "frontend")
    assert frontend.base.startswith("node:")
    commands = frontend.text("RUN")
    assert "npm ci" in commands
    assert "npm run build" in commands
    # The build must land where the Python package picks it up.
    assert "src/sight/static/index.html" in commands


def test_python_stage_installs_from_the_lock_file(cloudrun: list[Stage]) -> None:
    build = stage(cloudrun, "python-build")
    commands = build.text("RUN")
    syncs = [line for line in commands.splitlines() if "uv sync" in line]
    assert syncs
    for sync in syncs:
        assert "--frozen" in sync, "the lock must be used as is, never re-resolved"
        assert "--no-dev" in sync, "no test or lint tools in the production image"
    assert "--no-editable" in commands
    copies = build.text("COPY")
    assert "uv.lock" in copies
    assert "--from=frontend" in copies
    assert "src/sight/static" in copies


def test_runtime_stage_is_slim_non_root_and_serves_on_port(
    cloudrun: list[Stage],
) -> None:
    runtime = cloudrun[-1]
    assert runtime.name == "runtime"
    assert runtime.base.startswith("python:")
    assert "slim" in runtime.base
    copies = runtime.text("COPY")
    assert "--from=python-build /opt/venv" in copies
    assert "--from=frontend" not in copies, "no Node artefacts in the runtime"

    users = runtime.all("USER")
    assert users, "the runtime must not run as root"
    user = users[-1].args.split(":")[0]
    assert user not in {"root", "0"}
    assert user.isdigit(), "a numeric uid lets platforms verify runAsNonRoot"

    healthcheck = runtime.text("HEALTHCHECK")
    assert "healthcheck.py" in healthcheck
    assert '"/health"' in (DEPLOY / "scripts" / "healthcheck.py").read_text()

    cmd = runtime.text("CMD")
    assert "sight serve" in cmd
    assert "--host 0.0.0.0" in cmd
    assert "${PORT}" in cmd
    assert "--reload" not in cmd
    assert "exec sight" in cmd, "uvicorn must be PID 1 to receive SIGTERM"
    assert re.search(r"SIGHT_ENV=production", runtime.text("ENV"))


def test_nothing_is_downloaded_outside_package_managers(
    cloudrun: list[Stage],
) -> None:
    # Models and data ship inside wheels; a curl/wget in the image build or a
    # download in the start command would break offline builds and cold starts.
    for each in cloudrun:
        for instruction in each.instructions:
            if instruction.keyword in {"RUN", "CMD", "ENTRYPOINT", "HEALTHCHECK"}:
                text = instruction.args
                assert not re.search(r"\b(curl|wget|huggingface|hf_hub)\b", text), (
                    f"line {instruction.line}: {text}"
                )
            if instruction.keyword == "ADD":
                pytest.fail(f"line {instruction.line}: use COPY, not ADD")


def test_dev_image_reloads_and_runs_as_a_user() -> None:
    stages = parse_dockerfile(DEV)
    final = stages[-1]
    cmd = final.text("CMD")
    assert "--reload" in cmd
    assert '"--host", "0.0.0.0"' in cmd
    users = final.all("USER")
    assert users
    assert users[-1].args.split(":")[0] not in {"root", "0"}
    syncs = [
        line for line in final.text("RUN").splitlines() if "uv sync --frozen" in line
    ]
    assert syncs
    assert not any("--no-dev" in s for s in syncs), "dev image carries test tools"
    assert "UV_PROJECT_ENVIRONMENT=/opt/venv" in final.text("ENV"), (
        "the venv must live outside the bind-mounted /app"
    )


def dockerignore_patterns() -> list[str]:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    return [
        line.strip()
        for line in lines
        if line.strip() and not line.strip().startswith("#")
    ]


def ignored(path: str, patterns: list[str]) -> bool:
    result = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        variants = {pattern, pattern.removeprefix("**/")}
        hit = any(
            fnmatch.fnmatch(path, v) or path.startswith(v + "/") for v in variants
        )
        if not hit and pattern.startswith("**/"):
            tail = pattern.removeprefix("**/")
            hit = any(fnmatch.fnmatch(part, tail) for part in Path(path).parts)
        if hit:
            result = not negate
    return result


def test_dockerignore_keeps_local_state_out() -> None:
    patterns = dockerignore_patterns()
    for path in (
        ".git",
        ".venv",
        ".env",
        "frontend/node_modules",
        "src/sight/static",
        "src/sight/__pycache__",
    ):
        assert ignored(path, patterns), f"{path} would be sent to the build"


@pytest.mark.parametrize("dockerfile", [CLOUDRUN, DEV], ids=lambda p: p.name)
def test_copied_sources_exist_and_are_not_ignored(dockerfile: Path) -> None:
    patterns = dockerignore_patterns()
    for each in parse_dockerfile(dockerfile):
        for copy in each.all("COPY"):
            words = [w for w in copy.args.split() if not w.startswith("--")]
            if "--from=" in copy.args:
                continue
            for source in words[:-1]:
                source = source.rstrip("/")
                assert (REPO / source).exists(), f"{dockerfile.name}: {source} missing"
                assert not ignored(source, patterns), (
                    f"{dockerfile.name}: {source} is excluded by .dockerignore"
                )
