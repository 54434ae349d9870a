"""docs/deployment.md: every repository path it names exists, and it covers the
topics operators come to it for."""

from __future__ import annotations

import re

from tests.deploy.support import REPO

DOC = REPO / "docs" / "deployment.md"


def test_named_paths_exist() -> None:
    text = DOC.read_text()
    paths = set(
        re.findall(
            r"`((?:deploy|bench|docs|tests/deploy|src/sight)/[\w./-]+|cloudbuild\.yaml)`",
            text,
        )
    )
    assert len(paths) > 10
    for path in sorted(paths):
        assert (REPO / path).exists() or (REPO / "tests" / "deploy" / path).exists(), (
            path
        )


def test_test_files_named_in_the_table_exist() -> None:
    text = DOC.read_text()
    for name in re.findall(r"`(test_[a-z_]+\.py)`", text):
        assert (REPO / "tests" / "deploy" / name).is_file(), name


def test_covers_the_operator_topics() -> None:
    text = DOC.read_text()
    for heading in (
        "## Local development with docker compose",
        "## Cloud Run from zero",
        "## Scaling",
        "## Monitoring",
        "## Troubleshooting",
        "### Startup timeout",
        "### Database connection",
        "### Neo4j URI scheme: neo4j:// vs neo4j+s://",
        "### Missing frontend",
        "### Slow LLM",
    ):
        assert heading in text, heading
    for topic in ("Cloud SQL", "AuraDB", "Upstash", "setup-gcp-secrets.sh", "trigger"):
        assert topic in text, topic
