"""llm_calls.billed_to: whose key paid (deployment | user | none).

The operator's monthly ceiling applies to spending on the deployment's keys
only; earlier rows are counted as the deployment's (the safe side).

Revision ID: 8b2e4f6a1c3d
Revises: 7a1d3e5b9c42
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8b2e4f6a1c3d"
down_revision: str | None = "7a1d3e5b9c42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "llm_calls",
        sa.Column(
            "billed_to",
            sa.String(16),
            nullable=False,
            server_default="deployment",
        ),
    )


def downgrade() -> None:
    op.drop_column("llm_calls", "billed_to")
