"""The procrastinate app: one task, `sight.run_job`, that runs any job kind.

The task body lives in `sight.jobs.runtime`; its dependencies (sessions, the
broadcaster, settings) reach it through the worker's `additional_context`, so
building the app connects nothing and registers nothing global.
"""

from __future__ import annotations

import procrastinate

RUN_JOB_TASK = "sight.run_job"
QUEUE = "sight"


def create_queue_app(conninfo: str) -> procrastinate.App:
    from sight.jobs.runtime import run_job_task

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo))
    app.task(name=RUN_JOB_TASK, queue=QUEUE, pass_context=True)(run_job_task)
    return app
