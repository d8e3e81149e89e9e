"""Declarations FastAPI 0.165 refuses when the route is declared, on FastAPI and on fastcore.

FastAPI reads a route's parameters and response models in the decorator, so a mistake is an
exception at import time, of the class its users catch: ``AssertionError`` for a parameter
(a list in the path, models in a query, a default inside ``Annotated``, ``Depends`` twice),
``FastAPIError`` for a response model it cannot serialize, ``PydanticV1NotSupportedError``
for a pydantic.v1 model, ``DependencyScopeError`` for a function-scoped dependency under a
request-scoped one. Each case declares the same route on both frameworks and compares the
exception classes seen; the last cases declare a body parameter shared by the handler and a
dependency, which FastAPI reads as one field, and compare what a client sees.
"""

# NOTE: no "from __future__ import annotations": the handlers' annotations are read at run time

import warnings
from collections.abc import Callable
from typing import Annotated, Any

import fastapi
import fastapi.exceptions
import pytest
from pydantic import BaseModel

import fastcore
import fastcore.exceptions
from tests.compat.test_compat import _same

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    from pydantic import v1


class Item(BaseModel):
    title: str


class ItemV1(v1.BaseModel):
    title: str


class Plain:
    pass


def _list_in_path(fw: Any, app: Any) -> None:
    @app.get("/items/{id}")
    def read(id: list[int]) -> None: ...


def _models_in_path(fw: Any, app: Any) -> None:
    @app.get("/items/{id}")
    def read(id: dict[str, Item]) -> None: ...


def _models_in_query(fw: Any, app: Any) -> None:
    @app.get("/items")
    def read(q: list[Item] = fw.Query(default=None)) -> None: ...


def _dict_in_query(fw: Any, app: Any) -> None:
    @app.get("/items")
    def read(q: dict[str, int] = fw.Query(default=None)) -> None: ...


def _default_in_annotated(fw: Any, app: Any) -> None:
    @app.get("/items")
    def read(q: Annotated[int, fw.Query(default=1)]) -> None: ...


async def _dep() -> int:
    return 1


def _depends_twice(fw: Any, app: Any) -> None:
    @app.get("/items")
    def read(q: Annotated[int, fw.Depends(_dep)] = fw.Depends(_dep)) -> None: ...


def _marker_and_depends(fw: Any, app: Any) -> None:
    @app.get("/items")
    def read(q: Annotated[int, fw.Query(min_length=1)] = fw.Depends(_dep)) -> None: ...


def _markers_twice(fw: Any, app: Any) -> None:
    @app.get("/items")
    def read(q: Annotated[int, fw.Query()] = fw.Query(1)) -> None: ...


def _plain_response_model(fw: Any, app: Any) -> None:
    @app.get("/items", response_model=list[Plain])
    def read() -> None: ...


def _plain_in_responses(fw: Any, app: Any) -> None:
    @app.get("/items", responses={404: {"model": Plain}})
    def read() -> None: ...


def _v1_parameter(fw: Any, app: Any) -> None:
    @app.post("/items")
    def read(item: ItemV1) -> None: ...


def _v1_return(fw: Any, app: Any) -> None:
    @app.get("/items")
    def read() -> list[ItemV1]:
        return []


def _v1_in_dependency(fw: Any, app: Any) -> None:
    def dep(item: ItemV1 | None = None) -> None: ...

    @app.post("/items")
    def read(x: Annotated[None, fw.Depends(dep)]) -> None: ...


def _scope(fw: Any, app: Any) -> None:
    def inner() -> Any:
        yield 1

    def outer(x: Annotated[int, fw.Depends(inner, scope="function")]) -> Any:
        yield x

    @app.get("/items")
    def read(y: Annotated[int, fw.Depends(outer, scope="request")]) -> None: ...


def _websocket_scope(fw: Any, app: Any) -> None:
    def inner() -> Any:
        yield 1

    def outer(x: Annotated[int, fw.Depends(inner, scope="function")]) -> Any:
        yield x

    @app.websocket("/ws")
    async def read(ws: fw.WebSocket, y: Annotated[int, fw.Depends(outer)]) -> None: ...


CASES: list[Callable[[Any, Any], None]] = [
    _list_in_path,
    _models_in_path,
    _models_in_query,
    _dict_in_query,
    _default_in_annotated,
    _depends_twice,
    _marker_and_depends,
    _markers_twice,
    _plain_response_model,
    _plain_in_responses,
    _v1_parameter,
    _v1_return,
    _v1_in_dependency,
    _scope,
    _websocket_scope,
]
KINDS = ("AssertionError", "PydanticV1NotSupportedError", "DependencyScopeError", "FastAPIError")


def _kind(fw: Any, declare: Callable[[Any, Any], None]) -> str | None:
    """The FastAPI-facing class of what declaring the route raised (None: nothing)."""
    app = fw.FastAPI()
    try:
        declare(fw, app)
    except Exception as exc:
        classes = {
            "AssertionError": AssertionError,
            "PydanticV1NotSupportedError": fw.exceptions.PydanticV1NotSupportedError,
            "DependencyScopeError": fw.exceptions.DependencyScopeError,
            "FastAPIError": fw.exceptions.FastAPIError,
        }
        return next((k for k in KINDS if isinstance(exc, classes[k])), type(exc).__name__)
    return None


fastapi.exceptions  # noqa: B018 - reached as fw.exceptions
fastcore.exceptions  # noqa: B018


@pytest.mark.parametrize("declare", CASES, ids=lambda f: f.__name__.strip("_"))
def test_refused_when_declared(declare: Callable[[Any, Any], None]) -> None:
    expected = _kind(fastapi, declare)
    assert expected is not None
    assert _kind(fastcore, declare) == expected


def _shared_body(fw: Any) -> Any:
    app = fw.FastAPI()

    def same_item(item: Item) -> Item:
        return item

    def both(item: Item, sub: Item = fw.Depends(same_item)) -> list[Item]:
        return [item, sub]

    @app.post("/shared")
    async def shared(item: Item, again: Item = fw.Depends(same_item)) -> Any:
        return [item, again]

    @app.post("/nested")
    async def nested(item: Item, items: list[Item] = fw.Depends(both)) -> Any:
        return [item, items]

    @app.post("/embedded")
    async def embedded(
        count: int = fw.Body(), item: Item = fw.Body(), again: Item = fw.Depends(same_item)
    ) -> Any:
        return [count, item, again]

    return app


@pytest.mark.parametrize("url", ["/shared", "/nested", "/embedded"])
@pytest.mark.parametrize(
    "body",
    [{"title": "a"}, {"item": {"title": "a"}}, {}, {"item": {}, "count": "x"}, {"count": 1}],
)
def test_body_parameter_shared_with_a_dependency(url: str, body: Any) -> None:
    _same(_shared_body, "POST", url, json=body)
    _same(_shared_body, "GET", "/openapi.json")


ACCEPTED = """
import sys
from typing import Any
from fastcore import FastAPI

app = FastAPI()

@app.get("/objects")
async def objects() -> dict[str, object]:
    return {"a": 1}

@app.get("/anys")
async def anys() -> list[Any]:
    return [1]

assert "pydantic" not in sys.modules, "the check loaded pydantic"
print("declared")
"""


def test_any_value_models_are_accepted_without_pydantic_loaded() -> None:
    """``dict[str, object]`` (any value, as pydantic reads ``object``) is a valid response
    model for FastAPI; fastcore's declaration check must not refuse it when nothing has
    imported pydantic yet (a plain app: the check's pydantic fallback is not there)."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", ACCEPTED], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "declared"
