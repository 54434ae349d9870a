"""Recording other domains' destructive actions without touching their code.

A session event sees every row a request deletes (or soft-deletes, or
restores) in the same flush, and adds an audit entry to that flush: the
action and its entry commit together. It acts only while an actor is bound
(`sight.audit.context`), i.e. inside an authenticated request; jobs deleting
their own intermediate rows are not someone's action.

What is watched is this table; the owning domains stay unaware of it. Actions
of the auth, teams and projects code that are not plain row deletes (role
changes, member changes, API tokens) call `sight.audit.service.record`
directly.
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BindParameter

from sight.audit import context
from sight.audit.service import entry


@dataclass(frozen=True)
class Watched:
    model: str  # "module:Class"
    resource: str  # the action's prefix: persona, document, ...
    # The attribute naming the row for a reader of the log.
    label: str | None = None
    # A soft-delete timestamp: set → "<resource>.delete", cleared → ".restore".
    soft_delete: str | None = None


WATCHED: tuple[Watched, ...] = (
    Watched("sight.projects.models:Project", "project", label="name"),
    Watched(
        "sight.personas.models:Persona",
        "persona",
        label="full_name",
        soft_delete="deleted_at",
    ),
    Watched("sight.knowledge.models:Document", "document", label="title"),
    Watched("sight.focus_groups.models:FocusGroup", "focus_group", label="name"),
    Watched("sight.surveys.models:Survey", "survey", label="title"),
)
_KEYS_MODEL = "sight.llm.models:UserLLMSettings"

_installed = False
_classes: dict[type[Any], Watched] = {}


def _load(path: str) -> type[Any] | None:
    module_name, _, name = path.partition(":")
    try:
        cls: type[Any] = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError):
        return None  # a deployment without that domain
    return cls


def install() -> None:
    """Listen on every ORM session (idempotent; cheap after the first call)."""
    global _installed
    if _installed:
        return
    for watched in WATCHED:
        cls = _load(watched.model)
        if cls is not None:
            _classes[cls] = watched
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "do_orm_execute", _on_execute)
    _installed = True


def _project_of(session: Session, obj: Any, watched: Watched) -> tuple[Any, Any]:
    """(project_id, team_id) of a watched row (the team as it is now)."""
    if watched.resource == "project":
        return obj.id, obj.team_id
    project_id = getattr(obj, "project_id", None)
    team_id = None
    if project_id is not None:
        project_cls = next(
            (c for c, w in _classes.items() if w.resource == "project"), None
        )
        if project_cls is not None:
            project = session.identity_map.get(identity_key(project_cls, project_id))
            if project is not None:
                team_id = project.team_id
            else:
                # The identity map holds rows weakly: the access check's copy
                # may be gone by now.
                with session.no_autoflush:
                    team_id = session.scalar(
                        select(project_cls.team_id).where(project_cls.id == project_id)
                    )
    return project_id, team_id


def _add(session: Session, obj: Any, watched: Watched, verb: str) -> None:
    actor = context.current()
    if actor is None:
        return
    project_id, team_id = _project_of(session, obj, watched)
    label = getattr(obj, watched.label, None) if watched.label else None
    session.add(
        entry(
            actor,
            f"{watched.resource}.{verb}",
            watched.resource,
            obj.id,
            project_id=project_id,
            team_id=team_id,
            details={"name": label} if label else {},
        )
    )


def _before_flush(session: Session, flush: UOWTransaction, instances: Any) -> None:
    if context.current() is None:
        return
    for obj in list(session.deleted):
        watched = _classes.get(type(obj))
        if watched is not None:
            _add(session, obj, watched, "delete")
    for obj in list(session.dirty):
        watched = _classes.get(type(obj))
        if watched is not None and watched.soft_delete:
            history = inspect(obj).attrs[watched.soft_delete].history
            if not history.has_changes():
                continue
            now = history.added[0] if history.added else None
            _add(session, obj, watched, "delete" if now is not None else "restore")
        elif type(obj).__module__ + ":" + type(obj).__name__ == _KEYS_MODEL:
            _keys_changed(session, obj)
    for obj in list(session.new):
        if type(obj).__module__ + ":" + type(obj).__name__ == _KEYS_MODEL:
            _keys_changed(session, obj)


def _keys_changed(session: Session, settings: Any) -> None:
    """Which providers' keys were set, replaced or removed (never the keys)."""
    history = inspect(settings).attrs["encrypted_keys"].history
    if not history.has_changes():
        return
    before: dict[str, str] = (history.deleted or [None])[0] or {}
    after: dict[str, str] = (history.added or [None])[0] or {}
    changes = {
        provider: ("removed" if provider not in after else "set")
        for provider in sorted(set(before) | set(after))
        if before.get(provider) != after.get(provider)
    }
    actor = context.current()
    if not changes or actor is None:
        return
    session.add(
        entry(
            actor,
            "llm.keys_change",
            "llm_keys",
            settings.user_id,
            details={"providers": changes},
        )
    )


def _on_execute(state: ORMExecuteState) -> None:
    """A bulk `delete(Model).where(Model.id == …)` of a watched model."""
    if not state.is_delete or context.current() is None or state.bind_mapper is None:
        return
    cls = state.bind_mapper.class_
    watched = _classes.get(cls)
    if watched is None:
        return
    for row_id in _ids_in(state.statement):
        obj = state.session.identity_map.get(identity_key(cls, row_id))
        if obj is not None:
            _add(state.session, obj, watched, "delete")


def _ids_in(statement: Any) -> list[uuid.UUID]:
    where = getattr(statement, "whereclause", None)
    if where is None:
        return []
    found: list[uuid.UUID] = []
    visitors.traverse(where, {}, {"bindparam": _collect(found)})
    return found


def _collect(found: list[uuid.UUID]) -> Callable[[BindParameter[Any]], None]:
    def visit(bind: BindParameter[Any]) -> None:
        if isinstance(bind.value, uuid.UUID):
            found.append(bind.value)

    return visit
