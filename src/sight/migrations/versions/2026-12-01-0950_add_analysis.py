"""Focus-group analysis: per-answer annotations and stored reports.

Revision ID: 7a1d3e5b9c42
Revises: 5d1e7c3a9b20
Create Date: 2026-12-01 09:50:00
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "7a1d3e5b9c42"
down_revision: str | None = "5d1e7c3a9b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONB = postgresql.JSONB(astext_type=sa.Text())


def _timestamps() -> list[sa.Column[datetime]]:
    return [
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "analysis_annotations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("focus_group_id", sa.Uuid(), nullable=False),
        sa.Column("response_id", sa.Uuid(), nullable=False),
        sa.Column("persona_id", sa.Uuid(), nullable=False),
        sa.Column("question_index", sa.Integer(), nullable=False),
        sa.Column("sentiment", sa.String(length=10), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("themes", JSONB, nullable=False),
        sa.Column("concepts", JSONB, nullable=False),
        sa.Column("method", sa.String(length=200), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["focus_group_id"],
            ["focus_groups.id"],
            name=op.f("fk_analysis_annotations_focus_group_id_focus_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["focus_group_responses.id"],
            name=op.f("fk_analysis_annotations_response_id_focus_group_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_annotations")),
        sa.UniqueConstraint(
            "response_id", name=op.f("uq_analysis_annotations_response_id")
        ),
    )
    op.create_index(
        op.f("ix_analysis_annotations_focus_group_id"),
        "analysis_annotations",
        ["focus_group_id"],
    )
    op.create_table(
        "analysis_results",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("focus_group_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("content", JSONB, nullable=False),
        sa.Column("generated_by", sa.String(length=200), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["focus_group_id"],
            ["focus_groups.id"],
            name=op.f("fk_analysis_results_focus_group_id_focus_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_analysis_results_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
            name=op.f("fk_analysis_results_job_id_jobs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_results")),
        sa.UniqueConstraint("focus_group_id", "kind", name="uq_analysis_results_kind"),
    )
    op.create_index(
        op.f("ix_analysis_results_project_id"), "analysis_results", ["project_id"]
    )


def downgrade() -> None:
    op.drop_table("analysis_results")
    op.drop_table("analysis_annotations")
