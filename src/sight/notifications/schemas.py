"""API shapes of notifications (the original product's `Notification` plus the
kind's data, so a client can word it in its own language)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, StrictBool, model_validator

from sight.kit.schemas import Float, InputSchema, Schema

NotificationKind = Literal[
    "job_succeeded",
    "job_failed",
    "budget_warning",
    "budget_critical",
    "project_shared",
]
Priority = Literal["high", "medium", "low"]


class NotificationRead(Schema):
    id: uuid.UUID
    notification_type: NotificationKind
    priority: Priority
    title: str
    message: str
    time_ago: str = Field(description="English, e.g. '5 minutes ago'")
    is_read: bool
    is_done: bool
    action_label: str | None
    action_url: str | None = Field(description="A web-app path, e.g. /surveys/…")
    project_id: uuid.UUID | None
    data: dict[str, Any] = Field(
        description="What the words are made of: job kind, project name, spend, …"
    )
    created_at: datetime


class NotificationList(Schema):
    items: list[NotificationRead]
    total: int
    unread: int
    limit: int
    offset: int


class NotificationPreferences(Schema):
    """Which notifications reach the user and when spend alerts fire."""

    job_succeeded: bool = Field(description="A job the user started finished")
    job_failed: bool = Field(description="A job the user started failed")
    budget: bool = Field(description="Monthly spend crossed a threshold")
    project_shared: bool = Field(description="A teammate shared a project")
    warning_threshold: float = Field(description="Share of the monthly budget")
    critical_threshold: float = Field(description="Share of the monthly budget")
    monthly_budget_usd: float = Field(
        description="The budget the thresholds apply to (read only here)"
    )


class NotificationPreferencesUpdate(InputSchema):
    """Fields left out keep their value."""

    job_succeeded: StrictBool | None = None
    job_failed: StrictBool | None = None
    budget: StrictBool | None = None
    project_shared: StrictBool | None = None
    warning_threshold: Float | None = Field(
        default=None, gt=0, le=1, description="0 < share <= 1, e.g. 0.8 for 80 %"
    )
    critical_threshold: Float | None = Field(
        default=None, gt=0, le=1, description="0 < share <= 1, above the warning"
    )

    @model_validator(mode="after")
    def _ordered(self) -> NotificationPreferencesUpdate:
        low, high = self.warning_threshold, self.critical_threshold
        if low is not None and high is not None and low >= high:
            raise ValueError(
                f"warning_threshold ({low}) must be below critical_threshold ({high})"
            )
        return self
