"""A router's own routes, events and lifespan, on FastAPI 0.165 and on fastcore.

``APIRouter(routes=, on_startup=, on_shutdown=, lifespan=)``, ``router.on_event``,
``router.add_route`` / ``route()`` / ``mount()``, and what ``include_router`` does with them:
the routes served under the prefix, the handlers copied into the parent and the router's
lifespan merged into the parent's (fastcore/_lifespans.py). Each app is built for both
frameworks; the test compares what a client sees (responses, the order handlers ran in, the
lifespan state).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import fastapi
import fastapi.routing
import fastapi.testclient
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

import fastcore
import fastcore.routing
import fastcore.testclient
from tests.compat.test_compat import _same

FRAMEWORKS = pytest.mark.parametrize("fw", [fastapi, fastcore], ids=["fastapi", "fastcore"])
pytestmark = pytest.mark.filterwarnings(r"ignore:\s*on_event is deprecated:DeprecationWarning")


def _events(build: Any) -> list[list[Any]]:
    """What each framework's app recorded across ``with TestClient(app)`` and one request."""
    seen = []
    for fw in (fastapi, fastcore):
        events: list[Any] = []
        app = build(fw, events)
        with fw.testclient.TestClient(app) as client:
            events.append(("state", dict(client.app_state)))
            events.append(("GET /", client.get("/").status_code))
        seen.append(events)
    return seen


def _handlers(fw: Any, events: list[Any]) -> Any:
    def on(name: str) -> Any:
        return lambda: events.append(name)

    async def on_async(name: str) -> None:
        events.append(name)

    app = fw.FastAPI(on_startup=[on("app-up")], on_shutdown=[on("app-down")])
    router = fw.APIRouter(on_startup=[on("router-up")], on_shutdown=[on("router-down")])
    sub = fw.APIRouter()

    @sub.on_event("startup")
    async def sub_up() -> None:
        await on_async("sub-up")

    @sub.on_event("shutdown")
    def sub_down() -> None:
        events.append("sub-down")

    @app.get("/")
    def root() -> str:
        return "ok"

    router.include_router(sub)
    app.include_router(router)
    return app


def test_startup_and_shutdown_handlers_of_included_routers() -> None:
    ours, theirs = _events(_handlers)
    assert ours == theirs


def _lifespans(fw: Any, events: list[Any]) -> Any:
    def recorder(name: str, state: Any) -> Any:
        @contextlib.asynccontextmanager
        async def lifespan(app: Any) -> AsyncIterator[Any]:
            events.append(f"{name}-up")
            yield state
            events.append(f"{name}-down")

        return lifespan

    def sync_gen(app: Any) -> Iterator[Any]:  # a sync generator function, wrapped
        events.append("sync-up")
        yield {"sync": True, "shared": "sync"}
        events.append("sync-down")

    async def async_gen(app: Any) -> AsyncIterator[None]:  # an async generator function
        events.append("agen-up")
        yield
        events.append("agen-down")

    app = fw.FastAPI(
        lifespan=recorder("app", {"app": 1, "shared": "app"}),
        on_startup=[lambda: events.append("ignored: a lifespan= replaces on_startup")],
    )
    router = fw.APIRouter(lifespan=recorder("router", {"router": 2, "shared": "router"}))
    router.include_router(fw.APIRouter(lifespan=sync_gen))
    router.include_router(fw.APIRouter(lifespan=async_gen))
    router.include_router(fw.APIRouter(lifespan=recorder("none", None)))

    @router.get("/")
    def root(request: Request) -> Any:
        events.append(("request.state", request.state.shared, request.state.sync))
        return "ok"

    app.include_router(router)
    return app


def test_lifespans_of_included_routers_are_merged() -> None:
    ours, theirs = _events(_lifespans)
    assert ours == theirs


def _no_state(fw: Any, events: list[Any]) -> Any:
    @contextlib.asynccontextmanager
    async def nothing(app: Any) -> AsyncIterator[None]:
        yield

    app = fw.FastAPI(lifespan=nothing)
    app.include_router(fw.APIRouter(lifespan=nothing))

    @app.get("/")
    def root() -> str:
        return "ok"

    return app


def test_merged_lifespans_without_state() -> None:
    ours, theirs = _events(_no_state)
    assert ours == theirs


def _starlette_routes(fw: Any) -> Any:
    async def listing(request: Any) -> JSONResponse:
        return JSONResponse({"path": request.url.path, "params": request.path_params})

    async def plain(request: Any) -> PlainTextResponse:
        return PlainTextResponse(request.method)

    mounted = fw.FastAPI(openapi_url=None)

    @mounted.get("/hello")
    def hello(request: Request) -> Any:
        return {"root_path": request.scope["root_path"], "path": request.url.path}

    router = fw.APIRouter(
        prefix="/r", routes=[Route("/given/{n:int}", listing, methods=["GET", "POST"])]
    )
    router.add_route("/added", plain, methods=["PUT"])

    @router.route("/decorated/{name}")
    async def decorated(request: Any) -> JSONResponse:
        return JSONResponse(request.path_params)

    router.mount("/sub", mounted)

    @router.get("/api")
    def api() -> str:
        return "api"

    route = fw.routing.APIRoute("/direct/{x}", lambda x: {"x": x}, methods=["GET"])
    app = fw.FastAPI(routes=[route])
    app.include_router(router, prefix="/v1")
    app.include_router(fw.APIRouter(routes=[Route("/bare", plain)]))
    return app


# NOTE: as Starlette's Router, a router's prefix applies to its API routes only: add_route,
# route(), mount() and routes= are served under the include's prefix alone
STARLETTE_CASES = [
    ("GET", "/v1/given/5"),
    ("POST", "/v1/given/7"),
    ("GET", "/v1/given/x"),
    ("GET", "/v1/r/given/5"),
    ("PUT", "/v1/added"),
    ("GET", "/v1/added"),
    ("PUT", "/v1/r/added"),
    ("GET", "/v1/decorated/abc"),
    ("HEAD", "/v1/decorated/abc"),
    ("GET", "/v1/sub/hello"),
    ("GET", "/v1/sub"),
    ("GET", "/v1/r/api"),
    ("GET", "/direct/3"),
    ("GET", "/bare"),
]


@pytest.mark.parametrize(("method", "url"), STARLETTE_CASES)
def test_starlette_routes_and_mounts_of_a_router(method: str, url: str) -> None:
    _same(_starlette_routes, method, url)


@FRAMEWORKS
def test_url_path_for_a_router_route(fw: Any) -> None:
    app = _starlette_routes(fw)
    assert app.url_path_for("decorated", name="z") == "/v1/decorated/z"


@FRAMEWORKS
def test_inclusion_cycles_are_refused(fw: Any) -> None:
    router, child = fw.APIRouter(), fw.APIRouter()
    with pytest.raises(AssertionError, match="into itself"):
        router.include_router(router)
    router.include_router(child, prefix="/c")
    with pytest.raises(AssertionError, match="already includes this router"):
        child.include_router(router, prefix="/p")


@FRAMEWORKS
def test_empty_prefix_and_path_are_refused(fw: Any) -> None:
    router = fw.APIRouter()

    @router.get("")
    def empty() -> str:
        return "ok"  # pragma: no cover

    app = fw.FastAPI()
    with pytest.raises(fw.exceptions.FastAPIError, match="Prefix and path cannot be both empty"):
        app.include_router(router)
    app.include_router(router, prefix="/p")
    with fw.testclient.TestClient(app) as client:
        assert client.get("/p").json() == "ok"
