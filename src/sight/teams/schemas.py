from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import EmailStr, Field, StringConstraints

from sight.kit.schemas import Float, InputSchema, Line, Schema, Text

Name = Annotated[
    Line, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]
Description = Annotated[Text, StringConstraints(max_length=2000)]
Budget = Annotated[Float, Field(ge=0, le=1_000_000)]
Role = Literal["owner", "member", "viewer"]


class TeamCreate(InputSchema):
    name: Name
    description: Description = ""
    monthly_budget_usd: Budget | None = Field(
        None,
        description="LLM spend of all the team's projects per month (USD); "
        "null: no team limit (each member's own limit still applies)",
    )


class TeamUpdate(InputSchema):
    name: Name | None = None
    description: Description | None = None
    # Send null to remove the team's limit.
    monthly_budget_usd: Budget | None = None


class MemberAdd(InputSchema):
    email: EmailStr = Field(description="The email of a registered account")
    role: Role = "member"


class MemberUpdate(InputSchema):
    role: Role


class MemberOut(Schema):
    user_id: uuid.UUID
    email: str
    full_name: str
    role: Role


class TeamOut(Schema):
    id: uuid.UUID
    name: str
    description: str
    created_at: datetime
    members: list[MemberOut]
    # The caller's role; null for an admin who is not a member.
    my_role: Role | None
    monthly_budget_usd: float | None
    month_spent_usd: float = Field(
        description="LLM spend of the team's projects this calendar month"
    )
    project_count: int
