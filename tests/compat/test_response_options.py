"""FastAPI's response_model_* route options: FastAPI vs fastcore, for pydantic and msgspec models.

A msgspec Struct is compared with FastAPI running the equivalent pydantic model.
"""

from typing import Any

import fastapi
import fastapi.testclient
import msgspec
import pytest
from pydantic import BaseModel, Field

import fastcore
import fastcore.testclient


class Tag(BaseModel):
    label: str
    weight: int = 1


class Item(BaseModel):
    name: str
    description: str | None = None
    price: float
    tax: float = 10.5
    tags: list[Tag] = []
    sku: str = Field("none", alias="SKU")


class STag(msgspec.Struct):
    label: str
    weight: int = 1


class SItem(msgspec.Struct):
    name: str
    price: float
    description: str | None = None
    tax: float = 10.5
    tags: list[STag] = []
    sku: str = msgspec.field(default="none", name="SKU")


ITEMS = {
    "foo": {"name": "Foo", "price": 50.2, "SKU": "f1"},
    "bar": {
        "name": "Bar",
        "description": "B",
        "price": 62,
        "tax": 20.2,
        "tags": [{"label": "x", "weight": 3}],
    },
    "baz": {
        "name": "Baz",
        "description": None,
        "price": 50.2,
        "tax": 10.5,
        "tags": [{"label": "y"}],
    },
}

OPTIONS: dict[str, dict[str, Any]] = {
    "include": {"response_model_include": {"name", "description"}},
    "include-list": {"response_model_include": ["name", "tags"]},
    "exclude": {"response_model_exclude": {"tax"}},
    "exclude-nested": {"response_model_exclude": {"tags": {"__all__": {"weight"}}}},
    "include-nested": {"response_model_include": {"name": True, "tags": {0: {"label"}}}},
    "by-alias-off": {"response_model_by_alias": False},
    "exclude-defaults": {"response_model_exclude_defaults": True},
    "exclude-unset": {"response_model_exclude_unset": True},
    "exclude-none": {"response_model_exclude_none": True},
    "combined": {"response_model_exclude": {"tax"}, "response_model_exclude_defaults": True},
}


def _app(fw: Any, model: Any) -> Any:
    app = fw.FastAPI()
    for name, options in OPTIONS.items():

        async def read(item_id: str) -> Any:
            return ITEMS[item_id]

        app.get(f"/{name}/{{item_id}}", response_model=model, **options)(read)
    return app


@pytest.mark.parametrize("model", [Item, SItem], ids=["pydantic", "struct"])
@pytest.mark.parametrize("item_id", sorted(ITEMS))
@pytest.mark.parametrize("option", sorted(OPTIONS))
def test_response_model_options(model: Any, item_id: str, option: str) -> None:
    ref = fastapi.testclient.TestClient(_app(fastapi, Item))
    ours = fastcore.testclient.TestClient(_app(fastcore, model))
    url = f"/{option}/{item_id}"
    expected = ref.get(url)
    got = ours.get(url)
    assert (got.status_code, got.json()) == (expected.status_code, expected.json())


@pytest.mark.parametrize("fw", [fastapi, fastcore], ids=["fastapi", "fastcore"])
def test_response_union_with_response_class_is_refused(fw: Any) -> None:
    app = fw.FastAPI()
    with pytest.raises(
        fastapi.exceptions.FastAPIError if fw is fastapi else fastcore.exceptions.FastAPIError
    ):

        @app.get("/portal")
        async def portal() -> fw.Response | dict:
            return {}

    @app.get("/ok", response_model=None)
    async def ok() -> fw.Response | dict:
        return {"ok": True}
