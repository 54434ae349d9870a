"""A stored report file and the caller's right to it: the right to read its
project (the one access policy); anyone else gets the same 404 as for a
missing file."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from sight.deps import CurrentUser, DbSession
from sight.exports import repository
from sight.exports.models import ExportFile
from sight.kit.errors import NotFound
from sight.projects.access import authorize_project


async def export_file_reader(
    export_id: uuid.UUID, user: CurrentUser, session: DbSession
) -> ExportFile:
    file = await repository.get_file(session, export_id)
    if file is None:
        raise NotFound("export", export_id)
    try:
        await authorize_project(session, user, file.project_id, "read")
    except NotFound:
        raise NotFound("export", export_id) from None
    return file


ExportFileReader = Annotated[ExportFile, Depends(export_file_reader)]
