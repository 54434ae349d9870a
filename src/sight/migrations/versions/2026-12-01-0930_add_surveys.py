"""Surveys and their responses (one per survey and persona).

Revision ID: 5d1e7c3a9b20
Revises: 4f6c2a9e1b7d
Create Date: 2026-12-01 09:30:00
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "5d1e7c3a9b20"
down_revision: str | None = "4f6c2a9e1b7d"
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
        "surveys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("questions", JSONB, nullable=False),
        sa.Column("respondents", JSONB, nullable=False),
        sa.Column("settings", JSONB, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("target", sa.Integer(), nullable=False),
        sa.Column("results", JSONB, nullable=True),
        sa.Column("results_answered", sa.Integer(), nullable=False),
        sa.Column("prompt_version", sa.String(length=40), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_surveys_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_surveys_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
            name=op.f("fk_surveys_job_id_jobs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
    )
    op.create_index(
        op.f("ix_surveys_project_id"), "surveys", ["project_id"], unique=False
    )
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("survey_id", sa.Uuid(), nullable=False),
        sa.Column("persona_id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("persona_name", sa.String(length=120), nullable=False),
        sa.Column("demographics", JSONB, nullable=False),
        sa.Column("answers", JSONB, nullable=False),
        sa.Column("details", JSONB, nullable=False),
        sa.Column("raw_output", sa.Text(), nullable=False),
        sa.Column("generated_by", sa.String(length=160), nullable=False),
        sa.Column("prompt_version", sa.String(length=40), nullable=False),
        _timestamp("created_at"),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_responses_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["persona_id"],
            ["personas.id"],
            name=op.f("fk_survey_responses_persona_id_personas"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
            name=op.f("fk_survey_responses_job_id_jobs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
        sa.UniqueConstraint(
            "survey_id", "persona_id", name="uq_survey_responses_persona"
        ),
    )
    op.create_index(
        op.f("ix_survey_responses_survey_id"),
        "survey_responses",
        ["survey_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_survey_responses_persona_id"),
        "survey_responses",
        ["persona_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("survey_responses")
    op.drop_table("surveys")
