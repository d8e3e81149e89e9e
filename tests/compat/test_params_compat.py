"""Parameters, bodies and errors as FastAPI's tutorial shows them: FastAPI vs fastcore.

Each app is written once against the framework module; the same requests go to FastAPI 0.165
and to fastcore and what a client sees must be equal (``tests/compat/test_compat.py``).
"""

import datetime as dt
import uuid
from typing import Annotated, Any

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


def extra_types_app(fw: Any) -> Any:
    """Plain dicts holding timedeltas and aware datetimes: FastAPI's jsonable_encoder spelling.

    Without a response model FastAPI writes them through jsonable_encoder; with one, through
    pydantic (UTC as ``Z``).
    """
    app = fw.FastAPI()
    utc = dt.timezone.utc

    @app.put("/items/{item_id}")
    async def put_item(
        item_id: uuid.UUID,
        start: Annotated[dt.datetime, fw.Body()],
        after: Annotated[dt.timedelta, fw.Body()],
    ):
        return {"item_id": item_id, "start": start, "after": after, "at": start + after}

    @app.get("/plain")
    async def plain():
        return {
            "utc": dt.datetime(2020, 1, 1, tzinfo=utc),
            "naive": dt.datetime(2020, 1, 1, 0, 0, 0, 500000),
            "time": [dt.time(1, 2, 3, tzinfo=utc)],
            "span": (dt.timedelta(days=2, seconds=1.5),),
            "text": "XYZ Pending",
        }

    @app.get("/modelled", response_model=dict[str, dt.datetime])
    async def modelled() -> Any:
        return {"utc": dt.datetime(2020, 1, 1, tzinfo=utc)}

    return app


@pytest.mark.parametrize(
    ("method", "url", "kw"),
    [
        (
            "PUT",
            "/items/ff97dd87-a4a5-4a12-b412-cde99f33e00e",
            {"json": {"start": "2018-12-22T14:00:00+00:00", "after": 300}},
        ),
        ("GET", "/plain", {}),
        ("GET", "/modelled", {}),
    ],
)
def test_extra_types_in_plain_data(method: str, url: str, kw: dict[str, Any]) -> None:
    _same(extra_types_app, method, url, **kw)


def _check_id(value: str) -> str:
    if not value.startswith(("isbn-", "imdb-")):
        raise ValueError('Invalid ID format, it must start with "isbn-" or "imdb-"')
    return value


def pydantic_params_app(fw: Any) -> Any:
    """Parameters of pydantic's own types and validators: validated by pydantic in both."""
    from pydantic import AfterValidator, HttpUrl

    app = fw.FastAPI()

    @app.get("/items/")
    async def items(
        id: Annotated[str | None, AfterValidator(_check_id)] = None,
        callback_url: HttpUrl | None = None,
        short: Annotated[str, AfterValidator(str.upper), fw.Query(max_length=3)] = "x",
    ):
        return {"id": id, "url": str(callback_url) if callback_url else None, "short": short}

    @app.get("/links/{target}")
    async def links(target: HttpUrl, n: int = 1):
        return {"target": str(target), "n": n}

    return app


@pytest.mark.parametrize(
    "url",
    [
        "/items/",
        "/items/?id=isbn-1",
        "/items/?id=wtf-yes",
        "/items/?callback_url=https://example.com/x",
        "/items/?callback_url=not-a-url&id=bad",
        "/items/?short=abc",
        "/items/?short=abcd",
        "/links/http:%2F%2Fa.b?n=2",
        "/links/nope",
        "/openapi.json",
    ],
)
def test_pydantic_typed_params(url: str) -> None:
    _same(pydantic_params_app, "GET", url)


def redirect_app(fw: Any) -> Any:
    """``response_class=RedirectResponse`` with the URL returned: its 307 unless told otherwise."""
    app = fw.FastAPI()

    @app.get("/go", response_class=fw.responses.RedirectResponse)
    async def go():
        return "https://fastapi.tiangolo.com"

    @app.get("/moved", response_class=fw.responses.RedirectResponse, status_code=302)
    async def moved():
        return "/go"

    return app


@pytest.mark.parametrize("url", ["/go", "/moved", "/openapi.json"])
def test_redirect_response_class(url: str) -> None:
    _same(redirect_app, "GET", url, follow_redirects=False)


def html_default_app(fw: Any) -> Any:
    """``default_response_class=HTMLResponse``: the API's routes, never the docs' JSON."""
    app = fw.FastAPI(default_response_class=fw.responses.HTMLResponse)

    @app.get("/items/")
    async def read_items():
        return "<h1>Items</h1>"

    return app


@pytest.mark.parametrize("url", ["/items/", "/openapi.json"])
def test_default_response_class_leaves_the_document_json(url: str) -> None:
    _same(html_default_app, "GET", url)
