"""`sight users set-role`: the way to make the first admin on a deployment
whose accounts already exist (and any later role change from a shell)."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from sight.audit.context import CLI_ACTOR
from sight.auth.models import User
from sight.kit.errors import SightError
from sight.postgres import create_engine, create_sessionmaker


def set_role(database_url: str, email: str, role: str) -> str:
    """A line for the terminal: what changed, or `error: ...`."""
    return asyncio.run(_set_role(database_url, email, role))


async def _set_role(database_url: str, email: str, role: str) -> str:
    from sight.auth.service import set_role as change
    from sight.domains import load_models

    load_models()
    engine = create_engine(database_url, pool_size=1)
    try:
        async with create_sessionmaker(engine)() as session:
            user = await session.scalar(select(User).where(User.email == email.lower()))
            if user is None:
                return f"error: no account with the email {email}"
            before = user.role
            try:
                await change(session, user, role, actor=CLI_ACTOR)
            except SightError as exc:
                return f"error: {exc.detail}"
            await session.commit()
            return f"{user.email}: {before} -> {role}"
    finally:
        await engine.dispose()
