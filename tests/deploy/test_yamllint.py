"""yamllint over every YAML file of the deployment (repository .yamllint)."""

from __future__ import annotations

from pathlib import Path

from tests.deploy.support import DEPLOY, REPO, run, tool

FILES = [
    REPO / "cloudbuild.yaml",
    REPO / ".hadolint.yaml",
    REPO / ".yamllint",
    *sorted(DEPLOY.rglob("*.yml")),
    *sorted(DEPLOY.rglob("*.yaml")),
]


def yamllint(*paths: Path) -> tuple[int, str]:
    config = REPO / ".yamllint"
    result = run([tool("yamllint"), "--strict", "-c", str(config), *map(str, paths)])
    return result.returncode, result.stdout + result.stderr


def test_deployment_yaml_is_clean() -> None:
    assert len(FILES) >= 6
    code, output = yamllint(*FILES)
    assert code == 0, output


def test_yamllint_catches_duplicate_keys(tmp_path: Path) -> None:
    # A duplicated key silently drops the first value in compose and Cloud Build.
    bad = tmp_path / "compose.yml"
    bad.write_text("services:\n  api:\n    image: a\n    image: b\n")
    code, output = yamllint(bad)
    assert code != 0
    assert "key-duplicates" in output
