"""Knowledge: documents and their files, chunks with embeddings and full-text,
entities, mentions and relations (the PostgreSQL knowledge store).

Revision ID: 337a47b79149
Revises: 8ab7480f433c
Create Date: 2026-11-28 18:17:20.254439
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import VECTOR
from sqlalchemy.dialects import postgresql

revision: str = "337a47b79149"
down_revision: str | None = "8ab7480f433c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Embedding sizes that get an HNSW index: the local model (512), common
# provider sizes, and Gemini's 3072 (as halfvec: pgvector indexes `vector` up to
# 2000 dimensions and `halfvec` up to 4000). Other sizes work with an exact scan.
HNSW_DIMENSIONS = (256, 384, 512, 768, 1024, 1536, 3072)


# Frozen copy of sight.knowledge.models.tsvector_expression() at this revision:
# a stemming dictionary where PostgreSQL has one, simple + unaccent otherwise.
_TS_CONFIGS = ("english", "german", "french", "spanish", "italian", "portuguese")


def _tsvector_expression() -> str:
    body = "coalesce(heading, '') || ' ' || text"
    cases = " ".join(
        f"WHEN '{name}' THEN to_tsvector('{name}'::regconfig, {body})"
        for name in _TS_CONFIGS
    )
    return (
        f"CASE ts_config {cases} "
        f"ELSE to_tsvector('sight_simple_unaccent'::regconfig, {body}) END"
    )


def _hnsw_cast(dimensions: int) -> tuple[str, str]:
    if dimensions > 2000:
        return f"halfvec({dimensions})", "halfvec_cosine_ops"
    return f"vector({dimensions})", "vector_cosine_ops"


def upgrade() -> None:
    # Keyword search for languages without a PostgreSQL dictionary (Polish):
    # `simple` lexemes with accents folded, so "zolw" finds "żółw".
    op.execute("CREATE TEXT SEARCH CONFIGURATION sight_simple_unaccent (COPY = simple)")
    op.execute(
        "ALTER TEXT SEARCH CONFIGURATION sight_simple_unaccent "
        "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple"
    )
    op.create_table(
        "knowledge_entities",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_knowledge_entities_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_entities")),
        sa.UniqueConstraint(
            "project_id", "type", "key", name=op.f("uq_knowledge_entities_project_id")
        ),
    )
    op.create_table(
        "knowledge_documents",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("filename", sa.String(length=500), nullable=False),
        sa.Column("media_type", sa.String(length=20), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("entity_count", sa.Integer(), nullable=False),
        sa.Column("relation_count", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=40), nullable=True),
        sa.Column("embedding_model", sa.String(length=200), nullable=False),
        sa.Column("embedding_dimensions", sa.Integer(), nullable=False),
        sa.Column("store", sa.String(length=20), nullable=False),
        sa.Column("extraction_generated_by", sa.String(length=200), nullable=True),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
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
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
            name=op.f("fk_knowledge_documents_job_id_jobs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_knowledge_documents_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_knowledge_documents_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_documents")),
        sa.UniqueConstraint(
            "project_id", "content_hash", name=op.f("uq_knowledge_documents_project_id")
        ),
    )
    op.create_index(
        op.f("ix_knowledge_documents_project_id"),
        "knowledge_documents",
        ["project_id"],
        unique=False,
    )
    op.create_table(
        "knowledge_chunks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("heading", sa.Text(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("page_end", sa.Integer(), nullable=True),
        sa.Column("token_count", sa.Integer(), nullable=False),
        sa.Column("ts_config", sa.String(length=40), nullable=False),
        sa.Column("dimensions", sa.Integer(), nullable=False),
        sa.Column("embedding", VECTOR(), nullable=False),
        sa.Column(
            "tsv",
            postgresql.TSVECTOR(),
            sa.Computed(
                _tsvector_expression(),
                persisted=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["knowledge_documents.id"],
            name=op.f("fk_knowledge_chunks_document_id_knowledge_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_knowledge_chunks_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_chunks")),
        sa.UniqueConstraint(
            "document_id", "ordinal", name=op.f("uq_knowledge_chunks_document_id")
        ),
    )
    op.create_index(
        op.f("ix_knowledge_chunks_project_id"),
        "knowledge_chunks",
        ["project_id"],
        unique=False,
    )
    op.create_index(
        "ix_knowledge_chunks_tsv",
        "knowledge_chunks",
        ["tsv"],
        unique=False,
        postgresql_using="gin",
    )
    # One partial index per embedding size on a cast expression: the column
    # holds any dimension, a query casts the same way and filters on
    # `dimensions`, and the planner uses the matching index.
    for dims in HNSW_DIMENSIONS:
        cast, opclass = _hnsw_cast(dims)
        op.execute(
            f"CREATE INDEX ix_knowledge_chunks_hnsw_{dims} ON knowledge_chunks "
            f"USING hnsw ((embedding::{cast}) {opclass}) WHERE dimensions = {dims}"
        )
    op.create_table(
        "knowledge_document_files",
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["knowledge_documents.id"],
            name=op.f("fk_knowledge_document_files_document_id_knowledge_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "document_id", name=op.f("pk_knowledge_document_files")
        ),
    )
    op.create_table(
        "knowledge_mentions",
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("chunk_id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chunk_id"],
            ["knowledge_chunks.id"],
            name=op.f("fk_knowledge_mentions_chunk_id_knowledge_chunks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["knowledge_documents.id"],
            name=op.f("fk_knowledge_mentions_document_id_knowledge_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["knowledge_entities.id"],
            name=op.f("fk_knowledge_mentions_entity_id_knowledge_entities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "entity_id", "chunk_id", name=op.f("pk_knowledge_mentions")
        ),
    )
    op.create_index(
        op.f("ix_knowledge_mentions_chunk_id"),
        "knowledge_mentions",
        ["chunk_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_knowledge_mentions_document_id"),
        "knowledge_mentions",
        ["document_id"],
        unique=False,
    )
    op.create_table(
        "knowledge_relations",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("chunk_id", sa.Uuid(), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chunk_id"],
            ["knowledge_chunks.id"],
            name=op.f("fk_knowledge_relations_chunk_id_knowledge_chunks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["knowledge_documents.id"],
            name=op.f("fk_knowledge_relations_document_id_knowledge_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_knowledge_relations_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["knowledge_entities.id"],
            name=op.f("fk_knowledge_relations_source_id_knowledge_entities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["knowledge_entities.id"],
            name=op.f("fk_knowledge_relations_target_id_knowledge_entities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_relations")),
        sa.UniqueConstraint(
            "chunk_id",
            "source_id",
            "target_id",
            "type",
            name=op.f("uq_knowledge_relations_chunk_id"),
        ),
    )
    op.create_index(
        op.f("ix_knowledge_relations_document_id"),
        "knowledge_relations",
        ["document_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_knowledge_relations_project_id"),
        "knowledge_relations",
        ["project_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_knowledge_relations_source_id"),
        "knowledge_relations",
        ["source_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_knowledge_relations_target_id"),
        "knowledge_relations",
        ["target_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_knowledge_relations_target_id"), table_name="knowledge_relations"
    )
    op.drop_index(
        op.f("ix_knowledge_relations_source_id"), table_name="knowledge_relations"
    )
    op.drop_index(
        op.f("ix_knowledge_relations_project_id"), table_name="knowledge_relations"
    )
    op.drop_index(
        op.f("ix_knowledge_relations_document_id"), table_name="knowledge_relations"
    )
    op.drop_table("knowledge_relations")
    op.drop_index(
        op.f("ix_knowledge_mentions_document_id"), table_name="knowledge_mentions"
    )
    op.drop_index(
        op.f("ix_knowledge_mentions_chunk_id"), table_name="knowledge_mentions"
    )
    op.drop_table("knowledge_mentions")
    op.drop_table("knowledge_document_files")
    for dims in HNSW_DIMENSIONS:
        op.execute(f"DROP INDEX IF EXISTS ix_knowledge_chunks_hnsw_{dims}")
    op.drop_index(
        "ix_knowledge_chunks_tsv", table_name="knowledge_chunks", postgresql_using="gin"
    )
    op.drop_index(op.f("ix_knowledge_chunks_project_id"), table_name="knowledge_chunks")
    op.drop_table("knowledge_chunks")
    op.drop_index(
        op.f("ix_knowledge_documents_project_id"), table_name="knowledge_documents"
    )
    op.drop_table("knowledge_documents")
    op.drop_table("knowledge_entities")
    op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS sight_simple_unaccent")
