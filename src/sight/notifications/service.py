"""Creating, listing and marking notifications; preferences; spend alerts.
Services never commit: a notification commits with the change it reports."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from sight import streams
from sight.jobs.models import Job, JobStatus
from sight.kit.errors import NotFound, SightError
from sight.llm.budget import month_start, spent_this_month
from sight.notifications.events import (
    NotificationCreated,
    NotificationStateChanged,
    user_stream,
)
from sight.notifications.models import (
    Notification,
    NotificationPreference,
    SpendAlert,
)
from sight.notifications.schemas import (
    NotificationPreferencesUpdate,
    NotificationRead,
)
from sight.projects.models import Project

DEFAULT_WARNING = 0.8
DEFAULT_CRITICAL = 0.9
# Jobs a user does not start themselves and would not want to hear about.
QUIET_JOB_KINDS = frozenset({"focus_groups.remember", "surveys.shard"})
# What each kind of job is called in a notification and where its result is.
_JOB_WORDS: dict[str, tuple[str, str]] = {
    "personas.generate": ("Persona generation", "Open the personas"),
    "focus_groups.run": ("Focus group", "Open the discussion"),
    "analysis.run": ("Analysis", "Open the analysis"),
    "surveys.run": ("Survey", "Open the results"),
    "knowledge.ingest": ("Document processing", "Open the documents"),
}


def time_ago(moment: datetime, now: datetime | None = None) -> str:
    seconds = int(((now or datetime.now(UTC)) - moment).total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def to_read(row: Notification) -> NotificationRead:
    return NotificationRead(
        id=row.id,
        notification_type=row.kind,
        priority=row.priority,
        title=row.title,
        message=row.message,
        time_ago=time_ago(row.created_at),
        is_read=row.read_at is not None,
        is_done=row.done_at is not None,
        action_label=row.action_label,
        action_url=row.action_url,
        project_id=row.project_id,
        data=row.data,
        created_at=row.created_at,
    )


async def unread_count(session: AsyncSession, user_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )
    return int(count or 0)


# ---- preferences ------------------------------------------------------------


async def preferences(
    session: AsyncSession, user_id: uuid.UUID
) -> NotificationPreference:
    """The user's preferences (the defaults, unsaved, when they never set any)."""
    row = await session.get(NotificationPreference, user_id)
    if row is not None:
        return row
    return NotificationPreference(
        user_id=user_id,
        job_succeeded=True,
        job_failed=True,
        budget=True,
        project_shared=True,
        warning_threshold=DEFAULT_WARNING,
        critical_threshold=DEFAULT_CRITICAL,
    )


async def update_preferences(
    session: AsyncSession, user_id: uuid.UUID, change: NotificationPreferencesUpdate
) -> NotificationPreference:
    row = await preferences(session, user_id)
    values = change.model_dump(exclude_unset=True, exclude_none=True)
    warning = values.get("warning_threshold", row.warning_threshold)
    critical = values.get("critical_threshold", row.critical_threshold)
    if warning >= critical:
        raise SightError(
            f"warning_threshold ({warning}) must be below critical_threshold "
            f"({critical}); both are shares of the monthly budget between 0 and 1",
            status_code=422,
        )
    for key, value in values.items():
        setattr(row, key, value)
    if row not in session:
        session.add(row)
    await session.flush()
    return row


_SWITCH = {
    "job_succeeded": "job_succeeded",
    "job_failed": "job_failed",
    "budget_warning": "budget",
    "budget_critical": "budget",
    "project_shared": "project_shared",
}


# ---- creating ---------------------------------------------------------------


async def notify(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    kind: str,
    priority: str,
    title: str,
    message: str = "",
    action_label: str | None = None,
    action_url: str | None = None,
    data: dict[str, Any] | None = None,
    project_id: uuid.UUID | None = None,
) -> Notification | None:
    """Store a notification and publish it on the user's stream, unless the
    user switched that kind off (then None)."""
    prefs = await preferences(session, user_id)
    if not getattr(prefs, _SWITCH[kind]):
        return None
    row = Notification(
        user_id=user_id,
        kind=kind,
        priority=priority,
        title=title[:300],
        message=message,
        action_label=action_label,
        action_url=action_url,
        data=data or {},
        project_id=project_id,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    await session.flush()
    await streams.publish(
        session,
        user_stream(user_id),
        NotificationCreated(
            notification=to_read(row), unread=await unread_count(session, user_id)
        ),
    )
    return row


def _job_link(job: Job) -> str | None:
    params = job.params or {}
    if job.kind == "focus_groups.run" and "focus_group_id" in params:
        return f"/focus-groups/{params['focus_group_id']}"
    if job.kind == "analysis.run" and "focus_group_id" in params:
        return f"/focus-groups/{params['focus_group_id']}/analysis"
    if job.kind == "surveys.run" and "survey_id" in params:
        return f"/surveys/{params['survey_id']}"
    if job.kind == "knowledge.ingest" and job.project_id is not None:
        return f"/projects/{job.project_id}/knowledge"
    if job.project_id is not None:
        return f"/projects/{job.project_id}"
    return None


async def job_finished(session: AsyncSession, job: Job) -> Notification | None:
    """Tell the user who started `job` that it succeeded or failed."""
    if job.kind in QUIET_JOB_KINDS or job.status == JobStatus.cancelled:
        return None  # cancelling is the user's own act
    failed = job.status == JobStatus.failed
    project = await session.get(Project, job.project_id) if job.project_id else None
    what, action = _JOB_WORDS.get(job.kind, ("Job", "Open"))
    where = f" in {project.name}" if project is not None else ""
    if failed:
        title = f"{what} failed{where}"
        message = job.error or "The job failed."
    else:
        title = f"{what} finished{where}"
        message = "The results are ready."
    return await notify(
        session,
        job.user_id,
        kind="job_failed" if failed else "job_succeeded",
        priority="high" if failed else "medium",
        title=title,
        message=message,
        action_label=action,
        action_url=_job_link(job),
        project_id=job.project_id,
        data={
            "job_id": str(job.id),
            "job_kind": job.kind,
            "project_name": project.name if project is not None else None,
            "error": job.error if failed else None,
        },
    )


async def notify_project_shared(
    session: AsyncSession,
    project: Project,
    user_ids: Iterable[uuid.UUID],
    *,
    shared_by: str | None = None,
) -> list[Notification]:
    """Tell each of `user_ids` (a teammate given access) that `project` is now
    theirs to see. Call it in the transaction that grants the access; the
    project's owner and duplicates are skipped. `shared_by`: a display name."""
    created: list[Notification] = []
    by = f" by {shared_by}" if shared_by else ""
    for user_id in dict.fromkeys(user_ids):
        if user_id == project.owner_id:
            continue
        row = await notify(
            session,
            user_id,
            kind="project_shared",
            priority="medium",
            title=f"Project shared with you: {project.name}",
            message=f"{project.name} was shared with you{by}.",
            action_label="Open the project",
            action_url=f"/projects/{project.id}",
            project_id=project.id,
            data={"project_name": project.name, "shared_by": shared_by},
        )
        if row is not None:
            created.append(row)
    return created


async def check_spend(
    session: AsyncSession, user_id: uuid.UUID, limit_usd: float
) -> list[Notification]:
    """Announce each threshold the user's spend this month has crossed, once
    per threshold per month (the highest only, when both are crossed at once)."""
    if limit_usd <= 0:
        return []
    prefs = await preferences(session, user_id)
    spent = await spent_this_month(session, user_id=user_id)
    share = spent / limit_usd
    crossed = [
        (level, threshold)
        for level, threshold in (
            ("critical", prefs.critical_threshold),
            ("warning", prefs.warning_threshold),
        )
        if share >= threshold
    ]
    if not crossed:
        return []
    month: date = month_start().date()
    fresh: list[str] = []
    for level, _ in crossed:
        inserted = await session.scalar(
            insert(SpendAlert)
            .values(user_id=user_id, month=month, level=level)
            .on_conflict_do_nothing()
            .returning(SpendAlert.level)
        )
        if inserted is not None:
            fresh.append(level)
    if not fresh or not prefs.budget:
        return []
    level = fresh[0]  # critical comes first
    threshold = dict(crossed)[level]
    row = await notify(
        session,
        user_id,
        kind=f"budget_{level}",
        priority="high" if level == "critical" else "medium",
        title=(f"Spend passed {round(threshold * 100)} % of your monthly budget"),
        message=(
            f"${spent:.2f} of ${limit_usd:.2f} spent this month ({share * 100:.0f} %)."
        ),
        action_label="Review the budget",
        action_url="/settings",
        data={
            "level": level,
            "threshold": threshold,
            "spent_usd": round(spent, 4),
            "budget_usd": limit_usd,
            "share": round(share, 4),
        },
    )
    return [row] if row is not None else []


# ---- reading and marking ------------------------------------------------------


async def list_notifications(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    unread_only: bool,
    include_done: bool,
    limit: int,
    offset: int,
) -> tuple[list[Notification], int]:
    conditions = [Notification.user_id == user_id]
    if unread_only:
        conditions.append(Notification.read_at.is_(None))
    if not include_done:
        conditions.append(Notification.done_at.is_(None))
    total = await session.scalar(
        select(func.count()).select_from(Notification).where(*conditions)
    )
    rows = await session.scalars(
        select(Notification)
        .where(*conditions)
        .order_by(Notification.created_at.desc(), Notification.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total or 0)


async def get_own(
    session: AsyncSession, user_id: uuid.UUID, notification_id: uuid.UUID
) -> Notification:
    row = await session.get(Notification, notification_id)
    if row is None or row.user_id != user_id:
        # Someone else's notification is reported exactly like a missing one.
        raise NotFound("notification", notification_id)
    return row


async def mark(
    session: AsyncSession,
    user_id: uuid.UUID,
    notification_id: uuid.UUID,
    *,
    done: bool,
) -> Notification:
    """Mark read (or done, which is also read); marking twice changes nothing."""
    row = await get_own(session, user_id, notification_id)
    now = datetime.now(UTC)
    changed = False
    if row.read_at is None:
        row.read_at = now
        changed = True
    if done and row.done_at is None:
        row.done_at = now
        changed = True
    await session.flush()
    if changed:
        await streams.publish(
            session,
            user_stream(user_id),
            NotificationStateChanged(
                id=row.id,
                is_read=True,
                is_done=row.done_at is not None,
                unread=await unread_count(session, user_id),
            ),
        )
    return row


async def mark_all_read(session: AsyncSession, user_id: uuid.UUID) -> int:
    result = await session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=func.now())
        .returning(Notification.id)
    )
    ids = list(result.scalars())
    for notification_id in ids:
        await streams.publish(
            session,
            user_stream(user_id),
            NotificationStateChanged(
                id=notification_id, is_read=True, is_done=False, unread=0
            ),
        )
    return len(ids)
