"""Markers as pydantic model fields: ``page: int = Query(1, ge=1)`` inside a ``BaseModel``.

FastAPI's markers are pydantic ``FieldInfo``s, so such a model has the default 1 and the bound
``ge=1`` for pydantic too, and its ``model_fields`` entries are the markers: fastapi-pagination
declares its ``Params`` this way and builds a dependency's signature from ``model_fields``
(``annotation=field.annotation, default=field``), copying a field to make it optional.
fastcore's markers, made while pydantic is loaded, are ``FieldInfo``s holding the marker.
The same requests go to FastAPI 0.165 and to fastcore.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
from copy import copy
from typing import Any

import fastapi
import pytest
from pydantic import BaseModel

import fastcore
import fastcore.params
from tests.compat.test_compat import _same


def _models(fw: Any) -> tuple[type[BaseModel], type[BaseModel]]:
    class Params(BaseModel):
        page: int = fw.Query(1, ge=1, description="Page number")
        size: int = fw.Query(50, ge=1, le=100, validation_alias="s")

    optional = {}
    for name, field in Params.model_fields.items():
        field = copy(field)
        field.annotation = field.annotation | None
        field.default = None
        optional[name] = field

    class OptionalParams(BaseModel):
        page: int | None = optional["page"]
        size: int | None = optional["size"]

    return Params, OptionalParams


def _dependency(model: type[BaseModel]) -> Any:
    """A dependency whose signature is the model's fields (fastapi-pagination's way)."""

    async def params(**kwargs: Any) -> Any:
        return model.model_validate(kwargs, by_name=True)

    params.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, annotation=f.annotation, default=f
            )
            for name, f in model.model_fields.items()
        ]
    )
    return params


def app(fw: Any) -> Any:
    Params, OptionalParams = _models(fw)
    app = fw.FastAPI()

    @app.get("/defaults")
    async def defaults() -> dict:
        return Params().model_dump()

    @app.get("/fields")
    async def fields(params: Any = fw.Depends(_dependency(Params))) -> dict:
        return params.model_dump()

    @app.get("/optional")
    async def optional(params: Any = fw.Depends(_dependency(OptionalParams))) -> dict:
        return params.model_dump()

    @app.get("/alias")
    async def alias(q: str = fw.Query("none", validation_alias="search")) -> dict:
        return {"q": q}

    return app


CASES = [
    "/defaults",
    "/fields",
    "/fields?page=3&s=10",
    "/fields?page=0",
    "/fields?size=10",
    "/fields?s=500",
    "/optional",
    "/optional?page=2",
    "/alias?search=x",
    "/alias?q=x",
]


@pytest.mark.parametrize("url", CASES)
def test_markers_as_model_fields(url: str) -> None:
    _same(app, "GET", url)


@pytest.mark.parametrize("fw", [fastapi, fastcore], ids=["fastapi", "fastcore"])
def test_a_marker_is_a_field_info_of_its_class(fw: Any) -> None:
    from pydantic.fields import FieldInfo

    marker = fw.Query(5, ge=1)
    assert isinstance(marker, FieldInfo)
    assert isinstance(marker, fw.params.Query)
    assert isinstance(marker, fw.params.Param)
    assert not isinstance(marker, fw.params.Body)
    assert marker.default == 5
    Params, _ = _models(fw)
    assert Params().page == 1
    assert isinstance(Params.model_fields["page"], fw.params.Query)


def test_without_pydantic_a_marker_is_fastcores_own() -> None:
    # NOTE: an app with no pydantic model imports no pydantic for its markers
    code = (
        "import sys, fastcore, fastcore.params as p; m = fastcore.Query(5, ge=1);"
        " assert 'pydantic' not in sys.modules, 'pydantic imported';"
        " assert type(m) is p.Query and m.default == 5 and p.unwrap_marker(m) is m"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
