"""Every table's model, so Alembic and the app see one metadata.

The domains' table modules are listed once, in `sight.domains.DOMAINS`.
"""

from __future__ import annotations

from sight.domains import load_models
from sight.kit.models import Base

load_models()

metadata = Base.metadata

__all__ = ["Base", "metadata"]
