"""The procrastinate app: one task, `sight.run_job`, that runs any job kind.

The task body lives in `sight.jobs.runtime`; its dependencies (sessions, the
broadcaster, settings) reach it through the worker's `additional_context`, so
building the app connects nothing and registers nothing global.

procrastinate (with attrs, croniter, dateutil and psycopg_pool) is imported
when the app is first built, not when this module is: a request enqueues and
cancels on its own session's connection, so `sight serve` builds the app after
it listens, for its in-process worker, or on the first request that needs it
(issue 16, warm restart).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import procrastinate

RUN_JOB_TASK = "sight.run_job"
QUEUE = "sight"


def create_queue_app(conninfo: str) -> procrastinate.App:
    import procrastinate

    from sight.jobs.runtime import run_job_task

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo))
    app.task(name=RUN_JOB_TASK, queue=QUEUE, pass_context=True)(run_job_task)
    return app


class JobQueue:
    """A process's queue app, built once on first use (from any thread: the
    in-process worker builds it in a worker thread while the server already
    answers). Building connects nothing; only a worker opens its pool."""

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self._app: procrastinate.App | None = None
        self._lock = threading.Lock()

    @property
    def app(self) -> procrastinate.App:
        if self._app is None:
            with self._lock:
                if self._app is None:
                    self._app = create_queue_app(self.conninfo)
        return self._app


def register_periodic(app: procrastinate.App) -> None:
    """Add the domains' scheduled work (`registry.periodic_job`) to a worker's app;
    procrastinate defers each tick once, whichever worker sees it first."""
    from sight.jobs.registry import periodic_jobs

    for name, (cron, func) in periodic_jobs().items():
        if name in app.tasks:
            continue

        async def tick(
            context: procrastinate.JobContext, timestamp: int, _func: Any = func
        ) -> None:
            await _func(context.additional_context["runtime"])

        task = app.task(name=name, queue=QUEUE, pass_context=True)(tick)
        app.periodic(cron=cron, periodic_id=name)(task)
