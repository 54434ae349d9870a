"""The one place a domain is registered.

A domain is a package under `sight/` with some of: `endpoints.py` (a router),
`models.py` (tables), `tasks.py` (job handlers), `offline.py` (offline-engine
composers). Adding one to `DOMAINS` mounts its router, adds its tables to the
metadata Alembic and the app see, and makes every worker know its job handlers
and the offline engine its composers. Nothing else needs editing.

Modules are named as strings and imported on demand, so importing this file is
cheap and nothing runs at import time.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import APIRouter

    from sight.llm.policies import LLMPolicies


@dataclass(frozen=True)
class Domain:
    name: str
    # "package.module:attribute" of an APIRouter, or None for a domain without routes.
    router: str | None = None
    models: str | None = None
    tasks: str | None = None
    offline: str | None = None

    def load_router(self) -> APIRouter | None:
        if self.router is None:
            return None
        module_name, _, attribute = self.router.partition(":")
        router: APIRouter = getattr(importlib.import_module(module_name), attribute)
        return router


DOMAINS: tuple[Domain, ...] = (
    Domain("auth", router="sight.auth.endpoints:router", models="sight.auth.models"),
    Domain("teams", router="sight.teams.endpoints:router", models="sight.teams.models"),
    Domain("audit", router="sight.audit.endpoints:router", models="sight.audit.models"),
    Domain("jobs", router="sight.jobs.endpoints:router", models="sight.jobs.models"),
    Domain("streams", models="sight.streams.models"),
    Domain("demographics", router="sight.demographics.endpoints:router"),
    Domain(
        "projects",
        router="sight.projects.endpoints:router",
        models="sight.projects.models",
    ),
    Domain("llm", router="sight.llm.endpoints:router", models="sight.llm.models"),
    Domain(
        "knowledge",
        router="sight.knowledge.endpoints:router",
        models="sight.knowledge.models",
        # Its offline composers live beside the flows (answer.py, extraction.py).
        tasks="sight.knowledge.tasks",
    ),
    Domain(
        "personas",
        router="sight.personas.endpoints:router",
        models="sight.personas.models",
        tasks="sight.personas.tasks",
        offline="sight.personas.offline",
    ),
    Domain(
        "surveys",
        router="sight.surveys.endpoints:router",
        models="sight.surveys.models",
        tasks="sight.surveys.tasks",
        offline="sight.surveys.offline",
    ),
    Domain(
        "focus_groups",
        router="sight.focus_groups.endpoints:router",
        models="sight.focus_groups.models",
        tasks="sight.focus_groups.tasks",
        offline="sight.focus_groups.offline",
    ),
    Domain(
        "analysis",
        router="sight.analysis.endpoints:router",
        models="sight.analysis.models",
        tasks="sight.analysis.tasks",
        offline="sight.analysis.offline",
    ),
    Domain(
        "notifications",
        router="sight.notifications.endpoints:router",
        models="sight.notifications.models",
        tasks="sight.notifications.tasks",
    ),
    Domain(
        "dashboard",
        router="sight.dashboard.endpoints:router",
        models="sight.dashboard.models",
        tasks="sight.dashboard.tasks",
    ),
    Domain(
        "exports",
        router="sight.exports.endpoints:router",
        models="sight.exports.models",
        tasks="sight.exports.tasks",
    ),
    Domain(
        "fidelity",
        router="sight.fidelity.endpoints:router",
        models="sight.fidelity.models",
        tasks="sight.fidelity.tasks",
    ),
)


def load_models(domains: Sequence[Domain] = DOMAINS) -> None:
    """Import every domain's tables (foreign keys resolve only when all are known)."""
    for domain in domains:
        if domain.models:
            importlib.import_module(domain.models)


def load_tasks(domains: Sequence[Domain] = DOMAINS) -> None:
    """Import every domain's job handlers and offline composers."""
    load_models(domains)
    for domain in domains:
        for module in (domain.tasks, domain.offline):
            if module:
                importlib.import_module(module)


def llm_policies() -> LLMPolicies:
    """The domains that answer the gateway's questions (sight.llm.policies):
    a user's spend limit (auth) and a project's cap and overrides (projects)."""
    from sight.auth.llm_policy import UserSpendLimitsFromUsers
    from sight.llm.policies import LLMPolicies
    from sight.projects.llm_policy import ProjectPoliciesFromProjects

    return LLMPolicies(
        users=UserSpendLimitsFromUsers(), projects=ProjectPoliciesFromProjects()
    )
