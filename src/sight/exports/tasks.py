"""The `exports.project` job: a project report built off the request, with
progress, stored in `export_files` for download.

Idempotent: a retried attempt finds the file its job already stored.
"""

from __future__ import annotations

import uuid
from typing import Any

from sight.exports import gather, repository, service
from sight.exports.models import ExportFile
from sight.jobs.registry import job_handler
from sight.jobs.runtime import JobContext
from sight.kit.errors import NotFound
from sight.kit.routing import API_PREFIX
from sight.postgres import session_scope
from sight.projects.models import Project

JOB_KIND = "exports.project"
STAGE = "report"


def _result(file: ExportFile) -> dict[str, Any]:
    return {
        "export_id": str(file.id),
        "download_url": f"{API_PREFIX}/exports/{file.id}/download",
        "filename": file.filename,
        "format": file.format,
        "size_bytes": file.size_bytes,
    }


@job_handler(JOB_KIND)
async def build_project_report(ctx: JobContext) -> dict[str, Any]:
    fmt = str(ctx.params.get("format", "pdf"))
    full = bool(ctx.params.get("include_full_personas", False))
    async with session_scope(ctx.sessionmaker) as session:
        done = await repository.file_of_job(session, ctx.job_id)
        if done is not None:
            return _result(done)
        project = await session.get(Project, ctx.project_id)
        if project is None:
            raise NotFound("project", ctx.project_id)
        steps = 0

        async def progress(step: int, total: int, message: str) -> None:
            nonlocal steps
            steps = total + 1
            await ctx.check_cancelled()
            await ctx.progress(step, steps, message, stage=STAGE)

        data = await gather.project_bundle(
            session, project, include_full_personas=full, progress=progress
        )
        name = project.name
    body = await service.render_async("project", fmt, data)
    async with session_scope(ctx.sessionmaker) as session:
        file = ExportFile(
            id=uuid.uuid4(),
            project_id=ctx.project_id,
            job_id=ctx.job_id,
            created_by=ctx.user_id,
            format=fmt,
            filename=service.filename(name, fmt),
            media_type=service.MEDIA[fmt],
            size_bytes=len(body),
            content=body,
        )
        await repository.save_file(session, file)
        stored = await repository.file_of_job(session, ctx.job_id)
        assert stored is not None  # noqa: S101 (written just now)
        result = _result(stored)
    await ctx.progress(steps or 1, steps or 1, "done", stage=STAGE)
    return result
