"""Job kinds and their handlers.

A domain registers a handler with `@job_handler("personas.generate")` in its
`tasks.py`, listed in `sight.domains.DOMAINS`. Handlers must be idempotent and
resumable: they read what is already stored (or their checkpoint) and do only
what is missing, because a crashed attempt is retried from the start of the
handler.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from sight.domains import Domain
    from sight.jobs.models import Job
    from sight.jobs.runtime import JobContext, WorkerRuntime

Handler = Callable[["JobContext"], Awaitable[dict[str, Any] | None]]
# Told when a job ends (succeeded, failed or cancelled), in the transaction that
# records the end: a notification or a cache invalidation commits with it.
FinishListener = Callable[["WorkerRuntime", "AsyncSession", "Job"], Awaitable[None]]
# Work a worker defers on a schedule (cron syntax); one run per tick across workers.
Periodic = Callable[["WorkerRuntime"], Awaitable[None]]
# Run when a `sight worker` starts, before it takes a job: imports a job
# would otherwise do on its first run, holding the event loop (or the GIL)
# while the job's model calls wait.
WarmUp = Callable[[], None]

_HANDLERS: dict[str, Handler] = {}
_WARM_UPS: list[WarmUp] = []
_FINISH_LISTENERS: list[FinishListener] = []
_PERIODIC: dict[str, tuple[str, Periodic]] = {}


def on_job_finished(func: FinishListener) -> FinishListener:
    if func not in _FINISH_LISTENERS:
        _FINISH_LISTENERS.append(func)
    return func


def finish_listeners() -> tuple[FinishListener, ...]:
    return tuple(_FINISH_LISTENERS)


def periodic_job(name: str, cron: str) -> Callable[[Periodic], Periodic]:
    def register(func: Periodic) -> Periodic:
        _PERIODIC[name] = (cron, func)
        return func

    return register


def periodic_jobs() -> dict[str, tuple[str, Periodic]]:
    return dict(_PERIODIC)


def worker_warm_up(func: WarmUp) -> WarmUp:
    if func not in _WARM_UPS:
        _WARM_UPS.append(func)
    return func


def warm_ups() -> tuple[WarmUp, ...]:
    return tuple(_WARM_UPS)


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        _HANDLERS[kind] = func
        return func

    return register


def load_task_modules(domains: Sequence[Domain] | None = None) -> None:
    """Import every domain's tables, job handlers and offline composers (listed
    in `sight.domains`), plus any module named in SIGHT_JOB_MODULES."""
    from sight.domains import DOMAINS, load_tasks

    load_tasks(DOMAINS if domains is None else domains)
    extra = [m for m in os.environ.get("SIGHT_JOB_MODULES", "").split(",") if m.strip()]
    for module in extra:
        importlib.import_module(module.strip())


def get_handler(kind: str) -> Handler | None:
    return _HANDLERS.get(kind)


def known_kinds() -> list[str]:
    return sorted(_HANDLERS)
