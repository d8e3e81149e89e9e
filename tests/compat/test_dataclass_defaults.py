"""Dataclass bodies and responses: every field in the JSON, defaults included, as in FastAPI.

msgspec leaves a dataclass field that was not in the input and has a plain default out of
the instance it builds, and its encoder then leaves it out of the JSON; fastcore completes
such instances (fastcore/_validation/dataclass_defaults.py). Each app runs on FastAPI and on
fastcore.
"""

import dataclasses
from typing import Annotated, Any

import fastapi
import fastapi.testclient
import pydantic.dataclasses
import pytest

import fastcore
import fastcore.testclient
from fastcore._validation.dataclass_defaults import completer


@dataclasses.dataclass
class Item:
    name: str
    price: float
    description: str | None = None
    tax: float | None = None
    tags: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Order:
    items: list[Item]
    note: str = "none"


@pydantic.dataclasses.dataclass
class Author:
    name: str
    country: str | None = None


def app_for(fw: Any) -> Any:
    app = fw.FastAPI()

    @app.post("/items/")
    async def echo(item: Item) -> Any:
        return item

    @app.get("/items/next", response_model=Item)
    async def next_item() -> Any:
        return {"name": "Island", "price": 12.99}

    @app.post("/orders/")
    async def order(order: Order) -> Any:
        return order

    @app.post("/embedded/")
    async def embedded(item: Annotated[Item, fw.Body(embed=True)], n: int = 0) -> Any:
        return {"item": item, "n": n}

    @app.get("/authors/", response_model=list[Author])
    def authors() -> Any:
        return [{"name": "Breaters"}]

    @app.post("/authors/")
    def add_author(author: Author) -> Any:
        return author

    return app


CASES = [
    ("POST", "/items/", {"name": "Foo", "price": 3}),
    ("GET", "/items/next", None),
    ("POST", "/orders/", {"items": [{"name": "a", "price": 1}, {"name": "b", "price": 2}]}),
    ("POST", "/embedded/", {"item": {"name": "a", "price": 1}}),
    ("GET", "/authors/", None),
    ("POST", "/authors/", {"name": "x"}),
]


@pytest.mark.parametrize(("method", "url", "body"), CASES)
def test_dataclass_json_is_fastapis(method: str, url: str, body: Any) -> None:
    seen = []
    for fw, client_module in ((fastapi, fastapi.testclient), (fastcore, fastcore.testclient)):
        client = client_module.TestClient(app_for(fw))
        response = client.request(method, url, json=body)
        seen.append((response.status_code, response.json()))
    assert seen[1] == seen[0]
    assert seen[1][0] == 200


def test_types_without_such_dataclasses_pay_nothing() -> None:
    @dataclasses.dataclass
    class NoDefaults:
        x: int

    @dataclasses.dataclass(slots=True)
    class Slotted:
        x: int = 0

    for tp in (int, dict[str, Any], list[int], NoDefaults, Slotted, Any):
        assert completer(tp) is None, tp
    assert completer(list[Item]) is not None
    assert completer(Order | None) is not None
