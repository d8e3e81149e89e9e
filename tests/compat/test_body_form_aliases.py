"""``validation_alias=AliasChoices(...)`` on embedded body fields and on form fields, on
FastAPI 0.165 and on fastcore.

As FastAPI reads them: the first name present wins (for a body its value may be null; for a
form an empty value counts as absent, a list counts if it has any item) and names the error's
``loc``; none present is missing as the first name, else the default. A JSON body that is not
an object has none of the embedded fields (each is missing, defaults aside). Each case sends
the same request to one app built for both frameworks and compares what the client sees.
"""

# NOTE: no "from __future__ import annotations": the markers are built from fw at run time

from typing import Annotated, Any

import pytest
from pydantic import AliasChoices

from tests.compat.test_compat import _same


def _app(fw: Any) -> Any:
    app = fw.FastAPI()

    @app.post("/embedded")
    def embedded(
        value: Annotated[
            int, fw.Body(embed=True, alias="ignored", validation_alias=AliasChoices("a", "b"))
        ],
    ) -> int:
        return value

    @app.post("/multiple")
    def multiple(
        items: Annotated[
            list[int], fw.Body(default_factory=list, validation_alias=AliasChoices("items", "tags"))
        ],
        value: Annotated[int | None, fw.Body(validation_alias=AliasChoices("a", "b"))] = 10,
        plain: int = fw.Body(1),
    ) -> dict[str, Any]:
        return {"value": value, "items": items, "plain": plain}

    @app.post("/form")
    def form(
        value: Annotated[int, fw.Form(validation_alias=AliasChoices("first", "second"))] = 10,
        tags: Annotated[list[str], fw.Form(validation_alias=AliasChoices("tags", "labels"))] = [],  # noqa: B006 - FastAPI copies a default
        flag: Annotated[
            bool, fw.Form(alias="legacy", validation_alias=AliasChoices("enabled", "checkbox"))
        ] = False,
    ) -> dict[str, Any]:
        return {"value": value, "tags": tags, "flag": flag}

    @app.post("/form-required")
    def form_required(
        value: Annotated[int, fw.Form(validation_alias=AliasChoices("first", "second"))],
    ) -> int:
        return value

    return app


JSON = {"content-type": "application/json"}
CASES: list[tuple[str, dict[str, Any]]] = [
    ("/embedded", {"json": {"a": 1}}),
    ("/embedded", {"json": {"b": 2}}),
    ("/embedded", {"json": {"b": 2, "a": 0}}),
    ("/embedded", {"json": {"a": "x", "b": 2}}),
    ("/embedded", {"json": {"b": "x"}}),
    ("/embedded", {"json": {"a": None, "b": 2}}),
    ("/embedded", {"json": {"value": 1, "ignored": 2}}),
    ("/embedded", {"json": {}}),
    ("/multiple", {"json": {}}),
    ("/multiple", {"json": {"b": 2, "tags": [3, 4], "plain": 5}}),
    ("/multiple", {"json": {"tags": [1, "x"]}}),
    ("/multiple", {"json": {"a": None}}),
    ("/multiple", {"content": b"null", "headers": JSON}),
    ("/multiple", {"content": b"[1]", "headers": JSON}),
    ("/multiple", {"content": b'"a"', "headers": JSON}),
    ("/multiple", {"content": b"7", "headers": JSON}),
    ("/multiple", {}),
    ("/form", {"data": {"second": "5"}}),
    ("/form", {"data": {"first": "", "second": "5"}}),
    ("/form", {"data": {"first": "x", "second": "5"}}),
    ("/form", {"data": {"second": "x"}}),
    ("/form", {"data": {"labels": ["", "b"]}}),
    ("/form", {"data": {"tags": [""], "labels": ["b"]}}),
    ("/form", {"data": {"checkbox": "on"}}),
    ("/form", {"data": {"enabled": "", "checkbox": "on", "legacy": "off"}}),
    ("/form", {"files": [("second", (None, "7")), ("labels", (None, "x"))]}),
    ("/form", {}),
    ("/form-required", {"data": {"first": "", "second": ""}}),
    ("/form-required", {"data": {"first": "", "second": "x"}}),
    ("/form-required", {}),
]


@pytest.mark.parametrize(("url", "kw"), CASES)
def test_alias_choices_of_body_and_form_fields(url: str, kw: dict[str, Any]) -> None:
    _same(_app, "POST", url, **kw)
