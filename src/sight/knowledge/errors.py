"""Errors of the knowledge domain; their messages are written for researchers."""

from __future__ import annotations

from sight.kit.error_types import Conflict, SightError


class DocumentRejected(SightError):
    """The file cannot become a document (empty, encrypted, corrupt, ...)."""

    status_code = 422


class EmptyDocument(DocumentRejected):
    pass


class EncryptedDocument(DocumentRejected):
    pass


class CorruptDocument(DocumentRejected):
    pass


class UnsupportedDocument(DocumentRejected):
    status_code = 415


class DocumentTooLarge(DocumentRejected):
    status_code = 413


class DocumentOverLimit(DocumentRejected):
    """Parsing would exceed a per-document limit (unpacked size, paragraphs,
    pages, time, memory); the message names the limit."""


class EmbeddingSpaceMismatch(Conflict):
    """Vectors of different models or sizes must never be compared."""


class KnowledgeStoreUnavailable(SightError):
    status_code = 503


class GraphIndexMissing(SightError):
    """A Neo4j index the pipeline needs does not exist (or has the wrong size)."""

    status_code = 503
