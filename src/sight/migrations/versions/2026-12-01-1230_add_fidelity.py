"""Fidelity runs, their synthetic answers, and uploaded studies (aggregates only).

Revision ID: 2c6d2e03f616
Revises: a697ec206736
Create Date: 2026-12-01 12:30:00
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "2c6d2e03f616"
down_revision: str | None = "a697ec206736"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONB = postgresql.JSONB(astext_type=sa.Text())


def _timestamp(name: str) -> sa.Column[datetime]:
    return sa.Column(
        name,
        sa.DateTime(timezone=True),
        server_default=sa.text("now()"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "fidelity_studies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("country", sa.String(length=8), nullable=False),
        sa.Column("layout", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("columns", JSONB, nullable=False),
        sa.Column("pending", JSONB, nullable=True),
        sa.Column("mapping", JSONB, nullable=True),
        sa.Column("benchmark", JSONB, nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_fidelity_studies_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_fidelity_studies_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fidelity_studies")),
    )
    op.create_index(
        op.f("ix_fidelity_studies_project_id"),
        "fidelity_studies",
        ["project_id"],
        unique=False,
    )
    op.create_table(
        "fidelity_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("study_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("benchmark", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=8), nullable=False),
        sa.Column("params", JSONB, nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("model", sa.String(length=120), nullable=False),
        sa.Column("prompt_version", sa.String(length=40), nullable=False),
        sa.Column("offline", sa.Boolean(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("result", JSONB, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_fidelity_runs_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
            name=op.f("fk_fidelity_runs_job_id_jobs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_fidelity_runs_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["study_id"],
            ["fidelity_studies.id"],
            name=op.f("fk_fidelity_runs_study_id_fidelity_studies"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fidelity_runs")),
    )
    for column in ("project_id", "country", "model"):
        op.create_index(
            op.f(f"ix_fidelity_runs_{column}"),
            "fidelity_runs",
            [column],
            unique=False,
        )
    op.create_table(
        "fidelity_responses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("respondent", sa.String(length=120), nullable=False),
        sa.Column("group_id", sa.String(length=120), nullable=False),
        sa.Column("answers", JSONB, nullable=False),
        sa.Column("generated_by", sa.String(length=160), nullable=False),
        _timestamp("created_at"),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["fidelity_runs.id"],
            name=op.f("fk_fidelity_responses_run_id_fidelity_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fidelity_responses")),
        sa.UniqueConstraint(
            "run_id", "respondent", name="uq_fidelity_responses_respondent"
        ),
    )
    op.create_index(
        op.f("ix_fidelity_responses_run_id"),
        "fidelity_responses",
        ["run_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("fidelity_responses")
    op.drop_table("fidelity_runs")
    op.drop_table("fidelity_studies")
