"""Dashboard KPI snapshots (the store without Redis), adopted insights, and
notifications with their preferences and sent spend alerts.

Revision ID: 9763f8283aeb
Revises: 2c6d2e03f616
Create Date: 2026-12-01 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "9763f8283aeb"
down_revision: str | None = "2c6d2e03f616"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONB = postgresql.JSONB(astext_type=sa.Text())


def _now(name: str) -> sa.Column[object]:
    return sa.Column(
        name,
        sa.DateTime(timezone=True),
        server_default=sa.text("now()"),
        nullable=False,
    )


def _user_fk(table: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=f"fk_{table}_user_id_users", ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "dashboard_snapshots",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("data", JSONB, nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("project_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        _user_fk("dashboard_snapshots"),
        sa.PrimaryKeyConstraint("user_id", name="pk_dashboard_snapshots"),
    )
    op.create_index(
        "ix_dashboard_snapshots_expires_at", "dashboard_snapshots", ["expires_at"]
    )
    op.create_index(
        "ix_dashboard_snapshots_read_at", "dashboard_snapshots", ["read_at"]
    )
    op.create_index(
        "ix_dashboard_snapshots_project_ids",
        "dashboard_snapshots",
        ["project_ids"],
        postgresql_using="gin",
    )

    op.create_table(
        "insight_marks",
        sa.Column("focus_group_id", sa.Uuid(), nullable=False),
        sa.Column("insight_key", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("insight_index", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("adopted_by", sa.Uuid(), nullable=True),
        _now("adopted_at"),
        sa.ForeignKeyConstraint(
            ["focus_group_id"],
            ["focus_groups.id"],
            name="fk_insight_marks_focus_group_id_focus_groups",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name="fk_insight_marks_project_id_projects",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["adopted_by"],
            ["users.id"],
            name="fk_insight_marks_adopted_by_users",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint(
            "focus_group_id", "insight_key", name="pk_insight_marks"
        ),
    )
    op.create_index("ix_insight_marks_project_id", "insight_marks", ["project_id"])

    op.create_table(
        "notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("action_label", sa.String(length=100), nullable=True),
        sa.Column("action_url", sa.String(length=500), nullable=True),
        sa.Column("data", JSONB, nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        _now("created_at"),
        _user_fk("notifications"),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name="fk_notifications_project_id_projects",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
    )
    op.create_index(
        "ix_notifications_user_id", "notifications", ["user_id", "created_at"]
    )
    op.create_index("ix_notifications_project_id", "notifications", ["project_id"])

    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("job_succeeded", sa.Boolean(), nullable=False),
        sa.Column("job_failed", sa.Boolean(), nullable=False),
        sa.Column("budget", sa.Boolean(), nullable=False),
        sa.Column("project_shared", sa.Boolean(), nullable=False),
        sa.Column("warning_threshold", sa.Float(), nullable=False),
        sa.Column("critical_threshold", sa.Float(), nullable=False),
        _now("updated_at"),
        _user_fk("notification_preferences"),
        sa.PrimaryKeyConstraint("user_id", name="pk_notification_preferences"),
    )

    op.create_table(
        "notification_spend_alerts",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        _now("created_at"),
        _user_fk("notification_spend_alerts"),
        sa.PrimaryKeyConstraint(
            "user_id", "month", "level", name="pk_notification_spend_alerts"
        ),
    )


def downgrade() -> None:
    op.drop_table("notification_spend_alerts")
    op.drop_table("notification_preferences")
    op.drop_index("ix_notifications_project_id", table_name="notifications")
    op.drop_index("ix_notifications_user_id", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index("ix_insight_marks_project_id", table_name="insight_marks")
    op.drop_table("insight_marks")
    op.drop_index(
        "ix_dashboard_snapshots_project_ids", table_name="dashboard_snapshots"
    )
    op.drop_index("ix_dashboard_snapshots_read_at", table_name="dashboard_snapshots")
    op.drop_index("ix_dashboard_snapshots_expires_at", table_name="dashboard_snapshots")
    op.drop_table("dashboard_snapshots")
