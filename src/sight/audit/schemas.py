from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sight.kit.schemas import Schema


class AuditEntryRead(Schema):
    id: int
    created_at: datetime
    actor_id: uuid.UUID | None
    actor_email: str
    action: str
    resource_type: str
    resource_id: str | None
    project_id: uuid.UUID | None
    team_id: uuid.UUID | None
    details: dict[str, Any]
    client_ip: str | None
    user_agent: str | None
