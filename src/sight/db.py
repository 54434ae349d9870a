"""Schema migrations (Alembic), applied by `sight serve` on start and by
`sight db upgrade` (the production migration job).

Alembic itself (and the migration scripts it imports) costs about 0.3 s of a
start; `upgrade_if_behind` asks the database first and loads Alembic only when
the stored revision is not the head (issue 16)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

_REVISION = re.compile(r"^revision(?:\s*:[^=]*)?=\s*['\"](\w+)['\"]", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision(?:\s*:[^=]*)?=\s*(.+)$", re.MULTILINE)


def alembic_config(database_url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option(
        "file_template",
        "%%(year)d-%%(month).2d-%%(day).2d-%%(hour).2d%%(minute).2d_%%(slug)s",
    )
    # '%' must be doubled for configparser interpolation.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


def head_revisions() -> set[str]:
    """The heads of the migration scripts, read from their `revision` and
    `down_revision` lines without importing them (Alembic would import all)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        found = _REVISION.search(text)
        down = _DOWN_REVISION.search(text)
        if found is None or down is None:
            continue
        revisions.add(found.group(1))
        parents.update(re.findall(r"['\"](\w+)['\"]", down.group(1)))
    return revisions - parents


def stored_revisions(database_url: str) -> set[str] | None:
    """The revisions in `alembic_version`; None when the table does not exist
    (a database never migrated). One connection, one query."""
    import psycopg

    from sight.postgres import libpq_url

    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        exists = conn.execute("SELECT to_regclass('alembic_version')").fetchone()
        if exists is None or exists[0] is None:
            return None
        rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    return {row[0] for row in rows}


def upgrade_if_behind(database_url: str) -> bool:
    """`upgrade(url, "head")` unless the database is already at the head.
    Returns whether Alembic ran."""
    heads = head_revisions()
    if heads and stored_revisions(database_url) == heads:
        return False
    upgrade(database_url, "head")
    return True


def current_revision(database_url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine, pool

    from sight.postgres import sqlalchemy_url

    engine = create_engine(sqlalchemy_url(database_url), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
