"""One way to page through a query: the rows of one page and the total."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Query
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.base import ExecutableOption

from sight.kit.schemas import MAX_OFFSET

T = TypeVar("T")

# The `offset` query parameter of every list endpoint: bounded so a huge value is
# a 422, not a bigint overflow in the database.
OffsetQuery = Annotated[
    int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip (at most 1,000,000)")
]


async def paginate(
    session: AsyncSession,
    model: type[T],
    *conditions: ColumnElement[bool],
    order_by: Any,
    limit: int,
    offset: int,
    options: Sequence[ExecutableOption] = (),
) -> tuple[list[T], int]:
    """`options`: loader options of the page's query (e.g. columns a summary
    does not need, deferred)."""
    query: Select[T] = select(model).where(*conditions).options(*options)
    total = await session.scalar(
        select(func.count()).select_from(model).where(*conditions)
    )
    rows = await session.scalars(query.order_by(*order_by).limit(limit).offset(offset))
    return list(rows), int(total or 0)
