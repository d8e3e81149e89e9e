"""The OpenAPI document: building it for a 500-route app, fastcore beside FastAPI, and serving
``/openapi.json`` beside plain JSON routes through fastcore's TestClient.

The 500-route app is written once against the framework module, as tests/compat/apps.py does,
so both frameworks document the same routes: path, query, header and body parameters with
constraints, pydantic models in and out, a dependency, several bodies in one route.
Building means a fresh document from a started app (the cache dropped before each round).

NOTE: no ``from __future__ import annotations``: the routes annotate with the framework's own
``Query``/``Header``/``Body``, local names that string annotations cannot reach.
"""

import enum
from typing import Annotated, Any

import fastapi
import msgspec
import pytest
from pydantic import BaseModel, Field

import fastcore
import fastcore.testclient
from examples.shop import app as shop_app

ROUTES = 500


class Color(str, enum.Enum):
    red = "red"
    green = "green"


class Item(BaseModel):
    """An item for sale."""

    name: str = Field(min_length=1, max_length=100)
    price: float = Field(gt=0)
    tags: list[str] = []
    color: Color | None = None


class User(BaseModel):
    username: str = Field(min_length=3)
    age: int | None = None


def _add_group(app: Any, fw: Any, i: int) -> None:
    """Five routes under ``/g{i}``: read, list, create, replace with a header, combined bodies."""
    Query, Header, Body, Depends = fw.Query, fw.Header, fw.Body, fw.Depends
    tags = [f"group{i % 10}"]

    def token(x_token: Annotated[str, Header()]) -> str:
        return x_token

    @app.get(f"/g{i}/items/{{item_id}}", tags=tags, response_model=Item)
    async def read_item(item_id: int, q: str | None = None) -> Any:
        return {"name": "x", "price": 1.0}

    @app.get(f"/g{i}/items", tags=tags)
    async def list_items(
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
        color: Color | None = None,
        tag: Annotated[list[str] | None, Query()] = None,
    ) -> list[Item]:
        return []

    @app.post(f"/g{i}/items", tags=tags, status_code=201)
    async def create_item(item: Item) -> Item:
        return item

    @app.put(f"/g{i}/items/{{item_id}}", tags=tags, responses={404: {"description": "Nope"}})
    async def replace_item(item_id: int, item: Item, token: Annotated[str, Depends(token)]) -> Item:
        return item

    @app.post(f"/g{i}/orders", tags=tags)
    async def order(item: Item, user: User, note: Annotated[str, Body()] = "") -> dict[str, Any]:
        return {}


def big_app(fw: Any) -> Any:
    app = fw.FastAPI(title="Big", version="1.0")
    for i in range(ROUTES // 5):
        _add_group(app, fw, i)
    return app


def _build(benchmark: Any, app: Any) -> None:
    def build() -> dict[str, Any]:
        app.openapi_schema = None
        return app.openapi()

    document = build()
    assert len(document["paths"]) == 2 * ROUTES // 5 + ROUTES // 5
    # A build is tens to hundreds of milliseconds: fixed rounds, so both get the same number.
    benchmark.pedantic(build, rounds=15, warmup_rounds=1)


def test_build_500_routes_fastcore(benchmark: Any) -> None:
    benchmark.group = "openapi: build the document, 500 routes"
    app = big_app(fastcore)
    app.freeze()
    _build(benchmark, app)


def test_build_500_routes_fastapi(benchmark: Any) -> None:
    benchmark.group = "openapi: build the document, 500 routes"
    _build(benchmark, big_app(fastapi))


def _served(app: Any) -> Any:
    """The app with two plain JSON routes beside its /openapi.json: a tiny one, and one that
    returns the document itself (a dict encoded per request, as a hand-written route would)."""

    @app.get("/plain", include_in_schema=False)
    async def plain() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/document", include_in_schema=False)
    async def document() -> dict[str, Any]:
        return app.openapi()

    client = fastcore.testclient.TestClient(app)
    assert client.get("/openapi.json").json() == msgspec.json.decode(
        msgspec.json.encode(app.openapi())
    )
    return client


@pytest.fixture(scope="module")
def shop_client() -> Any:
    """The example app (six operations, a 10 kB document)."""
    return _served(shop_app)


@pytest.fixture(scope="module")
def big_client() -> Any:
    """The 500-route app (a document of about 350 kB)."""
    return _served(big_app(fastcore))


@pytest.mark.parametrize("url", ["/openapi.json", "/plain", "/document"])
def test_serve_shop(benchmark: Any, shop_client: Any, url: str) -> None:
    benchmark.group = "openapi: serve, the example app"
    assert shop_client.get(url).status_code == 200
    benchmark(shop_client.get, url)


@pytest.mark.parametrize("url", ["/openapi.json", "/plain", "/document"])
def test_serve_500_routes(benchmark: Any, big_client: Any, url: str) -> None:
    benchmark.group = "openapi: serve, 500 routes"
    assert big_client.get(url).status_code == 200
    benchmark(big_client.get, url)
