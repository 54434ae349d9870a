"""Alembic environment: migrations run over a sync psycopg connection."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine, pool

from sight.models import metadata
from sight.postgres import sqlalchemy_url

config = context.config


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    # procrastinate's tables are created from its own SQL, not from our models.
    return not (name or "").startswith("procrastinate")


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL")
    if not url:
        raise RuntimeError("no database URL given to alembic")
    engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            compare_type=True,
            include_object=include_object,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported")
run_migrations_online()
