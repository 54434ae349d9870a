"""One way to page through a query: the rows of one page and the total."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Query
from sqlalchemy import ColumnElement, func, select
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
    does not need, deferred).

    One round trip: the total comes with the page's rows (a window count over
    the same conditions); only a page past the end asks for it separately."""
    total_column = func.count().over().label("sight_total")
    result = await session.execute(
        select(model, total_column)
        .where(*conditions)
        .options(*options)
        .order_by(*order_by)
        .limit(limit)
        .offset(offset)
    )
    found = result.all()
    if found:
        return [row[0] for row in found], int(found[0][1])
    if offset == 0:
        return [], 0
    total = await session.scalar(
        select(func.count()).select_from(model).where(*conditions)
    )
    return [], int(total or 0)
