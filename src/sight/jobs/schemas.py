from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sight.kit.schemas import Schema


class JobRead(Schema):
    id: uuid.UUID
    kind: str
    status: str
    project_id: uuid.UUID | None
    progress: float
    progress_message: str | None
    params: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    attempts: int
    cancel_requested: bool
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
