"""A library that changes routes after they are declared, as fastapi-pagination does.

``add_pagination(app)`` walks ``app.routes`` (matching FastAPI 0.165's ``_IncludedRouter``),
appends a dependency to ``route.dependencies`` and to ``route.dependant.dependencies``
(``get_parameterless_sub_dependant``), recomputes ``route.body_field``
(``_get_body_field(body_params=_get_flat_body_params(...))``) and re-wraps the route with
``route.app = request_response(route.get_route_handler())``, all before the app starts.
``mutate`` below does the same against either framework; another route gets a handler of
its own through ``route.app``. The same requests go to FastAPI 0.165 and to fastcore.
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Any

import fastapi.dependencies.utils
import fastapi.responses
import fastapi.routing
import fastapi.testclient
import pytest
from pydantic import BaseModel
from starlette.responses import JSONResponse

import fastcore
import fastcore.dependencies.utils
import fastcore.responses
import fastcore.routing
import fastcore.testclient
from tests.compat.test_compat import _same

_size: contextvars.ContextVar[int] = contextvars.ContextVar("size")


class Page(BaseModel):
    items: list[int]
    size: int


async def page_ctx(response: Any, size: int = 3) -> Any:
    token = _size.set(size)
    response.headers["x-extra"] = f"size={size}"
    try:
        yield
    finally:
        _size.reset(token)


def mutate(fw: Any, app: Any) -> None:
    utils, routing = fw.dependencies.utils, fw.routing
    ctx = page_ctx
    ctx.__annotations__["response"] = fw.Response

    def walk(routes: list[Any]) -> Any:
        for route in routes:
            if isinstance(route, routing.APIRoute):
                yield route
            elif isinstance(route, routing._IncludedRouter):
                yield from walk(route.original_router.routes)

    for route in walk(app.routes):
        if route.response_model is not Page:
            continue
        assert not any(d.call is ctx for d in route.dependant.dependencies)
        dep = fw.Depends(ctx)
        route.dependencies.append(dep)
        route.dependant.dependencies.append(
            utils.get_parameterless_sub_dependant(depends=dep, path=route.path_format)
        )
        route.body_field = utils._get_body_field(
            body_params=utils._get_flat_body_params(route.dependant),
            name=route.unique_id,
            embed_body_fields=route._embed_body_fields,
        )
        route.app = routing.request_response(route.get_route_handler())


def app(fw: Any) -> Any:
    app = fw.FastAPI()

    @app.get("/items", response_model=Page)
    async def items(start: int = 0) -> Any:
        size = _size.get()
        return {"items": list(range(start, start + size)), "size": size}

    @app.post("/search", response_model=Page)
    async def search(query: str = fw.Body(), limit: int = fw.Body(5)) -> Any:
        size = min(_size.get(), limit)
        return {"items": [len(query)] * size, "size": size}

    @app.get("/plain")
    async def plain() -> dict:
        return {"ok": True}

    router = fw.APIRouter()

    @router.get("/nested", response_model=Page)
    async def nested() -> Any:
        return {"items": [], "size": _size.get()}

    app.include_router(router, prefix="/r")
    mutate(fw, app)

    plain_route = next(r for r in app.routes if getattr(r, "path", "") == "/plain")
    original = plain_route.get_route_handler()

    async def headed(request: Any) -> Any:
        response = await original(request)
        response.headers["x-why"] = "own handler"
        return response

    plain_route.app = fw.routing.request_response(headed)
    return app


CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/items", {}),
    ("GET", "/items?size=2&start=5", {}),
    ("GET", "/items?size=many", {}),
    ("POST", "/search?size=4", {"json": {"query": "abc", "limit": 2}}),
    ("POST", "/search", {"json": {"limit": 2}}),
    ("GET", "/r/nested?size=1", {}),
    ("GET", "/plain", {}),
]


@pytest.mark.parametrize(("method", "url", "kw"), CASES)
def test_routes_changed_by_a_library_before_start(method: str, url: str, kw: Any) -> None:
    _same(app, method, url, **kw)


@pytest.mark.parametrize("fw", [fastapi, fastcore], ids=["fastapi", "fastcore"])
def test_body_field_describes_the_body(fw: Any) -> None:
    application = app(fw)
    routes = {r.path: r for r in application.routes if hasattr(r, "body_field")}
    assert routes["/items"].body_field is None
    assert routes["/search"]._embed_body_fields is True
    assert routes["/search"].body_field.name == "body"


def lifespan_app(fw: Any) -> Any:
    """``mutate`` called before the routes exist, and again from a lifespan wrapped around
    the router's, as ``add_pagination`` does: the routes declared later are changed while
    the app starts, after fastcore planned them once."""
    app = fw.FastAPI()
    mutate(fw, app)
    original = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(application: Any) -> Any:
        mutate(fw, app)
        async with original(application) as state:
            yield state

    app.router.lifespan_context = lifespan

    @app.get("/later")
    async def later() -> Page:
        return Page(items=[], size=_size.get())

    return app


@pytest.mark.parametrize("url", ["/later", "/later?size=7", "/later?size=x"])
def test_routes_changed_while_the_app_starts(url: str) -> None:
    seen = []
    for fw in (fastapi, fastcore):
        with fw.testclient.TestClient(lifespan_app(fw)) as client:
            response = client.get(url)
            seen.append((response.status_code, response.json(), response.headers.get("x-extra")))
    assert seen[0] == seen[1]


@pytest.mark.parametrize("fw", [fastapi, fastcore], ids=["fastapi", "fastcore"])
def test_response_model_of_the_return_annotation_is_read_before_start(fw: Any) -> None:
    application = fw.FastAPI()

    @application.get("/a")
    async def a() -> Page:
        return Page(items=[], size=0)

    @application.get("/b")
    async def b() -> JSONResponse:
        return JSONResponse({})

    routes = {r.path: r for r in application.routes if hasattr(r, "response_model")}
    assert routes["/a"].response_model is Page
    assert routes["/b"].response_model is None
