"""Parameter names and options pydantic gives FastAPI: FastAPI 0.165 vs fastcore.

``validation_alias`` (a string: the name the request uses, over ``alias``; ``AliasChoices``:
the first name present wins), a compiled ``pattern`` with its flags, and a callable
``json_schema_extra`` that edits the parameter's schema. What a client sees, and the
OpenAPI parameters, must be the same.
"""

import re
from typing import Annotated, Any

import pytest
from pydantic import AliasChoices

from tests.compat.test_compat import _clients, _same


def _customize(schema: dict[str, Any]) -> None:
    schema["x-custom"] = "preserved"


def aliases_app(fw: Any) -> Any:
    app = fw.FastAPI()

    @app.get("/validation-alias")
    def validation_alias(
        p: Annotated[str, fw.Query(alias="p_alias", validation_alias="p_val_alias")],
        h: Annotated[str | None, fw.Header(validation_alias="x-val")] = None,
    ) -> dict:
        return {"p": p, "h": h}

    @app.get("/choices")
    def choices(
        value: Annotated[int, fw.Query(alias="ignored", validation_alias=AliasChoices("a", "b"))],
        items: Annotated[list[str], fw.Query(validation_alias=AliasChoices("item", "tag"))] = [],
        token: Annotated[str | None, fw.Header(validation_alias=AliasChoices("X-T", "X-U"))] = None,
        c: Annotated[str | None, fw.Cookie(validation_alias=AliasChoices("c1", "c2"))] = None,
    ) -> dict:
        return {"value": value, "items": items, "token": token, "c": c}

    @app.get("/path/{item_id}")
    def path(item_id: Annotated[int, fw.Path(validation_alias=AliasChoices("x", "y"))]) -> dict:
        return {"item_id": item_id}

    @app.get("/pattern")
    def pattern(
        label: Annotated[
            str,
            fw.Query(pattern=re.compile("^abc$", re.IGNORECASE), json_schema_extra=_customize),
        ] = "ABC",
    ) -> dict:
        return {"label": label}

    return app


CASES: list[tuple[str, dict[str, Any]]] = [
    ("/validation-alias?p_val_alias=x", {"headers": {"x-val": "v"}}),
    ("/validation-alias?p_alias=x", {}),
    ("/validation-alias?p=x", {}),
    ("/choices?a=1", {}),
    ("/choices?b=2&a=1&tag=no&item=one&item=two", {}),
    ("/choices?b=1&b=2", {}),
    ("/choices?a=bad&b=2", {}),
    ("/choices?b=bad", {}),
    ("/choices?ignored=1", {}),
    ("/choices?a=1&tag=x", {"headers": {"x-u": "u", "cookie": "c2=two"}}),
    ("/choices?a=1", {"headers": {"x-t": "t", "x-u": "u", "cookie": "c1=1; c2=2"}}),
    ("/path/5", {}),
    ("/pattern?label=aBc", {}),
    ("/pattern?label=xyz", {}),
    ("/pattern", {}),
]


@pytest.mark.parametrize(("url", "kw"), CASES)
def test_requests(url: str, kw: dict[str, Any]) -> None:
    _same(aliases_app, "GET", url, **kw)


def test_openapi_parameters() -> None:
    ref, ours = _clients(aliases_app)
    theirs, mine = ref.get("/openapi.json").json(), ours.get("/openapi.json").json()
    for path, item in theirs["paths"].items():
        assert mine["paths"][path]["get"]["parameters"] == item["get"]["parameters"], path


def path_default_app(fw: Any) -> Any:
    app = fw.FastAPI()
    items = fw.APIRouter()

    @items.get("/")
    def read_items(user_id: str | None = None) -> dict:
        return {"user_id": user_id}

    # NOTE: the same handler under a prefix that names its parameter: it becomes a path
    # parameter, always required, and its default is not used (as FastAPI)
    app.include_router(items, prefix="/items")
    app.include_router(items, prefix="/users/{user_id}/items")

    @app.get("/things/{n}")
    def thing(n: int = 5) -> dict:
        return {"n": n}

    return app


@pytest.mark.parametrize("url", ["/items/", "/items/?user_id=u", "/users/u1/items/", "/things/3"])
def test_path_parameter_default_unused(url: str) -> None:
    _same(path_default_app, "GET", url)


def test_path_parameter_default_openapi() -> None:
    ref, ours = _clients(path_default_app)
    assert ours.get("/openapi.json").json()["paths"] == ref.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize("fw_name", ["fastapi", "fastcore"])
def test_path_marker_default_and_regex(fw_name: str) -> None:
    import importlib

    fw = importlib.import_module(fw_name)
    exceptions = importlib.import_module(f"{fw_name}.exceptions")
    with pytest.raises(AssertionError, match="Path parameters cannot have a default value"):
        fw.Path(5)
    with pytest.warns(exceptions.FastAPIDeprecationWarning, match="`regex` has been deprecated"):
        fw.Query(regex="^a$")
