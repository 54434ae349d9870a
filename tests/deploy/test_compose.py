"""deploy/docker-compose.yml (development) and docker-compose.prod.yml: validated
offline by the Compose binary (`config`), then the resolved model is checked
for the services, ports, start order and limits the stack promises."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.support import DEPLOY, REPO, run, tool

DEV = DEPLOY / "docker-compose.yml"
PROD = DEPLOY / "docker-compose.prod.yml"
PROD_SECRETS = {
    "POSTGRES_PASSWORD": "a-strong-postgres-password",
    "NEO4J_PASSWORD": "a-strong-neo4j-password",
    "SECRET_KEY": "0123456789abcdef" * 4,
}
LONG_RUNNING = ("postgres", "redis", "neo4j", "api", "frontend")
ONE_SHOT = ("migrate", "neo4j-init")
APP_SERVICES = ("migrate", "neo4j-init", "api", "worker")


def compose_env(**extra: str) -> dict[str, str]:
    """A clean environment: the developer's own variables must not leak in."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(REPO)}
    env.update(extra)
    return env


def compose(files: list[Path], *args: str, env: dict[str, str] | None = None) -> Any:
    argv = [tool("docker-compose")]
    for path in files:
        argv += ["-f", str(path)]
    return run(
        [*argv, *args],
        env=env or compose_env(),
        cwd=REPO,
    )


def model(files: list[Path], env: dict[str, str] | None = None) -> dict[str, Any]:
    result = compose(files, "config", "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


@pytest.fixture(scope="module")
def dev() -> dict[str, Any]:
    return model([DEV])


@pytest.fixture(scope="module")
def prod() -> dict[str, Any]:
    return model([DEV, PROD], env=compose_env(**PROD_SECRETS))


def test_dev_compose_validates_offline() -> None:
    result = compose([DEV], "config", "-q")
    assert result.returncode == 0, result.stderr


def test_prod_override_validates_with_its_secrets() -> None:
    result = compose([DEV, PROD], "config", "-q", env=compose_env(**PROD_SECRETS))
    assert result.returncode == 0, result.stderr


def test_prod_override_refuses_to_start_without_secrets() -> None:
    result = compose([DEV, PROD], "config", "-q")
    assert result.returncode != 0
    for name in PROD_SECRETS:
        assert name in result.stderr


@pytest.mark.parametrize(
    ("original", "broken"),
    [
        # depends_on a service that does not exist
        (
            "      migrate:\n        condition: service_completed_successfully\n",
            "      migrat:\n        condition: service_completed_successfully\n",
        ),
        # a key the Compose specification does not have
        ("    restart: unless-stopped\n", "    restart_policy: unless-stopped\n"),
        # a wrong type
        ('      - "127.0.0.1:8000:8000"\n', "      - {published: eighty}\n"),
    ],
    ids=["unknown-dependency", "unknown-key", "bad-port"],
)
def test_config_rejects_a_broken_file(
    tmp_path: Path, original: str, broken: str
) -> None:
    text = DEV.read_text()
    assert original in text
    copy = tmp_path / "deploy" / "docker-compose.yml"
    copy.parent.mkdir()
    copy.write_text(text.replace(original, broken, 1))
    result = compose([copy], "config", "-q")
    assert result.returncode != 0, f"config accepted a broken file ({broken!r})"


def test_an_unchanged_copy_validates(tmp_path: Path) -> None:
    # The control for test_config_rejects_a_broken_file: the copy's location
    # alone does not make config fail.
    copy = tmp_path / "deploy" / "docker-compose.yml"
    copy.parent.mkdir()
    copy.write_text(DEV.read_text())
    result = compose([copy], "config", "-q")
    assert result.returncode == 0, result.stderr


def published(service: dict[str, Any]) -> set[int]:
    return {int(port["published"]) for port in service.get("ports", [])}


def test_infrastructure_services(dev: dict[str, Any]) -> None:
    services = dev["services"]
    postgres = services["postgres"]
    assert postgres["image"].startswith("pgvector/pgvector:pg1")
    assert postgres["image"].split(":pg")[1] in {"16", "17"}
    assert published(postgres) == {5433}
    assert published(services["redis"]) == {6379}

    neo4j = services["neo4j"]
    assert neo4j["image"].startswith("neo4j:5.26")
    assert json.loads(neo4j["environment"]["NEO4J_PLUGINS"]) == [
        "apoc",
        "graph-data-science",
    ]
    assert published(neo4j) == {7474, 7687}
    # GDS and APOC procedures are refused unless unrestricted.
    unrestricted = neo4j["environment"]["NEO4J_dbms_security_procedures_unrestricted"]
    assert "apoc.*" in unrestricted
    assert "gds.*" in unrestricted


def test_ports_bind_to_loopback_only(dev: dict[str, Any]) -> None:
    for name, service in dev["services"].items():
        for port in service.get("ports", []):
            assert port.get("host_ip") == "127.0.0.1", f"{name} exposes {port}"


def test_application_services(dev: dict[str, Any]) -> None:
    services = dev["services"]
    assert services["migrate"]["command"] == ["sight", "db", "upgrade"]
    assert services["neo4j-init"]["command"] == ["sight", "init-graph"]
    assert services["worker"]["command"] == ["sight", "worker"]

    api = services["api"]
    assert api["command"][:2] == ["sight", "serve"]
    assert "--reload" in api["command"]
    assert published(api) == {8000}
    mounts = {(v["source"], v["target"]) for v in api["volumes"]}
    assert (str(REPO / "src"), "/app/src") in mounts, "hot reload needs the code"
    env = api["environment"]
    assert env["DATABASE_URL"].startswith("postgresql://")
    assert "@postgres:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    assert env["NEO4J_URI"] == "neo4j://neo4j:7687"

    frontend = services["frontend"]
    assert published(frontend) == {5173}
    assert "npm run dev" in " ".join(frontend["command"])
    # frontend/vite.config.ts proxies the API to this address.
    assert frontend["environment"]["SIGHT_API_URL"] == "http://api:8000"


def test_worker_can_be_scaled(dev: dict[str, Any]) -> None:
    worker = dev["services"]["worker"]
    assert "container_name" not in worker
    assert not worker.get("ports"), "a host port would clash at --scale worker=2"


def test_start_order(dev: dict[str, Any]) -> None:
    services = dev["services"]

    def condition(service: str, on: str) -> str:
        return str(services[service]["depends_on"][on]["condition"])

    assert condition("migrate", "postgres") == "service_healthy"
    assert condition("neo4j-init", "neo4j") == "service_healthy"
    assert condition("api", "migrate") == "service_completed_successfully"
    assert condition("api", "neo4j-init") == "service_completed_successfully"
    assert condition("api", "redis") == "service_healthy"
    assert condition("worker", "migrate") == "service_completed_successfully"
    assert condition("frontend", "api") == "service_healthy"
    for name in ONE_SHOT:
        assert services[name]["restart"] == "no"


def test_health_checks(dev: dict[str, Any]) -> None:
    for name in LONG_RUNNING:
        check = dev["services"][name].get("healthcheck")
        assert check, f"{name} has no health check"
        assert not check.get("disable")
        assert check["test"][0] in {"CMD", "CMD-SHELL"}
    assert "healthcheck.py" in " ".join(dev["services"]["api"]["healthcheck"]["test"])


def limits(service: dict[str, Any]) -> tuple[float, int]:
    limit = service["deploy"]["resources"]["limits"]
    return float(limit["cpus"]), int(limit["memory"])


def test_every_service_has_cpu_and_memory_limits(dev: dict[str, Any]) -> None:
    for name, service in dev["services"].items():
        cpus, memory = limits(service)
        assert 0 < cpus <= 2, name
        assert 0 < memory <= 4 * 1024**3, name


def test_build_files_exist(dev: dict[str, Any], prod: dict[str, Any]) -> None:
    for stack in (dev, prod):
        for service in stack["services"].values():
            if "build" in service:
                build = service["build"]
                assert (Path(build["context"]) / build["dockerfile"]).is_file()


def test_production_override(dev: dict[str, Any], prod: dict[str, Any]) -> None:
    services = prod["services"]
    assert "frontend" not in services, "the api serves the built SPA"
    for name in APP_SERVICES:
        service = services[name]
        assert service["build"]["dockerfile"] == "deploy/Dockerfile.cloudrun"
        assert not service.get("volumes"), f"{name} must run the image's code"
        assert service["environment"]["SIGHT_ENV"] == "production"
        assert service["environment"]["SECRET_KEY"] == PROD_SECRETS["SECRET_KEY"]
        assert "--reload" not in service["command"]
    for name in ("postgres", "redis", "neo4j"):
        assert not services[name].get("ports"), f"{name} is published in prod"
    for name, service in services.items():
        cpus, memory = limits(service)
        dev_cpus, dev_memory = limits(dev["services"][name])
        assert cpus >= dev_cpus, name
        assert memory >= dev_memory, name
    assert services["worker"]["deploy"]["replicas"] >= 2
