"""One way to page through a query: the rows of one page and the total."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


async def paginate(
    session: AsyncSession,
    model: type[T],
    *conditions: ColumnElement[bool],
    order_by: Any,
    limit: int,
    offset: int,
) -> tuple[list[T], int]:
    query: Select[T] = select(model).where(*conditions)
    total = await session.scalar(
        select(func.count()).select_from(model).where(*conditions)
    )
    rows = await session.scalars(query.order_by(*order_by).limit(limit).offset(offset))
    return list(rows), int(total or 0)
