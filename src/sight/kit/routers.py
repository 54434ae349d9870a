"""Domain routers whose routes are analysed once, where they are served.

FastAPI 0.163 analyses a route (its dependencies' signatures, the request
body's and the response's pydantic adapters) when the endpoint is declared,
and again for every router that includes it: the app serves and documents the
included copy (`_EffectiveRouteContext`), never the declared one. Every domain
router is included into the app, so the analysis at declaration was spent for
nothing: 0.3 s of a warm restart's CPU at load 8 (issue 16). `IncludedAPIRoute`
keeps only what the include reads (the endpoint and the arguments it was
declared with). The included copy is analysed as before: by FastAPI, under a
lock, when a request first walks that router (or /openapi.json is built).

`DomainRouter` also spares a request the walk through routers that cannot
serve it. FastAPI tries the app's included routers in order and, inside each,
every route (its own scope bookkeeping and a regex per route): a GET under a
project tried 32 routes of the routers included before projects, about an
eighth of its CPU (issue 16). A router now first asks one regex, the
alternation of all its routes' paths, whether any of them could match; when
none can, it answers "no match" as the walk would have, so the order of the
routers and which route serves a request are unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import Enum
from typing import Any

from fastapi import APIRouter
from fastapi.datastructures import Default
from fastapi.routing import APIRoute
from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match, compile_path, get_name
from starlette.types import Receive, Scope, Send

# FastAPI's marker for "derive the response model from the return annotation".
_NOT_GIVEN = Default(None)


class IncludedAPIRoute(APIRoute):
    """An `APIRoute` that is only ever served through an include: it stores the
    declaration, the include analyses it (with the same defaults FastAPI uses:
    the response model and the description are derived from the endpoint
    there when they were not given)."""

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        response_model: Any = _NOT_GIVEN,
        status_code: int | None = None,
        tags: list[str | Enum] | None = None,
        dependencies: Any = None,
        summary: str | None = None,
        description: str | None = None,
        response_description: str = "Successful Response",
        responses: dict[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        name: str | None = None,
        methods: set[str] | list[str] | None = None,
        operation_id: str | None = None,
        response_model_include: Any = None,
        response_model_exclude: Any = None,
        response_model_by_alias: bool = True,
        response_model_exclude_unset: bool = False,
        response_model_exclude_defaults: bool = False,
        response_model_exclude_none: bool = False,
        include_in_schema: bool = True,
        response_class: Any = None,
        dependency_overrides_provider: Any = None,
        callbacks: list[BaseRoute] | None = None,
        openapi_extra: dict[str, Any] | None = None,
        generate_unique_id_function: Any = None,
        strict_content_type: Any = None,
    ) -> None:
        self.path = path
        self.endpoint = endpoint
        self.response_model = response_model
        self.stream_item_type = None
        self.status_code = status_code
        self.tags = tags or []
        self.dependencies = list(dependencies or [])
        self.summary = summary
        self.description = description  # type: ignore[assignment]
        self.response_description = response_description
        self.responses = responses or {}
        self.deprecated = deprecated
        self.name = get_name(endpoint) if name is None else name
        self.methods = {method.upper() for method in (methods or ["GET"])}
        self.operation_id = operation_id
        self.response_model_include = response_model_include
        self.response_model_exclude = response_model_exclude
        self.response_model_by_alias = response_model_by_alias
        self.response_model_exclude_unset = response_model_exclude_unset
        self.response_model_exclude_defaults = response_model_exclude_defaults
        self.response_model_exclude_none = response_model_exclude_none
        self.include_in_schema = include_in_schema
        self.response_class = response_class
        self.dependency_overrides_provider = dependency_overrides_provider
        self.callbacks = callbacks
        self.openapi_extra = openapi_extra
        self.generate_unique_id_function = generate_unique_id_function
        self.strict_content_type = strict_content_type
        # Matching on the declared route (the 405 handler in kit/errors.py
        # does) needs only the path and the methods.
        self.path_regex, self.path_format, self.param_convertors = compile_path(path)
        self.app = self._not_included

    async def _not_included(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError(
            f"route {self.path} of a domain router served without being included "
            "(include the router into the app)"
        )


_NAMED_GROUP = re.compile(r"\(\?P<[^>]+>")


class DomainRouter(APIRouter):
    """An `APIRouter` that skips itself, with one regex, for a path none of its
    routes matches (see the module's docstring)."""

    # include prefix -> (the routes' version, the alternation or None)
    _guards: dict[str, tuple[tuple[int, int], re.Pattern[str] | None]]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http":
            guard = self._guard(scope)
            if guard is not None and guard.match(get_route_path(scope)) is None:
                return Match.NONE, {}
        return super().matches(scope)

    def _guard(self, scope: Scope) -> re.Pattern[str] | None:
        included = scope.get("fastapi", {}).get("included_router")
        context = getattr(included, "include_context", None)
        prefix: str = getattr(context, "prefix", "")
        # Nested routers are not shortcut (`_alternation`), so this router's
        # own counter (and the list's length, should it be edited) is enough.
        version = (self._routes_version, len(self.routes))
        guards = self.__dict__.setdefault("_guards", {})
        cached = guards.get(prefix)
        if cached is None or cached[0] != version:
            cached = guards[prefix] = (version, self._alternation(prefix))
        guard: re.Pattern[str] | None = cached[1]
        return guard

    def _alternation(self, prefix: str) -> re.Pattern[str] | None:
        """One regex matching a path iff one of the routes' regexes does; None
        (no shortcut) when the router holds anything but plain API routes."""
        if self._low_priority_routes:
            return None
        patterns = []
        for route in self.routes:
            # Exactly these (a subclass may match differently).
            if not isinstance(route, APIRoute) or type(route) not in (
                APIRoute,
                IncludedAPIRoute,
            ):
                return None
            regex = compile_path(prefix + route.path)[0]  # what FastAPI matches
            # The same regex without its group names (routes share them).
            patterns.append(_NAMED_GROUP.sub("(?:", regex.pattern))
        if not patterns:
            return None
        return re.compile("|".join(f"(?:{pattern})" for pattern in patterns))


def domain_router(
    *, prefix: str = "", tags: list[str | Enum], **kwargs: Any
) -> APIRouter:
    """The router of a domain's endpoints (included into the app by `create_app`)."""
    return DomainRouter(
        prefix=prefix, tags=tags, route_class=IncludedAPIRoute, **kwargs
    )
