from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query

from sight.deps import CurrentUser, DbSession, State
from sight.kit.errors import SightError, error_responses
from sight.kit.routers import domain_router
from sight.kit.routing import API_PREFIX
from sight.kit.schemas import DateValue
from sight.llm import service
from sight.llm.config import routing_table
from sight.llm.schemas import (
    EstimateRequest,
    LLMSettingsRead,
    LLMSettingsUpdate,
    UsageReport,
)
from sight.llm.secrets import KeyVault
from sight.llm.types import CallContext, Estimate
from sight.projects.access import authorize_project

router = domain_router(prefix=API_PREFIX, tags=["llm"])


class UnknownFlow(SightError):
    status_code = 422


def _vault(state: State) -> KeyVault:
    return KeyVault(state.settings.secret_key.get_secret_value())


@router.get("/settings/llm", response_model=LLMSettingsRead)
async def get_llm_settings(
    user: CurrentUser, state: State, session: DbSession
) -> LLMSettingsRead:
    """The user's provider choice, which keys are stored (never the keys), the
    effective route of every flow, and the monthly budget."""
    return await service.read_settings(session, state.llm, _vault(state), user.id)


@router.put("/settings/llm", response_model=LLMSettingsRead)
async def put_llm_settings(
    data: LLMSettingsUpdate, user: CurrentUser, state: State, session: DbSession
) -> LLMSettingsRead:
    await service.update_settings(session, state.llm, _vault(state), user.id, data)
    return await service.read_settings(session, state.llm, _vault(state), user.id)


@router.post("/estimates", response_model=Estimate, responses=error_responses(400, 409))
async def estimate(
    data: EstimateRequest, user: CurrentUser, state: State, session: DbSession
) -> Estimate:
    """Expected calls, tokens and USD for `calls` calls of a flow, before any run."""
    if data.flow not in routing_table().flows:
        raise UnknownFlow(
            f"unknown flow {data.flow!r}; known flows: "
            + ", ".join(sorted(routing_table().flows))
        )
    if data.project_id is not None:
        await authorize_project(session, user, data.project_id, "read")
    return await state.llm.estimate(
        data.flow,
        data.calls,
        CallContext(user_id=user.id, project_id=data.project_id),
        input_tokens=data.input_tokens_per_call,
        output_tokens=data.output_tokens_per_call,
    )


@router.get("/usage", response_model=UsageReport)
async def usage(
    user: CurrentUser,
    state: State,
    session: DbSession,
    group_by: Annotated[
        str, Query(description="flow | project | day | provider | model")
    ] = "flow",
    start: DateValue | None = None,
    end: DateValue | None = None,
    project_id: uuid.UUID | None = None,
) -> UsageReport:
    """LLM calls, tokens and cost of the current user (default: this month by flow)."""
    if project_id is not None:
        await authorize_project(session, user, project_id, "read")
    return await service.usage_report(
        session,
        state.llm,
        user.id,
        group_by=group_by,
        start=start,
        end=end,
        project_id=project_id,
    )
