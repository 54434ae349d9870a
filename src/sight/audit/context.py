"""Who is acting, for the audit log: bound once per authenticated request.

A context variable, so the service that deletes a row and the session event
that records it need not pass the caller around. Jobs and other background
work bind nothing, and nothing they do is recorded as someone's action.
"""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID | None
    email: str
    client_ip: str | None = None
    user_agent: str | None = None


CLI_ACTOR = Actor(user_id=None, email="cli")

_actor: ContextVar[Actor | None] = ContextVar("sight_audit_actor", default=None)


def bind(actor: Actor | None) -> None:
    _actor.set(actor)
    if actor is not None:
        from sight.audit.watch import install

        install()


def current() -> Actor | None:
    return _actor.get()
