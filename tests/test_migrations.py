from __future__ import annotations

import uuid

import psycopg
from alembic.script import ScriptDirectory

from sight import db
from sight.embedded_postgres import EmbeddedPostgres
from tests.conftest import create_database


def test_migrations_apply_from_empty_and_are_idempotent(
    pg_cluster: EmbeddedPostgres,
) -> None:
    url = create_database(pg_cluster, f"mig_{uuid.uuid4().hex[:8]}")
    db.upgrade(url)
    db.upgrade(url)  # a second run (every `sight serve` start) changes nothing
    head = ScriptDirectory.from_config(db.alembic_config(url)).get_current_head()
    assert db.current_revision(url) == head
    with psycopg.connect(url) as conn:
        tables = {
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname='public'"
            )
        }
        extensions = {r[0] for r in conn.execute("SELECT extname FROM pg_extension")}
    assert {
        "users",
        "jobs",
        "stream_events",
        "stream_progress",
        "refresh_tokens",
        "api_tokens",
        "procrastinate_jobs",
    } <= tables
    assert {"vector", "pg_trgm", "unaccent"} <= extensions


def test_models_match_the_migrations(pg_cluster: EmbeddedPostgres) -> None:
    """Autogenerate against the migrated schema finds nothing: no table or column
    exists in a model without a migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine

    from sight.models import metadata
    from sight.postgres import sqlalchemy_url

    url = create_database(pg_cluster, f"mig_{uuid.uuid4().hex[:8]}")
    db.upgrade(url)
    engine = create_engine(sqlalchemy_url(url))
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    ours = [d for d in diff if "procrastinate" not in repr(d)]
    assert ours == []


def test_heads_read_from_the_scripts_match_alembic() -> None:
    """`sight serve` compares the stored revision with heads read from the
    scripts' text (without importing them): the same answer as Alembic's."""
    script = ScriptDirectory.from_config(db.alembic_config("postgresql://x@/y"))
    assert db.head_revisions() == set(script.get_heads())


def test_upgrade_if_behind_runs_alembic_only_when_needed(
    pg_cluster: EmbeddedPostgres,
) -> None:
    url = create_database(pg_cluster, f"mig_{uuid.uuid4().hex[:8]}")
    assert db.stored_revisions(url) is None  # never migrated
    script = ScriptDirectory.from_config(db.alembic_config(url))
    head = script.get_current_head()
    assert head is not None
    previous = script.get_revision(head).down_revision
    assert isinstance(previous, str)
    db.upgrade(url, previous)  # one migration behind
    assert db.stored_revisions(url) == {previous}
    assert db.upgrade_if_behind(url) is True
    assert db.current_revision(url) == head
    assert db.upgrade_if_behind(url) is False  # at the head: one query, no Alembic
    assert db.current_revision(url) == head
    assert db.upgrade_if_behind(
        create_database(pg_cluster, f"mig_{uuid.uuid4().hex[:8]}")
    )
