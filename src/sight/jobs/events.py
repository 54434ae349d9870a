"""A job's stream: the declared events of `GET /jobs/{id}/events`.

Job events are `sight.streams.JobStreamEvent` (status, progress, log, item,
completed | failed | cancelled, heartbeat, error). `publish` checks an event
given as a type and fields against that union, so nothing undeclared is sent.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from sight import streams


async def publish(
    session: AsyncSession,
    job_id: uuid.UUID,
    event: BaseModel | str,
    data: dict[str, Any] | None = None,
) -> BaseModel:
    """Store a job event in the caller's transaction (a model, or type + fields)."""
    if isinstance(event, str):
        event = streams.validate_event(streams.JobStreamEvent, event, data or {})
    return await streams.publish(session, streams.StreamKey.job(job_id), event)
