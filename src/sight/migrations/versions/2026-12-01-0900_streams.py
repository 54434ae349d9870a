"""Streams of jobs and resources: `stream_events` replaces `job_events`, plus
`stream_progress` (the highest progress per stream and stage).

Existing job events are kept (as streams of kind "job"). A trigger removes a
job's stream with the job, as the old foreign key's cascade did.

Revision ID: 5d1c0e7a9b21
Revises: 337a47b79149
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "5d1c0e7a9b21"
down_revision: str | None = "337a47b79149"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stream_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("stream_kind", sa.String(length=40), nullable=False),
        sa.Column("stream_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=50), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stream_events")),
    )
    op.create_index(
        op.f("ix_stream_events_stream_kind"),
        "stream_events",
        ["stream_kind", "stream_id", "id"],
        unique=False,
    )
    op.create_table(
        "stream_progress",
        sa.Column("stream_kind", sa.String(length=40), nullable=False),
        sa.Column("stream_id", sa.Uuid(), nullable=False),
        sa.Column("stage", sa.String(length=60), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "stream_kind", "stream_id", "stage", name=op.f("pk_stream_progress")
        ),
    )
    op.execute(
        "INSERT INTO stream_events (stream_kind, stream_id, type, data, created_at) "
        "SELECT 'job', job_id, type, data || jsonb_build_object('type', type), "
        "created_at FROM job_events ORDER BY id"
    )
    op.drop_index(op.f("ix_job_events_job_id"), table_name="job_events")
    op.drop_table("job_events")
    op.execute(
        """
        CREATE FUNCTION sight_delete_job_stream() RETURNS trigger AS $$
        BEGIN
          DELETE FROM stream_events
            WHERE stream_kind = 'job' AND stream_id = OLD.id;
          DELETE FROM stream_progress
            WHERE stream_kind = 'job' AND stream_id = OLD.id;
          RETURN OLD;
        END $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        "CREATE TRIGGER jobs_delete_stream AFTER DELETE ON jobs "
        "FOR EACH ROW EXECUTE FUNCTION sight_delete_job_stream()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER jobs_delete_stream ON jobs")
    op.execute("DROP FUNCTION sight_delete_job_stream()")
    op.create_table(
        "job_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=50), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
            name=op.f("fk_job_events_job_id_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_events")),
    )
    op.create_index(
        op.f("ix_job_events_job_id"), "job_events", ["job_id"], unique=False
    )
    op.execute(
        "INSERT INTO job_events (job_id, type, data, created_at) "
        "SELECT stream_id, type, data - 'type', created_at FROM stream_events "
        "WHERE stream_kind = 'job' AND stream_id IN (SELECT id FROM jobs) ORDER BY id"
    )
    op.drop_table("stream_progress")
    op.drop_index(op.f("ix_stream_events_stream_kind"), table_name="stream_events")
    op.drop_table("stream_events")
