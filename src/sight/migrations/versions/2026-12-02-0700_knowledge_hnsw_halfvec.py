"""Index every embedding size of the knowledge chunks as halfvec (issue 16).

The graph of 1M chunks of 512 dimensions took 2.6 GB as `vector`, more than
the embedded server's shared buffers beside the table, so searches at that
size read it from disk. As `halfvec` the same graph takes about half; the
column keeps full precision and a search re-ranks its candidates by it.
Rebuilding the indexes reads every chunk once (minutes for a million).

Revision ID: 4c2f9e1b7d3a
Revises: 5b1e0c7d2a9f
Create Date: 2026-12-02 07:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "4c2f9e1b7d3a"
down_revision: str | None = "5b1e0c7d2a9f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The sizes indexed as `vector` until this revision (3072 was halfvec already).
_VECTOR_INDEXED = (256, 384, 512, 768, 1024, 1536)


def _rebuild(dims: int, kind: str) -> None:
    op.execute(f"DROP INDEX IF EXISTS ix_knowledge_chunks_hnsw_{dims}")
    op.execute(
        f"CREATE INDEX ix_knowledge_chunks_hnsw_{dims} ON knowledge_chunks "
        f"USING hnsw ((embedding::{kind}({dims})) {kind}_cosine_ops) "
        f"WHERE dimensions = {dims}"
    )


def upgrade() -> None:
    for dims in _VECTOR_INDEXED:
        _rebuild(dims, "halfvec")


def downgrade() -> None:
    for dims in _VECTOR_INDEXED:
        _rebuild(dims, "vector")
