"""deploy/scripts/setup-gcp-secrets.sh: shellcheck, --dry-run (prints, calls
nothing, leaks nothing), and real runs against a fake gcloud that keeps Secret
Manager's state in files: creation, idempotence, updates, IAM, refusals."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from tests.deploy.support import DEPLOY, run, tool, write_executable

SCRIPT = DEPLOY / "scripts" / "setup-gcp-secrets.sh"
PROJECT = "sight-test-project"
SERVICE_ACCOUNT = f"sight-run@{PROJECT}.iam.gserviceaccount.com"
SECRETS = (
    "GOOGLE_API_KEY",
    "NEO4J_URI",
    "NEO4J_PASSWORD",
    "REDIS_URL",
    "DATABASE_URL_CLOUD",
    "POSTGRES_PASSWORD",
    "SECRET_KEY",
)
VALUES = {
    "GOOGLE_API_KEY": "AIzaFAKE-google-key-4242",
    "NEO4J_URI": "neo4j+s://abcd1234.databases.neo4j.io",
    "NEO4J_PASSWORD": "neo4j-secret-pw-4242",
    "REDIS_URL": "rediss://default:upstash-token-4242@eu1-fake.upstash.io:6379",
    "POSTGRES_PASSWORD": "pg p@ss/wörd?4242",
}

# Secret Manager in a directory: <state>/<NAME>/<n> holds version n.
FAKE_GCLOUD = """#!{python}
import json, os, sys
from pathlib import Path
state = Path(os.environ["FAKE_STATE"])
args = [a for a in sys.argv[1:] if not a.startswith("--project=") and a != "--quiet"]
stdin = sys.stdin.read() if "--data-file=-" in args else None
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps({{"args": args, "stdin": stdin}}) + "\\n")

def versions(name):
    d = state / name
    return sorted((int(p.name) for p in d.iterdir()), key=int) if d.is_dir() else []

def flag(name):
    return next(a.split("=", 1)[1] for a in args if a.startswith(name + "="))

if args[:2] == ["services", "enable"]:
    sys.exit(0)
if args[:2] == ["secrets", "describe"]:
    sys.exit(0 if versions(args[2]) else 1)
if args[:2] == ["secrets", "create"]:
    if versions(args[2]):
        sys.exit("already exists")
    (state / args[2]).mkdir(parents=True)
    (state / args[2] / "1").write_text(stdin)
    sys.exit(0)
if args[:3] == ["secrets", "versions", "add"]:
    n = versions(args[3])
    if not n:
        sys.exit("NOT_FOUND")
    (state / args[3] / str(n[-1] + 1)).write_text(stdin)
    sys.exit(0)
if args[:4] == ["secrets", "versions", "access", "latest"]:
    name = flag("--secret")
    n = versions(name)
    if not n:
        sys.exit("NOT_FOUND")
    sys.stdout.write((state / name / str(n[-1])).read_text())
    sys.exit(0)
if args[:2] == ["secrets", "add-iam-policy-binding"]:
    if not versions(args[2]):
        sys.exit("NOT_FOUND")
    with open(state / "iam.jsonl", "a") as f:
        f.write(json.dumps([args[2], flag("--member"), flag("--role")]) + "\\n")
    sys.exit(0)
sys.exit("fake gcloud: unexpected command " + " ".join(args))
"""


class FakeCloud:
    def __init__(self, root: Path) -> None:
        self.state = root / "state"
        self.state.mkdir()
        bin_dir = root / "bin"
        bin_dir.mkdir()
        write_executable(bin_dir / "gcloud", FAKE_GCLOUD.format(python=sys.executable))
        self.log = root / "gcloud.log"
        self.log.touch()
        self.path = f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}"

    def run(self, *args: str, **values: str) -> Any:
        env = {
            "PATH": self.path,
            "FAKE_STATE": str(self.state),
            "FAKE_LOG": str(self.log),
            "HOME": str(self.state.parent),
            **values,
        }
        return run(["bash", str(SCRIPT), "--project", PROJECT, *args], env=env)

    def calls(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def value(self, name: str) -> str:
        versions = sorted(int(p.name) for p in (self.state / name).iterdir())
        return (self.state / name / str(versions[-1])).read_text()

    def version_count(self, name: str) -> int:
        return len(list((self.state / name).iterdir()))

    def bindings(self) -> list[list[str]]:
        path = self.state / "iam.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture
def cloud(tmp_path: Path) -> FakeCloud:
    return FakeCloud(tmp_path)


def test_shellcheck_clean() -> None:
    result = run([tool("shellcheck"), "--severity=style", str(SCRIPT)])
    assert result.returncode == 0, result.stdout


def test_shellcheck_catches_a_broken_script(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sh"
    bad.write_text(
        "#!/usr/bin/env bash\nrm -rf $1/*\nfor f in $(ls); do echo $f; done\n"
    )
    result = run([tool("shellcheck"), str(bad)])
    assert result.returncode != 0
    assert "SC2086" in result.stdout


def test_dry_run_prints_every_command_and_calls_nothing(cloud: FakeCloud) -> None:
    result = cloud.run("--dry-run", **VALUES)
    assert result.returncode == 0, result.stderr
    assert cloud.calls() == [], "--dry-run must not call gcloud"
    out = result.stdout
    assert (
        f"gcloud services enable secretmanager.googleapis.com --project={PROJECT}"
        in (out)
    )
    for name in SECRETS:
        assert re.search(rf"^\+ .*gcloud secrets create {name} ", out, re.M), name
        assert re.search(
            rf"^\+ gcloud secrets add-iam-policy-binding {name} "
            rf"--member=serviceAccount:{re.escape(SERVICE_ACCOUNT)} "
            r"--role=roles/secretmanager.secretAccessor",
            out,
            re.M,
        ), name
    for value in VALUES.values():
        assert value not in out + result.stderr, "a secret value was printed"
    assert "4242" not in out


def test_dry_run_without_values_explains_what_it_would_keep(cloud: FakeCloud) -> None:
    result = cloud.run("--dry-run")
    assert result.returncode == 0, result.stderr
    assert cloud.calls() == []
    assert "GOOGLE_API_KEY: no value given" in result.stdout
    assert "SECRET_KEY: generated (openssl rand -hex 32)" in result.stdout


def test_first_run_creates_the_seven_secrets(cloud: FakeCloud) -> None:
    result = cloud.run(**VALUES)
    assert result.returncode == 0, result.stderr
    for name in ("GOOGLE_API_KEY", "NEO4J_URI", "NEO4J_PASSWORD", "REDIS_URL"):
        assert cloud.value(name) == VALUES[name]
    assert cloud.value("POSTGRES_PASSWORD") == VALUES["POSTGRES_PASSWORD"]
    assert re.fullmatch(r"[0-9a-f]{64}", cloud.value("SECRET_KEY"))

    url = cloud.value("DATABASE_URL_CLOUD")
    parts = urlsplit(url)
    assert parts.scheme == "postgresql"
    assert unquote(parts.username or "") == "sight"
    assert unquote(parts.password or "") == VALUES["POSTGRES_PASSWORD"]
    assert parts.hostname is None, "a unix socket, not a TCP host"
    assert parts.path == "/sight"
    assert parts.query == f"host=/cloudsql/{PROJECT}:europe-central2:sight"

    granted = {(secret, member, role) for secret, member, role in cloud.bindings()}
    for name in SECRETS:
        assert (
            name,
            f"serviceAccount:{SERVICE_ACCOUNT}",
            "roles/secretmanager.secretAccessor",
        ) in granted
    # values travel on stdin, never in argv
    for call in cloud.calls():
        for value in VALUES.values():
            assert value not in " ".join(call["args"])
    for value in VALUES.values():
        assert value not in result.stdout + result.stderr


def test_second_run_changes_nothing(cloud: FakeCloud) -> None:
    assert cloud.run(**VALUES).returncode == 0
    secret_key = cloud.value("SECRET_KEY")
    again = cloud.run(**VALUES)
    assert again.returncode == 0, again.stderr
    for name in SECRETS:
        assert cloud.version_count(name) == 1, f"{name} got a new version"
    assert cloud.value("SECRET_KEY") == secret_key, "SECRET_KEY must not rotate"
    # and with no values at all, everything is kept
    bare = cloud.run()
    assert bare.returncode == 0, bare.stderr
    assert all(cloud.version_count(name) == 1 for name in SECRETS)


def test_changed_values_get_new_versions(cloud: FakeCloud) -> None:
    assert cloud.run(**VALUES).returncode == 0
    changed = {**VALUES, "REDIS_URL": "rediss://default:new@eu1.upstash.io:6379"}
    assert cloud.run(**changed).returncode == 0
    assert cloud.version_count("REDIS_URL") == 2
    assert cloud.value("REDIS_URL") == changed["REDIS_URL"]
    assert cloud.version_count("GOOGLE_API_KEY") == 1

    # a new database password also rewrites the connection URL
    assert cloud.run(POSTGRES_PASSWORD="second-password").returncode == 0
    assert cloud.version_count("POSTGRES_PASSWORD") == 2
    assert cloud.version_count("DATABASE_URL_CLOUD") == 2
    assert ":second-password@/" in cloud.value("DATABASE_URL_CLOUD")


def test_options_shape_the_connection_url(cloud: FakeCloud) -> None:
    result = cloud.run(
        "--region",
        "us-central1",
        "--instance",
        "prod-db",
        "--db-user",
        "app",
        "--db-name",
        "research",
        "--service-account",
        f"other@{PROJECT}.iam.gserviceaccount.com",
        **VALUES,
    )
    assert result.returncode == 0, result.stderr
    url = cloud.value("DATABASE_URL_CLOUD")
    assert url.startswith("postgresql://app:")
    assert url.endswith(f"@/research?host=/cloudsql/{PROJECT}:us-central1:prod-db")
    assert {member for _, member, _ in cloud.bindings()} == {
        f"serviceAccount:other@{PROJECT}.iam.gserviceaccount.com"
    }


def test_missing_values_for_new_secrets_are_refused(cloud: FakeCloud) -> None:
    partial = {k: v for k, v in VALUES.items() if k != "NEO4J_PASSWORD"}
    result = cloud.run(**partial)
    assert result.returncode != 0
    assert "NEO4J_PASSWORD" in result.stderr
    assert not any(c["args"][:2] == ["secrets", "create"] for c in cloud.calls())


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("NEO4J_URI", "https://abcd1234.databases.neo4j.io"),
        ("REDIS_URL", "upstash.io:6379"),
        ("SECRET_KEY", "too-short"),
    ],
)
def test_malformed_values_are_refused(cloud: FakeCloud, name: str, value: str) -> None:
    result = cloud.run(**{**VALUES, name: value})
    assert result.returncode != 0
    assert name in result.stderr
    assert not any(c["args"][:2] == ["secrets", "create"] for c in cloud.calls())


def test_project_is_required(cloud: FakeCloud) -> None:
    result = run(["bash", str(SCRIPT), "--dry-run"], env={"PATH": cloud.path})
    assert result.returncode != 0
    assert "--project" in result.stderr
