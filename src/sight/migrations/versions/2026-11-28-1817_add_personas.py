"""Personas (one per job slot) and the PostgreSQL cache of segment briefs.

Revision ID: 8ab7480f433c
Revises: 976f42d16418
Create Date: 2026-11-28 18:17:00.330716
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "8ab7480f433c"
down_revision: str | None = "976f42d16418"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "segment_briefs",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("brief", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_segment_briefs_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_segment_briefs")),
    )
    op.create_index(
        op.f("ix_segment_briefs_project_id"),
        "segment_briefs",
        ["project_id"],
        unique=False,
    )
    op.create_table(
        "personas",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("age", sa.Integer(), nullable=False),
        sa.Column("age_group", sa.String(length=40), nullable=False),
        sa.Column("gender", sa.String(length=20), nullable=False),
        sa.Column("location", sa.String(length=60), nullable=False),
        sa.Column("urban_rural", sa.String(length=20), nullable=False),
        sa.Column("education", sa.String(length=60), nullable=False),
        sa.Column("income_band", sa.String(length=60), nullable=False),
        sa.Column("income", sa.Integer(), nullable=False),
        sa.Column("income_currency", sa.String(length=3), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column("occupation", sa.String(length=200), nullable=False),
        sa.Column("profile", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("segment", sa.String(length=200), nullable=False),
        sa.Column("generated_by", sa.String(length=160), nullable=False),
        sa.Column("prompt_version", sa.String(length=40), nullable=False),
        sa.Column("citations", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "validation", postgresql.JSONB(astext_type=sa.Text()), nullable=False
        ),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
            name=op.f("fk_personas_job_id_jobs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_personas_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personas")),
        sa.UniqueConstraint("job_id", "slot", name="uq_personas_job_slot"),
    )
    op.create_index(
        op.f("ix_personas_age_group"), "personas", ["age_group"], unique=False
    )
    op.create_index(op.f("ix_personas_gender"), "personas", ["gender"], unique=False)
    op.create_index(op.f("ix_personas_job_id"), "personas", ["job_id"], unique=False)
    op.create_index(
        op.f("ix_personas_project_id"), "personas", ["project_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_personas_project_id"), table_name="personas")
    op.drop_index(op.f("ix_personas_job_id"), table_name="personas")
    op.drop_index(op.f("ix_personas_gender"), table_name="personas")
    op.drop_index(op.f("ix_personas_age_group"), table_name="personas")
    op.drop_table("personas")
    op.drop_index(op.f("ix_segment_briefs_project_id"), table_name="segment_briefs")
    op.drop_table("segment_briefs")
