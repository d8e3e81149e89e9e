"""``validate_default`` and pydantic ``Field()`` defaults on parameters, on FastAPI 0.165 and
on fastcore.

A missing value's default goes through the parameter's validation when the marker (or a
pydantic ``Field()`` in ``Annotated``) says ``validate_default=True``: before-validators run,
constraints hold (an invalid default is a 422 whose input is the default), a
``default_factory`` is called per request; an explicit ``validate_default=False`` on the marker
wins over the ``Field()``. ``Annotated[int, Field(default_factory=f)]`` without a marker has
that default. Each case sends the same request to one app built for both frameworks.
"""

# NOTE: no "from __future__ import annotations": the markers are built from fw at run time

import itertools
from typing import Annotated, Any

import pytest
from pydantic import BeforeValidator, Field

from tests.compat.test_compat import _same


def _double(value: Any) -> Any:
    return 0 if value is None else int(value) * 2


Doubled = Annotated[int | None, BeforeValidator(_double)]


def _app(fw: Any) -> Any:
    app = fw.FastAPI()
    counter = itertools.count(1)

    @app.post("/query")
    def query(value: Annotated[Doubled, fw.Query(validate_default=True)] = 10) -> Any:
        return value

    @app.post("/header")
    def header(value: Annotated[Doubled, fw.Header(validate_default=True)] = None) -> Any:
        return value

    @app.post("/cookie")
    def cookie(value: Annotated[Doubled, fw.Cookie(validate_default=True)] = 4) -> Any:
        return value

    @app.post("/form")
    def form(value: Annotated[Doubled, fw.Form(validate_default=True)] = 3) -> Any:
        return value

    @app.post("/body")
    def body(value: Annotated[Doubled, fw.Body(embed=True, validate_default=True)] = 5) -> Any:
        return value

    @app.post("/factory")
    def factory(
        value: Annotated[
            Doubled, fw.Query(default_factory=lambda: next(counter), validate_default=True)
        ],
    ) -> Any:
        return value

    @app.get("/bounded")
    def bounded(value: Annotated[int, fw.Query(gt=0, validate_default=True)] = -1) -> Any:
        return value

    @app.get("/field")
    def field(value: Annotated[Doubled, Field(validate_default=True), fw.Query()] = 10) -> Any:
        return value

    @app.get("/field-off")
    def field_off(
        value: Annotated[
            Doubled, Field(validate_default=True), fw.Query(validate_default=False)
        ] = 10,
    ) -> Any:
        return value

    @app.get("/inferred")
    def inferred(value: Annotated[int, Field(default_factory=lambda: 5)]) -> Any:
        return value

    @app.post("/inferred-many")
    def inferred_many(
        values: Annotated[
            list[int], Field(default_factory=list, min_length=1, validate_default=True)
        ],
        count: Annotated[int, Field(gt=0, validate_default=True)] = -1,
    ) -> Any:
        return {"count": count, "values": values}

    return app


CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/query", {}),
    ("POST", "/query", {"params": {"value": "7"}}),
    ("POST", "/header", {}),
    ("POST", "/cookie", {}),
    ("POST", "/form", {}),
    ("POST", "/form", {"data": {"value": "1"}}),
    ("POST", "/body", {"json": {}}),
    ("POST", "/body", {"json": {"value": None}}),
    ("POST", "/factory", {}),
    ("GET", "/bounded", {}),
    ("GET", "/bounded", {"params": {"value": "3"}}),
    ("GET", "/field", {}),
    ("GET", "/field-off", {}),
    ("GET", "/inferred", {}),
    ("GET", "/inferred", {"params": {"value": "9"}}),
    ("POST", "/inferred-many", {}),
    ("POST", "/inferred-many", {"params": {"count": "2"}, "json": [1, 2]}),
    ("GET", "/openapi.json", {}),
]


@pytest.mark.parametrize(("method", "url", "kw"), CASES)
def test_validated_defaults(method: str, url: str, kw: dict[str, Any]) -> None:
    _same(_app, method, url, **kw)


def test_orjson_and_ujson_responses_are_deprecated() -> None:
    import fastapi.exceptions
    import fastapi.responses

    import fastcore.exceptions
    import fastcore.responses

    for fw in (fastapi, fastcore):
        for name in ("ORJSONResponse", "UJSONResponse"):
            with pytest.warns(
                fw.exceptions.FastAPIDeprecationWarning, match=f"{name} is deprecated"
            ):
                getattr(fw.responses, name)(content=None)
