"""A survey and the caller's right to it, through its project's access policy."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends

from sight.deps import CurrentUser, DbSession
from sight.projects.access import Need, authorize_project
from sight.surveys import repository
from sight.surveys.models import Survey


def survey_access(need: Need) -> Any:
    async def dependency(
        survey_id: uuid.UUID, user: CurrentUser, session: DbSession
    ) -> Survey:
        survey = await repository.get_survey(session, survey_id)
        await authorize_project(session, user, survey.project_id, need)
        return survey

    dependency.__name__ = f"survey_{need}_access"
    return Depends(dependency)


SurveyReader = Annotated[Survey, survey_access("read")]
SurveyWriter = Annotated[Survey, survey_access("write")]
