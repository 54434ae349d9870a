"""cloudbuild.yaml: schema, step graph (ids, order, waitFor, blocking steps), the
flags each step must pass, Cloud Build's substitution rules, and the deploy /
smoke / rollback shell steps run for real against a fake gcloud and a stand-in
service."""

from __future__ import annotations

import json
import os
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.support import (
    DEPLOY,
    REPO,
    healthy_routes,
    resolved_substitutions,
    run,
    stand_in_server,
    substitute,
    tool,
    write_executable,
)

CLOUDBUILD = REPO / "cloudbuild.yaml"
EXPECTED_ORDER = [
    "lint",
    "typecheck",
    "security",
    "unit-tests",
    "build",
    "push",
    "migrate",
    "deploy",
    "init-graph",
    "smoke-test",
    "rollback",
]
NON_BLOCKING = {"init-graph"}


@pytest.fixture(scope="module")
def build() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(CLOUDBUILD.read_text())
    return loaded


@pytest.fixture(scope="module")
def steps(build: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["id"]: step for step in build["steps"]}


@pytest.fixture(scope="module")
def values(build: dict[str, Any]) -> dict[str, str]:
    return resolved_substitutions(build)


def ancestors(steps: dict[str, dict[str, Any]], step_id: str) -> set[str]:
    """Steps that must succeed before step_id starts (Cloud Build semantics:
    no waitFor = every earlier step, ['-'] = none)."""
    order = list(steps)
    wait_for = steps[step_id].get("waitFor")
    if wait_for is None:
        direct = set(order[: order.index(step_id)])
    else:
        direct = {w for w in wait_for if w != "-"}
    result = set(direct)
    for parent in direct:
        result |= ancestors(steps, parent)
    return result


def args_of(step: dict[str, Any]) -> str:
    return " ".join(str(a) for a in step.get("args", []))


def test_schema(tmp_path: Path) -> None:
    checker = tool("check-jsonschema")
    result = run([checker, "--builtin-schema", "vendor.cloudbuild", str(CLOUDBUILD)])
    assert result.returncode == 0, result.stdout + result.stderr
    # and the schema does catch a misspelt field
    broken = tmp_path / "cloudbuild.yaml"
    broken.write_text(CLOUDBUILD.read_text().replace("waitFor:", "waitfor:", 1))
    result = run([checker, "--builtin-schema", "vendor.cloudbuild", str(broken)])
    assert result.returncode != 0


def test_step_ids_and_order(steps: dict[str, dict[str, Any]]) -> None:
    assert list(steps) == EXPECTED_ORDER


def test_wait_for_refers_to_earlier_steps(steps: dict[str, dict[str, Any]]) -> None:
    seen: set[str] = set()
    for step_id, step in steps.items():
        for dependency in step.get("waitFor", []):
            assert dependency == "-" or dependency in seen, (
                f"{step_id} waits for {dependency}, which is not an earlier step"
            )
        seen.add(step_id)


def test_checks_start_together(steps: dict[str, dict[str, Any]]) -> None:
    for step_id in ("lint", "typecheck", "security"):
        assert steps[step_id]["waitFor"] == ["-"]
    lint = args_of(steps["lint"])
    assert "ruff check src tests bench deploy" in lint
    # The rules come from pyproject.toml, which must keep these families.
    assert "--select" not in lint
    assert "--extend-select" not in lint, "would override pyproject's ignores"
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    selected = set(config["tool"]["ruff"]["lint"]["select"])
    assert {"E", "F", "W", "I", "N", "UP"} <= selected
    assert "mypy" in args_of(steps["typecheck"])
    assert "bandit" in args_of(steps["security"])
    for step in steps.values():
        if step.get("entrypoint") == "uv" and "run" in step["args"]:
            assert "--frozen" in step["args"], f"{step['id']} must use uv.lock as is"


def test_unit_tests_gate_the_image(steps: dict[str, dict[str, Any]]) -> None:
    tests = steps["unit-tests"]
    assert set(tests["waitFor"]) == {"lint", "typecheck", "security"}
    assert tests["timeout"] == "300s"
    arguments = args_of(tests)
    assert "pytest" in arguments
    fail_under = re.search(r"--cov-fail-under=(\d+)", arguments)
    assert fail_under
    assert int(fail_under.group(1)) >= 80
    for later in ("build", "push", "migrate", "deploy", "smoke-test"):
        assert {"unit-tests", "lint", "typecheck", "security"} <= ancestors(
            steps, later
        ), later


def test_blocking_steps(steps: dict[str, dict[str, Any]]) -> None:
    for step_id, step in steps.items():
        if step_id in NON_BLOCKING:
            assert step.get("allowFailure") is True
        else:
            assert not step.get("allowFailure"), f"{step_id} must block"
            assert "allowExitCodes" not in step, f"{step_id} must block"
    # nothing blocking waits for the non-blocking step
    for step_id in steps:
        if step_id not in NON_BLOCKING:
            assert not (ancestors(steps, step_id) & NON_BLOCKING), step_id


def test_build_uses_the_cache_and_tags_both(
    steps: dict[str, dict[str, Any]], build: dict[str, Any]
) -> None:
    script = args_of(steps["build"])
    assert "--cache-from ${_IMAGE}:latest" in script
    assert "--tag ${_IMAGE}:${COMMIT_SHA}" in script
    assert "--tag ${_IMAGE}:latest" in script
    assert "--file deploy/Dockerfile.cloudrun" in script
    assert steps["push"]["args"] == ["push", "--all-tags", "${_IMAGE}"]
    assert build["images"] == ["${_IMAGE}:${COMMIT_SHA}", "${_IMAGE}:latest"]


def test_migration_job(steps: dict[str, dict[str, Any]]) -> None:
    migrate = steps["migrate"]
    args = migrate["args"]
    assert args[:3] == ["run", "jobs", "deploy"]
    for flag in (
        "--image=${_IMAGE}:${COMMIT_SHA}",
        "--command=sight",
        "--args=db,upgrade",
        "--max-retries=2",
        "--task-timeout=300s",
        "--execute-now",
        "--wait",
    ):
        assert flag in args, flag
    assert "push" in ancestors(steps, "migrate")
    assert "migrate" in ancestors(steps, "deploy")


def test_deploy_flags(steps: dict[str, dict[str, Any]]) -> None:
    script = args_of(steps["deploy"])
    for flag in (
        "gcloud run deploy ${_SERVICE}",
        "--image=${_IMAGE}:${COMMIT_SHA}",
        "--memory=2Gi",
        "--cpu=2",
        "--cpu-boost",
        "--no-cpu-throttling",
        "--timeout=300",
        "--min-instances=0",
        "--max-instances=5",
        "--execution-environment=gen2",
        "--set-secrets=",
        "--add-cloudsql-instances=${_CLOUDSQL_INSTANCE}",
    ):
        assert flag in script, flag


def secret_names_in_setup_script() -> set[str]:
    text = (DEPLOY / "scripts" / "setup-gcp-secrets.sh").read_text()
    match = re.search(r"readonly SECRETS=\(([^)]*)\)", text)
    assert match
    return set(match.group(1).split())


def mapped_secrets(text: str) -> dict[str, str]:
    """ENV=SECRET:version pairs from --set-secrets flags and `secrets+=` lines."""
    return dict(re.findall(r"([A-Z][A-Z0-9_]*)=([A-Z][A-Z0-9_]*):latest", text))


def test_secrets_exist_in_the_setup_script(steps: dict[str, dict[str, Any]]) -> None:
    created = secret_names_in_setup_script()
    assert len(created) == 7
    service = mapped_secrets(args_of(steps["deploy"]))
    assert set(service) == {
        "DATABASE_URL",
        "REDIS_URL",
        "NEO4J_URI",
        "NEO4J_PASSWORD",
        "GOOGLE_API_KEY",
        "SECRET_KEY",
    }
    assert service["DATABASE_URL"] == "DATABASE_URL_CLOUD"
    for step_id in ("deploy", "migrate", "init-graph"):
        for secret in mapped_secrets(args_of(steps[step_id])).values():
            assert secret in created, f"{step_id} reads {secret}, never created"


def test_graph_init_job(steps: dict[str, dict[str, Any]]) -> None:
    args = steps["init-graph"]["args"]
    assert args[:3] == ["run", "jobs", "deploy"]
    assert "--args=init-graph" in args
    assert "--execute-now" in args


def test_smoke_then_rollback(steps: dict[str, dict[str, Any]]) -> None:
    assert "deploy" in ancestors(steps, "smoke-test")
    assert "sight.smoke" in args_of(steps["smoke-test"])
    assert steps["rollback"]["waitFor"] == ["smoke-test"]
    rollback = args_of(steps["rollback"])
    assert "update-traffic" in rollback
    assert "--to-revisions" in rollback


def test_substitutions_are_all_defined(build: dict[str, Any]) -> None:
    values = resolved_substitutions(build)
    for step in build["steps"]:
        for field in ("name", "args", "env", "entrypoint"):
            raw = step.get(field)
            texts = raw if isinstance(raw, list) else [raw] if raw else []
            for text in texts:
                substitute(str(text), values)  # raises on an unknown or bare $
    for image in build["images"]:
        substitute(image, values)
    for name in build["substitutions"]:
        assert name.startswith("_"), f"user substitutions start with _: {name}"


def test_substitute_rejects_mistakes() -> None:
    values = {"_SERVICE": "sight"}
    assert substitute("a $$b ${_SERVICE} $_SERVICE", values) == "a $b sight sight"
    with pytest.raises(KeyError):
        substitute("${_SERVCE}", values)
    with pytest.raises(KeyError):
        substitute('echo "$(date)"', values)


def bash_scripts(build: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (step["id"], step["args"][1])
        for step in build["steps"]
        if step.get("entrypoint") == "bash"
    ]


def test_shell_steps_pass_shellcheck(
    build: dict[str, Any], values: dict[str, str]
) -> None:
    shellcheck = tool("shellcheck")
    scripts = bash_scripts(build)
    assert {step_id for step_id, _ in scripts} >= {"deploy", "smoke-test", "rollback"}
    for step_id, script in scripts:
        result = run(
            [shellcheck, "--shell=bash", "-"], stdin=substitute(script, values)
        )
        assert result.returncode == 0, f"{step_id}:\n{result.stdout}"


def test_yamllint() -> None:
    result = run([tool("yamllint"), "--strict", str(CLOUDBUILD)])
    assert result.returncode == 0, result.stdout


# ---- the shell steps, executed ---------------------------------------------

FAKE_GCLOUD = """#!{python}
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps(args) + "\\n")
if args[:3] == ["run", "services", "describe"]:
    if any(a.startswith("--format=value(status.url)") for a in args):
        print(os.environ["FAKE_URL"])
    elif os.environ.get("FAKE_TRAFFIC"):
        traffic = json.loads(os.environ["FAKE_TRAFFIC"])
        print(json.dumps({{"status": {{"traffic": traffic}}}}))
    else:
        sys.exit(1)  # no such service yet
"""

# Stands in for `uv run --no-project --with ... -- CMD...`: runs CMD with this
# test's Python, which has httpx and sees src/ through PYTHONPATH.
FAKE_UV = """#!{python}
import os, sys
args = sys.argv[1:]
command = args[args.index("--") + 1:]
if command[0] == "python":
    command[0] = sys.executable
os.execv(command[0], command)
"""


class Pipeline:
    def __init__(self, tmp_path: Path, build: dict[str, Any], values: dict[str, str]):
        self.workspace = tmp_path / "workspace"
        self.workspace.mkdir()
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        write_executable(bin_dir / "gcloud", FAKE_GCLOUD.format(python=sys.executable))
        write_executable(bin_dir / "uv", FAKE_UV.format(python=sys.executable))
        self.log = tmp_path / "gcloud.log"
        self.log.touch()
        self.env = {
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "FAKE_LOG": str(self.log),
            "PYTHONPATH": str(REPO / "src"),
        }
        self.steps = {step["id"]: step for step in build["steps"]}
        self.values = values

    def run_step(self, step_id: str, **env: str) -> Any:
        script = substitute(self.steps[step_id]["args"][1], self.values)
        script = script.replace("/workspace/", f"{self.workspace}/")
        return run(["bash", "-c", script], env={**self.env, **env}, cwd=REPO)

    def gcloud_calls(self) -> list[list[str]]:
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def file(self, name: str) -> str:
        return (self.workspace / name).read_text().strip()


@pytest.fixture
def pipeline(tmp_path: Path, build: dict[str, Any], values: dict[str, str]) -> Pipeline:
    return Pipeline(tmp_path, build, values)


def test_deploy_records_the_serving_revision(pipeline: Pipeline) -> None:
    traffic = [
        {"revisionName": "sight-00007-old", "percent": 10},
        {"revisionName": "sight-00008-cur", "percent": 90},
    ]
    result = pipeline.run_step(
        "deploy", FAKE_TRAFFIC=json.dumps(traffic), FAKE_URL="https://sight.run.app"
    )
    assert result.returncode == 0, result.stderr
    assert pipeline.file("previous_revision") == "sight-00008-cur"
    assert pipeline.file("service_url") == "https://sight.run.app"
    calls = pipeline.gcloud_calls()
    deploys = [c for c in calls if c[:2] == ["run", "deploy"]]
    assert len(deploys) == 1
    deploy = deploys[0]
    secrets = next(a for a in deploy if a.startswith("--set-secrets="))
    assert "DATABASE_URL=DATABASE_URL_CLOUD:latest" in secrets
    assert f"--image={pipeline.values['_IMAGE']}:{pipeline.values['COMMIT_SHA']}" in (
        deploy
    )
    update = next(c for c in calls if "update-traffic" in c)
    assert update[:4] == ["run", "services", "update-traffic", "sight"]
    assert "--to-latest" in update, "a rollback's pin must not hold new revisions"


def test_first_deploy_has_no_previous_revision(pipeline: Pipeline) -> None:
    result = pipeline.run_step("deploy", FAKE_URL="https://sight.run.app")
    assert result.returncode == 0, result.stderr
    assert pipeline.file("previous_revision") == ""


def test_passing_smoke_keeps_the_new_revision(pipeline: Pipeline) -> None:
    (pipeline.workspace / "previous_revision").write_text("sight-00008-cur\n")
    with stand_in_server(healthy_routes()) as service:
        (pipeline.workspace / "service_url").write_text(service.url + "\n")
        smoke = pipeline.run_step("smoke-test")
    assert smoke.returncode == 0, smoke.stderr
    assert pipeline.file("smoke_result") == "passed"
    rollback = pipeline.run_step("rollback")
    assert rollback.returncode == 0
    assert pipeline.gcloud_calls() == []


def test_failing_smoke_rolls_traffic_back_and_fails(pipeline: Pipeline) -> None:
    (pipeline.workspace / "previous_revision").write_text("sight-00008-cur\n")
    routes = healthy_routes()
    routes["/"] = (200, "text/html", '<div id="root">no build</div>')
    with stand_in_server(routes) as service:
        (pipeline.workspace / "service_url").write_text(service.url + "\n")
        smoke = pipeline.run_step("smoke-test")
    # smoke-test records its verdict and lets rollback decide
    assert smoke.returncode == 0
    assert pipeline.file("smoke_result") == "failed"
    rollback = pipeline.run_step("rollback")
    assert rollback.returncode == 1
    assert "FAIL  spa" in rollback.stdout, "the failing step shows the report"
    update = [c for c in pipeline.gcloud_calls() if "update-traffic" in c]
    assert len(update) == 1
    assert "--to-revisions=sight-00008-cur=100" in update[0]


def test_failing_first_deploy_fails_without_rollback(pipeline: Pipeline) -> None:
    (pipeline.workspace / "previous_revision").write_text("\n")
    (pipeline.workspace / "smoke_result").write_text("failed\n")
    rollback = pipeline.run_step("rollback")
    assert rollback.returncode == 1
    assert pipeline.gcloud_calls() == []


def test_missing_verdict_counts_as_failure(pipeline: Pipeline) -> None:
    (pipeline.workspace / "previous_revision").write_text("sight-00008-cur\n")
    rollback = pipeline.run_step("rollback")
    assert rollback.returncode == 1
    assert any("update-traffic" in c for c in pipeline.gcloud_calls())
