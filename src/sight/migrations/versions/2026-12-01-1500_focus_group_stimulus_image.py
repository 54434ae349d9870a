"""The image a focus group is shown (its stimulus), kept beside the group.

Revision ID: 5b1e0c7d2a9f
Revises: 9763f8283aeb
Create Date: 2026-12-01 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b1e0c7d2a9f"
down_revision: str | None = "9763f8283aeb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "focus_groups", sa.Column("stimulus_image", sa.LargeBinary(), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("focus_groups", "stimulus_image")
