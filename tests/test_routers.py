"""A domain router (routes analysed only where they are included) serves and
documents exactly what FastAPI's own router does."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Header, Query, status
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import BaseModel

from sight.app import create_app
from sight.domains import DOMAINS
from sight.kit.routers import IncludedAPIRoute, domain_router
from tests.conftest import make_settings


class Item(BaseModel):
    name: str
    size: int = 1


class Created(BaseModel):
    id: int
    name: str


def caller(x_caller: Annotated[str, Header()] = "anonymous") -> str:
    return x_caller


def declare(router: APIRouter) -> None:
    @router.get("/items/{item_id}")
    async def read_item(
        item_id: int, caller: Annotated[str, Depends(caller)], full: bool = False
    ) -> Item:
        """Read one item.

        Long description.\fnot shown"""
        return Item(name=f"{caller}-{item_id}", size=2 if full else 1)

    @router.post(
        "/items",
        status_code=status.HTTP_201_CREATED,
        response_model=Created,
        responses={409: {"model": Item, "description": "exists"}},
        summary="Make an item",
    )
    async def make_item(item: Item) -> dict[str, Any]:
        return {"id": 7, "name": item.name, "dropped": True}

    @router.get("/items", dependencies=[Depends(caller)], deprecated=True)
    async def list_items(limit: Annotated[int, Query(le=5)] = 2) -> list[Item]:
        return [Item(name=str(i)) for i in range(limit)]

    @router.get("/events", response_class=EventSourceResponse)
    async def events() -> AsyncIterator[ServerSentEvent]:
        yield ServerSentEvent(data={"n": 1}, event="tick")

    @router.delete("/items/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
    async def drop_item(item_id: int) -> None:
        return None


def build(make_router: Callable[..., APIRouter]) -> FastAPI:
    app = FastAPI()
    router = make_router(prefix="/api/v1/toy", tags=["toy"])
    declare(router)
    app.include_router(router)
    return app


async def exchange(app: FastAPI) -> list[tuple[int, str]]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        calls = [
            client.get("/api/v1/toy/items/3?full=true", headers={"x-caller": "ann"}),
            client.get("/api/v1/toy/items/x"),
            client.post("/api/v1/toy/items", json={"name": "a"}),
            client.post("/api/v1/toy/items", json={"size": 2}),
            client.get("/api/v1/toy/items?limit=3"),
            client.get("/api/v1/toy/items?limit=9"),
            client.get("/api/v1/toy/events"),
            client.delete("/api/v1/toy/items/3"),
            client.put("/api/v1/toy/items/3"),
        ]
        return [((r := await call).status_code, r.text) for call in calls]


async def test_domain_router_serves_and_documents_like_fastapis_own() -> None:
    plain = build(APIRouter)
    domain = build(domain_router)
    assert domain.openapi() == plain.openapi()
    assert await exchange(domain) == await exchange(plain)


def test_declared_routes_are_not_analysed() -> None:
    router = domain_router(prefix="/api/v1/toy", tags=["toy"])
    declare(router)
    for route in router.routes:
        assert isinstance(route, IncludedAPIRoute)
        # FastAPI's analysis (dependencies, body, response adapter) not done.
        assert not hasattr(route, "dependant")
        assert not hasattr(route, "response_field")


async def test_a_domain_router_not_included_says_so() -> None:
    router = domain_router(prefix="/api/v1/toy", tags=["toy"])
    declare(router)
    transport = httpx.ASGITransport(app=router)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        with pytest.raises(RuntimeError, match="without being included"):
            await client.get("/api/v1/toy/items/3")


def test_every_domain_route_is_a_domain_route_and_documented() -> None:
    app = create_app(make_settings(), database_url="postgresql://unused/unused")
    paths = app.openapi()["paths"]
    count = 0
    for domain in DOMAINS:
        router = domain.load_router()
        if router is None:
            continue
        for route in router.routes:
            assert isinstance(route, IncludedAPIRoute), (domain.name, route)
            if route.include_in_schema:
                assert route.path in paths, route.path
                count += 1
    assert count > 100


def shadowing_app(make_router: Callable[..., APIRouter]) -> FastAPI:
    """Routers whose routes overlap: the first included one wins."""
    app = FastAPI()
    first = make_router(prefix="/api/v1", tags=["first"])
    second = make_router(prefix="/api/v1/things", tags=["second"])
    nested = make_router(prefix="/inner", tags=["nested"])

    @first.get("/things/{thing_id}/parts")
    async def first_parts(thing_id: str) -> str:
        return f"first {thing_id}"

    @second.get("/{thing_id}")
    async def thing(thing_id: int) -> str:
        return f"second {thing_id}"

    @second.get("/{thing_id}/parts")
    async def shadowed_parts(thing_id: str) -> str:
        return "never served: `first` matches this path first"

    @second.post("/{thing_id}/parts")
    async def add_part(thing_id: str) -> str:
        return f"second added to {thing_id}"

    @nested.get("/{rest:path}")
    async def anything(rest: str) -> str:
        return f"nested {rest}"

    app.include_router(first)
    app.include_router(second)
    app.include_router(nested, prefix="/outer")
    return app


async def test_routers_that_cannot_match_are_skipped_with_the_same_winner() -> None:
    plain = shadowing_app(APIRouter)
    domain = shadowing_app(domain_router)
    assert domain.openapi() == plain.openapi()
    requests = [
        ("GET", "/api/v1/things/7/parts"),
        ("GET", "/api/v1/things/7"),
        ("GET", "/api/v1/things/x"),
        ("POST", "/api/v1/things/7/parts"),
        ("DELETE", "/api/v1/things/7/parts"),
        ("GET", "/api/v1/things/7/"),
        ("GET", "/api/v1/other"),
        ("GET", "/outer/inner/a/b"),
        ("GET", "/inner/a"),
    ]

    async def answers(app: FastAPI) -> list[tuple[int, str, str | None]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            out = []
            for method, path in requests:
                r = await c.request(method, path)
                out.append((r.status_code, r.text, r.headers.get("location")))
            return out

    served = await answers(domain)
    assert served == await answers(plain)
    assert served[0][1] == '"first 7"'
    assert served[1][1] == '"second 7"'
    assert served[7][1] == '"nested a/b"'
