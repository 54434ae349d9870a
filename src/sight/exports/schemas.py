from __future__ import annotations

import uuid
from typing import Literal

from pydantic import Field

from sight.kit.schemas import InputSchema, Schema

ProjectFormat = Literal["pdf", "docx", "md", "json", "xlsx", "csv"]


class ProjectExportRequest(InputSchema):
    format: ProjectFormat = "pdf"
    include_full_personas: bool = Field(
        False,
        description="Every persona's profile; otherwise the 10 most representative.",
    )


class ExportAccepted(Schema):
    job_id: uuid.UUID
    status_url: str
    events_url: str
    format: ProjectFormat


class ExportFileRead(Schema):
    id: uuid.UUID
    project_id: uuid.UUID
    job_id: uuid.UUID
    format: str
    filename: str
    media_type: str
    size_bytes: int
    download_url: str
