"""The knowledge domain's settings: the `knowledge` group of `sight.config.Settings`
(`SIGHT_KNOWLEDGE__*`), re-exported here for the domain's modules."""

from __future__ import annotations

from sight.config import KnowledgeSettings

__all__ = ["KnowledgeSettings"]
