"""The procrastinate app: one task, `sight.run_job`, that runs any job kind.

The task body lives in `sight.jobs.runtime`; its dependencies (sessions, the
broadcaster, settings) reach it through the worker's `additional_context`, so
building the app connects nothing and registers nothing global.
"""

from __future__ import annotations

from typing import Any

import procrastinate

RUN_JOB_TASK = "sight.run_job"
QUEUE = "sight"


def create_queue_app(conninfo: str) -> procrastinate.App:
    from sight.jobs.runtime import run_job_task

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo))
    app.task(name=RUN_JOB_TASK, queue=QUEUE, pass_context=True)(run_job_task)
    return app


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
