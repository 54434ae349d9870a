"""Focus groups, their turns (answers with a memory embedding) and interviews.

Revision ID: 4f6c2a9e1b7d
Revises: 5d1c0e7a9b21
Create Date: 2026-12-01 09:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import VECTOR
from sqlalchemy.dialects import postgresql

revision: str = "4f6c2a9e1b7d"
down_revision: str | None = "5d1c0e7a9b21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of sight.focus_groups.models.HNSW_DIMENSIONS at this revision.
HNSW_DIMENSIONS = (256, 384, 512, 768, 1024, 1536, 3072)


def _hnsw_cast(dimensions: int) -> tuple[str, str]:
    if dimensions > 2000:
        return f"halfvec({dimensions})", "halfvec_cosine_ops"
    return f"vector({dimensions})", "vector_cosine_ops"


def _timestamp(name: str, *, default: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        name,
        sa.DateTime(timezone=True),
        server_default=sa.text("now()") if default else None,
        nullable=not default,
    )


def upgrade() -> None:
    op.create_table(
        "focus_groups",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("project_context", sa.Text(), nullable=False),
        sa.Column(
            "persona_ids", postgresql.JSONB(astext_type=sa.Text()), nullable=False
        ),
        sa.Column("questions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("stimulus", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("wave_size", sa.Integer(), nullable=False),
        sa.Column("turn_words", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        _timestamp("started_at", default=False),
        _timestamp("completed_at", default=False),
        sa.Column("total_execution_time_ms", sa.Integer(), nullable=True),
        sa.Column("avg_response_time_ms", sa.Float(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_focus_groups_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
            name=op.f("fk_focus_groups_job_id_jobs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_focus_groups_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_focus_groups")),
    )
    op.create_index(
        op.f("ix_focus_groups_project_id"), "focus_groups", ["project_id"], unique=False
    )
    op.create_index(
        op.f("ix_focus_groups_status"), "focus_groups", ["status"], unique=False
    )
    op.create_table(
        "focus_group_responses",
        sa.Column("focus_group_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("persona_id", sa.Uuid(), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("question_index", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("wave", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("reply_to_id", sa.Uuid(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        sa.Column("first_token_ms", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("generated_by", sa.String(length=160), nullable=False),
        sa.Column("prompt_version", sa.String(length=40), nullable=False),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        _timestamp("started_at", default=False),
        _timestamp("completed_at", default=False),
        sa.Column("embedding", VECTOR(), nullable=True),
        sa.Column("embedding_dimensions", sa.Integer(), nullable=True),
        sa.Column("embedding_model", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        _timestamp("created_at"),
        sa.ForeignKeyConstraint(
            ["focus_group_id"],
            ["focus_groups.id"],
            name=op.f("fk_focus_group_responses_focus_group_id_focus_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["persona_id"],
            ["personas.id"],
            name=op.f("fk_focus_group_responses_persona_id_personas"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_focus_group_responses_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reply_to_id"],
            ["focus_group_responses.id"],
            name=op.f("fk_focus_group_responses_reply_to_id_focus_group_responses"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_focus_group_responses")),
        sa.UniqueConstraint(
            "focus_group_id",
            "question_index",
            "round",
            "persona_id",
            name="uq_focus_group_responses_turn",
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.create_index(
        op.f("ix_focus_group_responses_focus_group_id"),
        "focus_group_responses",
        ["focus_group_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_focus_group_responses_persona_id"),
        "focus_group_responses",
        ["persona_id"],
        unique=False,
    )
    for dims in HNSW_DIMENSIONS:
        cast, opclass = _hnsw_cast(dims)
        op.execute(
            f"CREATE INDEX ix_focus_group_responses_hnsw_{dims} "
            f"ON focus_group_responses USING hnsw ((embedding::{cast}) {opclass}) "
            f"WHERE embedding_dimensions = {dims}"
        )
    op.create_table(
        "persona_chat_messages",
        sa.Column("persona_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("generated_by", sa.String(length=160), nullable=True),
        sa.Column("prompt_version", sa.String(length=40), nullable=True),
        sa.Column("memory", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        _timestamp("created_at"),
        sa.ForeignKeyConstraint(
            ["persona_id"],
            ["personas.id"],
            name=op.f("fk_persona_chat_messages_persona_id_personas"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_persona_chat_messages_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_persona_chat_messages_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persona_chat_messages")),
    )
    op.create_index(
        "ix_persona_chat_messages_thread",
        "persona_chat_messages",
        ["persona_id", "user_id", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_persona_chat_messages_project_id"),
        "persona_chat_messages",
        ["project_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("persona_chat_messages")
    for dims in HNSW_DIMENSIONS:
        op.execute(f"DROP INDEX IF EXISTS ix_focus_group_responses_hnsw_{dims}")
    op.drop_table("focus_group_responses")
    op.drop_table("focus_groups")
