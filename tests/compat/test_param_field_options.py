"""pydantic's ``Field`` and validation settings on parameters: FastAPI 0.165 vs fastcore.

- ``Field(alias=...)`` beside a ``Query``/``Body`` marker in ``Annotated``: FastAPI merges
  every ``FieldInfo`` of the metadata into its marker, so the last one that names the
  parameter names it (on the wire, in the 422's ``loc`` and in the docs);
- ``union_mode`` and ``fail_fast`` given to a marker (``Query(union_mode="left_to_right")``,
  ``Body(fail_fast=True)``), to a ``Field`` beside it, and on a model's fields;
- ``AliasChoices`` on the fields of a form model.

What a client sees, and the OpenAPI document, must be the same.
"""

from typing import Annotated, Any, Union

import pytest
from pydantic import AliasChoices, BaseModel, Field

from tests.compat.test_compat import _clients, _same


class Choice(BaseModel):
    v: Union[int, str] = Field(union_mode="left_to_right")
    w: list[int] = Field(default=[], fail_fast=True)


class Signup(BaseModel):
    name: str = Field(validation_alias=AliasChoices("name", "username"))
    tags: list[str] = Field(default=[], validation_alias=AliasChoices("tag", "tags"))
    age: int | None = Field(default=None, validation_alias=AliasChoices("age", "years"))


def options_app(fw: Any) -> Any:
    app = fw.FastAPI()

    @app.get("/field-alias")
    def field_alias(
        x: Annotated[int, Field(alias="xx"), fw.Query()] = 1,
        y: Annotated[str, fw.Query(alias="ignored"), Field(alias="yy")] = "d",
        z: Annotated[str, Field(alias="ignored"), fw.Query(alias="zz")] = "e",
    ) -> dict[str, Any]:
        return {"x": x, "y": y, "z": z}

    @app.post("/field-alias-body")
    def field_alias_body(
        a: Annotated[int, Field(alias="aa"), fw.Body()],
        b: Annotated[str, fw.Body(), Field(alias="bb", min_length=2)],
    ) -> dict[str, Any]:
        return {"a": a, "b": b}

    @app.get("/union")
    def union(
        left: Annotated[Union[int, str], fw.Query(union_mode="left_to_right")] = "",
        field: Annotated[Union[int, str], Field(union_mode="left_to_right"), fw.Query()] = "",
        smart: Annotated[Union[int, str], fw.Query()] = "",
    ) -> dict[str, Any]:
        return {k: [v, type(v).__name__] for k, v in (("l", left), ("f", field), ("s", smart))}

    @app.get("/fail-fast")
    def fail_fast(
        w: Annotated[list[int], fw.Query(fail_fast=True)] = [],  # noqa: B006 - FastAPI copies it
        v: Annotated[list[int], Field(fail_fast=True), fw.Query()] = [],  # noqa: B006
    ) -> dict[str, Any]:
        return {"w": w, "v": v}

    @app.post("/fail-fast-body")
    def fail_fast_body(w: Annotated[list[int], fw.Body(embed=True, fail_fast=True)]) -> Any:
        return {"w": w}

    @app.post("/model")
    def model(choice: Choice) -> dict[str, Any]:
        return {"v": [choice.v, type(choice.v).__name__], "w": choice.w}

    @app.post("/signup")
    def signup(data: Annotated[Signup, fw.Form()]) -> dict[str, Any]:
        return data.model_dump()

    return app


CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/field-alias?xx=3&yy=z&zz=q", {}),
    ("GET", "/field-alias?x=3&y=z&z=q&ignored=no", {}),
    ("GET", "/field-alias?xx=bad", {}),
    ("POST", "/field-alias-body", {"json": {"aa": 1, "bb": "xy"}}),
    ("POST", "/field-alias-body", {"json": {"a": 1, "b": "xy"}}),
    ("POST", "/field-alias-body", {"json": {"aa": 1, "bb": "x"}}),
    ("GET", "/union?left=1&field=2&smart=3", {}),
    ("GET", "/union?left=a&field=b&smart=c", {}),
    ("GET", "/fail-fast?w=a&w=b&w=3", {}),
    ("GET", "/fail-fast?v=a&v=b&v=3", {}),
    ("GET", "/fail-fast?w=1&v=2", {}),
    ("POST", "/fail-fast-body", {"json": {"w": ["a", "b", 3]}}),
    ("POST", "/model", {"json": {"v": "1"}}),
    ("POST", "/model", {"json": {"v": "1", "w": ["a", "b", 3]}}),
    ("POST", "/signup", {"data": {"username": "u", "tags": ["a", "b"], "years": "3"}}),
    ("POST", "/signup", {"data": {"name": "n", "username": "u", "tag": "x"}}),
    ("POST", "/signup", {"data": {}}),
    ("POST", "/signup", {"data": {"username": "u", "years": "x"}}),
]


@pytest.mark.parametrize(("method", "url", "kw"), CASES)
def test_requests(method: str, url: str, kw: dict[str, Any]) -> None:
    _same(options_app, method, url, **kw)


def test_openapi() -> None:
    ref, ours = _clients(options_app)
    assert ours.get("/openapi.json").json() == ref.get("/openapi.json").json()


class Listed(BaseModel):
    value: Annotated[list[str], Field(validation_alias=AliasChoices("first", "second"))]


def listed_app(fw: Any) -> Any:
    app = fw.FastAPI()

    @app.post("/parameter")
    def parameter(
        value: Annotated[list[str], fw.Form(validation_alias=AliasChoices("first", "second"))],
    ) -> dict[str, Any]:
        return {"value": value}

    @app.post("/model")
    def model(params: Annotated[Listed, fw.Form()]) -> dict[str, Any]:
        return params.model_dump(exclude_unset=True)

    return app


@pytest.mark.parametrize("url", ["/parameter", "/model"])
@pytest.mark.parametrize(
    "data",
    [{"second": [""]}, {"second": ["", "hello"]}, {"first": [""], "second": ["hello"]}, {}],
)
def test_form_lists_keep_empty_strings(url: str, data: dict[str, Any]) -> None:
    _same(listed_app, "POST", url, data=data)


def inferred_app(fw: Any) -> Any:
    app = fw.FastAPI()
    count = Annotated[int, Field(alias="original", title="Original")]

    @app.get("/query")
    def query(
        preserved: Annotated[count, fw.Query()],
        replaced: Annotated[count, fw.Query(alias="replacement")],
        cleared: Annotated[count, fw.Query(alias=None)],
    ) -> dict[str, int]:
        return {"preserved": preserved, "replaced": replaced, "cleared": cleared}

    @app.get("/inferred")
    @app.get("/inferred/{item_id}")
    def inferred(
        item_id: Annotated[int, Field(default_factory=lambda: 5)],
        n: Annotated[int, Field(alias="count")] = 10,
    ) -> dict[str, int]:
        return {"item_id": item_id, "n": n}

    @app.post("/body")
    def body(
        first: Annotated[list[int], Field(alias="numbers")],
        second: Annotated[list[int], Field(alias="unused", validation_alias="more")],
    ) -> dict[str, Any]:
        return {"first": first, "second": second}

    return app


INFERRED_CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/query?original=1&replacement=2&cleared=3", {}),
    ("GET", "/query?preserved=1&replaced=2&original=3", {}),
    ("GET", "/inferred/1?count=2", {}),
    ("GET", "/inferred/1", {}),
    ("GET", "/inferred", {}),
    ("GET", "/inferred?n=3", {}),
    ("POST", "/body", {"json": {"numbers": [1], "more": [2]}}),
    ("POST", "/body", {"json": {"first": [1], "unused": [2]}}),
]


@pytest.mark.parametrize(("method", "url", "kw"), INFERRED_CASES)
def test_field_names_without_or_over_a_marker(method: str, url: str, kw: dict[str, Any]) -> None:
    _same(inferred_app, method, url, **kw)
