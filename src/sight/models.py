"""Every table's model, imported so Alembic and the app see one metadata."""

from __future__ import annotations

from sight.auth.models import ApiToken, RefreshToken, User
from sight.jobs.models import Job, JobEvent
from sight.kit.models import Base
from sight.knowledge import models as knowledge_models  # noqa: F401 (registers tables)
from sight.llm.models import LLMCacheEntry, LLMCall, UserLLMSettings
from sight.personas.models import Persona, SegmentBrief
from sight.projects.models import Project

metadata = Base.metadata

__all__ = [
    "ApiToken",
    "Base",
    "Job",
    "JobEvent",
    "LLMCacheEntry",
    "LLMCall",
    "Persona",
    "Project",
    "RefreshToken",
    "SegmentBrief",
    "User",
    "UserLLMSettings",
    "metadata",
]
