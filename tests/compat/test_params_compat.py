"""Parameters, bodies and errors as FastAPI's tutorial shows them: FastAPI vs fastcore.

Each app is written once against the framework module; the same requests go to FastAPI 0.165
and to fastcore and what a client sees must be equal (``tests/compat/test_compat.py``).
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from tests.compat.test_compat import _same


class Item(BaseModel):
    title: str
    size: int


def errors_app(fw: Any) -> Any:
    """A RequestValidationError handler reading ``exc.errors()`` and ``exc.body``."""
    app = fw.FastAPI()

    @app.exception_handler(fw.exceptions.RequestValidationError)
    async def handler(request: Any, exc: Any) -> Any:
        locs = [f"{error['loc']}" for error in exc.errors()]
        content = fw.encoders.jsonable_encoder({"locs": locs, "body": exc.body})
        return fw.responses.JSONResponse(content, status_code=400)

    @app.get("/items/{item_id}")
    async def read_item(item_id: int, q: int = 0) -> dict:
        return {"item_id": item_id}

    @app.post("/items/")
    async def create_item(item: Item) -> Item:
        return item

    return app


ERROR_CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/items/foo", {}),
    ("GET", "/items/foo?q=x", {}),
    ("POST", "/items/", {"json": {"title": "towel", "size": "XL"}}),
    ("POST", "/items/", {"json": [1, 2]}),
    ("POST", "/items/", {"json": {"title": "towel", "size": 5}}),
]


@pytest.mark.parametrize(("method", "url", "kw"), ERROR_CASES)
def test_validation_error_loc_and_body(method: str, url: str, kw: dict[str, Any]) -> None:
    _same(errors_app, method, url, **kw)
