"""Parameter models (a model as ``Query()``, ``Header()`` or ``Cookie()``): FastAPI vs fastcore.

FastAPI takes pydantic models only; fastcore also takes a msgspec Struct or a dataclass. Those
are compared with FastAPI running the equivalent pydantic model: a client must not tell them
apart.
"""

import dataclasses
from typing import Annotated, Any, Literal

import fastapi
import fastapi.testclient
import msgspec
import pytest
from pydantic import BaseModel, Field

import fastcore
import fastcore.testclient


class Filters(BaseModel):
    limit: int = Field(100, gt=0, le=100)
    order_by: Literal["created_at", "updated_at"] = "created_at"
    tags: list[str] = []


class StrictFilters(Filters):
    model_config = {"extra": "forbid"}


class SFilters(msgspec.Struct, forbid_unknown_fields=True):
    limit: Annotated[int, msgspec.Meta(gt=0, le=100)] = 100
    order_by: Literal["created_at", "updated_at"] = "created_at"
    tags: list[str] = []


@dataclasses.dataclass
class DFilters:
    limit: int = 100
    order_by: Literal["created_at", "updated_at"] = "created_at"
    tags: list[str] = dataclasses.field(default_factory=list)


class LooseFilters(BaseModel):
    limit: int = 100
    order_by: Literal["created_at", "updated_at"] = "created_at"
    tags: list[str] = []


class Headers(BaseModel):
    save_data: bool
    if_modified_since: str | None = None
    x_tag: list[str] = []


class SHeaders(msgspec.Struct):
    save_data: bool
    if_modified_since: str | None = None
    x_tag: list[str] = []


class Range(BaseModel):
    start: int
    end: int


class Session(BaseModel):
    model_config = {"extra": "forbid"}
    session_id: str
    tracker: str | None = None


def _app(fw: Any, filters: Any, strict: Any, headers: Any) -> Any:
    app = fw.FastAPI()

    @app.get("/items")
    async def items(f: Annotated[filters, fw.Query()], q: str | None = None) -> Any:
        return {"f": f, "q": q}

    @app.get("/strict")
    async def strict_items(f: Annotated[strict, fw.Query()]) -> Any:
        return f

    @app.get("/headers")
    async def read_headers(h: Annotated[headers, fw.Header()]) -> Any:
        return h

    @app.get("/raw-headers")
    async def raw_headers(h: Annotated[headers, fw.Header(convert_underscores=False)]) -> Any:
        return h

    @app.get("/range")
    async def read_range(limit: int = 10, r: Annotated[Range | None, fw.Query()] = None) -> Any:
        return {"limit": limit, "r": r}

    @app.get("/cookies")
    async def cookies(c: Annotated[Session, fw.Cookie()]) -> Any:
        return c

    @app.get("/dep")
    async def dep(d: Annotated[dict, fw.Depends(_dependency(fw, filters))]) -> Any:
        return d

    return app


def _dependency(fw: Any, filters: Any) -> Any:
    def use(f: Annotated[filters, fw.Query()]) -> dict:
        return {"limit": f.limit}

    return use


def _reference() -> Any:
    return fastapi.testclient.TestClient(_app(fastapi, Filters, StrictFilters, Headers))


#: fastcore with the same pydantic models, with Structs, with dataclasses (no constraints on
#: the dataclass, so it is compared with an unconstrained pydantic model).
OURS = {
    "pydantic": (Filters, StrictFilters, Headers),
    "struct": (Filters, SFilters, SHeaders),
}


def _seen(resp: Any) -> tuple[int, Any]:
    return resp.status_code, resp.json()


CASES: list[tuple[str, dict[str, Any]]] = [
    ("/items", {}),
    ("/items?limit=5&order_by=updated_at&tags=a&tags=b&q=x", {}),
    ("/items?limit=150&order_by=bad&tool=plumbus", {}),
    ("/items?limit=x&limit=7", {}),
    ("/strict", {}),
    ("/strict?limit=3&tags=x", {}),
    ("/strict?limit=3&tool=plumbus&tool=other", {}),
    ("/strict?limit=0&extra=1", {}),
    ("/headers", {"headers": {"save-data": "yes", "x-tag": "a"}}),
    ("/headers", {"headers": [("save-data", "1"), ("x-tag", "a"), ("x-tag", "b")]}),
    ("/headers", {"headers": {"save-data": "maybe", "if-modified-since": "now"}}),
    ("/headers", {"headers": {"save_data": "true"}}),
    ("/raw-headers", {"headers": {"save_data": "true", "x_tag": "z"}}),
    ("/raw-headers", {"headers": {"save-data": "true"}}),
    ("/range", {}),
    ("/range?limit=3&start=1&end=2", {}),
    ("/range?start=1", {}),
    ("/range?start=a&end=b", {}),
    ("/cookies", {}),
    ("/cookies", {"headers": {"cookie": "session_id=abc"}}),
    ("/cookies", {"headers": {"cookie": "session_id=abc; tracker=t"}}),
    ("/cookies", {"headers": {"cookie": "session_id=abc; other=o"}}),
    ("/dep?limit=7", {}),
    ("/dep?limit=700", {}),
]


@pytest.mark.parametrize("kind", sorted(OURS))
@pytest.mark.parametrize(("url", "kw"), CASES)
def test_param_models(kind: str, url: str, kw: dict[str, Any]) -> None:
    ours = fastcore.testclient.TestClient(_app(fastcore, *OURS[kind]))
    assert _seen(ours.get(url, **kw)) == _seen(_reference().get(url, **kw))


DATACLASS_CASES = [
    "/items",
    "/items?limit=5&order_by=updated_at&tags=a&tags=b&q=x",
    "/items?limit=x&order_by=bad&tool=plumbus",
]


@pytest.mark.parametrize("url", DATACLASS_CASES)
def test_dataclass_param_model(url: str) -> None:
    ref = fastapi.testclient.TestClient(_app(fastapi, LooseFilters, StrictFilters, Headers))
    ours = fastcore.testclient.TestClient(_app(fastcore, DFilters, StrictFilters, Headers))
    assert _seen(ours.get(url)) == _seen(ref.get(url))


@pytest.mark.parametrize("kind", sorted(OURS))
def test_param_models_openapi(kind: str) -> None:
    ours = fastcore.testclient.TestClient(_app(fastcore, *OURS[kind]))
    assert ours.get("/openapi.json").json() == _reference().get("/openapi.json").json()
