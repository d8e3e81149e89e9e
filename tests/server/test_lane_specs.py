"""The server's contract (fastcore/server/contract.py): every route gets a LaneSpec, and its
fallback reason says which path serves it.

The reasons are checked against behaviour, not only against each other: a route whose spec
says ``Fallback.NONE`` is answered by the lane's own write (no Task, no scope), and one with a
reason is not; tests/server/http/test_lane.py and test_lane_shapes.py beside it check that
both answer as the ASGI entry does.
"""

from __future__ import annotations

import re
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Annotated, Any

import msgspec
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse

from fastcore import APIRouter, BackgroundTasks, Body, Depends, FastAPI, Form, Header
from fastcore import Path as P
from fastcore.routing import APIRoute
from fastcore.server.contract import Answer, Fallback, Kind, LaneApp, LaneSpec, Media, Source

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "micro"))


class Item(msgspec.Struct):
    name: str
    price: float = 0.0


async def token() -> str:
    return "t"


async def session() -> AsyncIterator[int]:
    yield 1


def sync_session() -> Iterator[int]:
    yield 1


class _HandlerRoute(APIRoute):
    def get_route_handler(self) -> Any:
        inner = super().get_route_handler()

        async def handler(request: Request) -> Any:
            return await inner(request)

        return handler


def _settings() -> int:
    return 1


def shapes_app() -> FastAPI:
    app = FastAPI()

    @app.get("/simple/{item_id}")
    async def simple(
        item_id: int,
        q: str = "x",
        flag: bool = False,
        x_key: Annotated[str, Header()] = "k",
        maybe: str | None = None,
    ) -> dict[str, Any]:
        return {"id": item_id}

    @app.get("/bounded/{n}")
    async def bounded(n: Annotated[int, P(ge=1, le=10)]) -> dict[str, int]:
        return {"n": n}

    @app.post("/body")
    async def body(item: Item) -> Item:
        return item

    @app.post("/embedded")
    async def embedded(item: Annotated[Item, Body(embed=True)]) -> Item:
        return item

    @app.get("/text", response_class=PlainTextResponse)
    async def text() -> str:
        return "hi"

    @app.get("/dependency")
    async def dependency(t: Annotated[str, Depends(token)]) -> dict[str, str]:
        return {"t": t}

    @app.get("/yield")
    async def with_yield(s: Annotated[int, Depends(session)]) -> dict[str, int]:
        return {"s": s}

    @app.get("/sync-yield")
    async def with_sync_yield(s: Annotated[int, Depends(sync_session)]) -> dict[str, int]:
        return {"s": s}

    @app.get("/def")
    def sync_handler() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/def-dependency")
    def sync_dependency(n: Annotated[int, Depends(_settings)]) -> dict[str, int]:
        return {"n": n}

    @app.get("/def-inline", sync_inline=True)
    def sync_inline() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/def-inline-dependency", sync_inline=True)
    def sync_inline_dependency(n: Annotated[int, Depends(_settings)]) -> dict[str, int]:
        return {"n": n}

    @app.post("/form")
    async def form(name: Annotated[str, Form()]) -> dict[str, str]:
        return {"name": name}

    @app.get("/request")
    async def with_request(request: Request) -> dict[str, str]:
        return {"path": request.url.path}

    @app.get("/background")
    async def with_background(tasks: BackgroundTasks) -> dict[str, bool]:
        return {"ok": True}

    @app.post("/limited", max_body_size=10)
    async def limited(item: Item) -> Item:
        return item

    @app.post("/limited-bodyless", max_body_size=10)
    async def limited_bodyless() -> dict:
        return {"ok": True}

    @app.get("/stream")
    async def stream() -> AsyncIterator[dict[str, int]]:
        yield {"n": 1}

    custom = APIRouter(route_class=_HandlerRoute)

    @custom.get("/route-handler")
    async def via_handler() -> dict[str, bool]:
        return {"ok": True}

    app.include_router(custom)
    return app


EXPECTED = {
    "/simple/{item_id}": Fallback.NONE,
    "/bounded/{n}": Fallback.NONE,
    "/body": Fallback.NONE,
    "/embedded": Fallback.NONE,
    "/text": Fallback.NONE,
    "/def-inline": Fallback.NONE,
    "/def-inline-dependency": Fallback.STEPS,  # NOTE: the handler called as the last step
    "/dependency": Fallback.STEPS,
    "/yield": Fallback.STEPS,
    "/sync-yield": Fallback.STEPS,
    "/def": Fallback.NONE,  # NOTE: the lane hands it to the thread pool (LaneSpec.submit)
    "/form": Fallback.FORM,
    "/request": Fallback.STEPS,
    "/background": Fallback.STEPS,
    "/limited": Fallback.BODY_LIMIT,
    "/limited-bodyless": Fallback.BODY_LIMIT,  # a Content-Length over it is still a 413
    "/stream": Fallback.STREAM,
    "/route-handler": Fallback.ROUTE_HANDLER,
}


def _by_path(app: FastAPI) -> dict[str, LaneSpec]:
    routes = app.lane_routes()
    found: dict[str, LaneSpec] = {}
    for spec in routes.specs.values():
        found[spec.route.path] = spec
    return found


def test_each_shape_gets_its_reason() -> None:
    app = shapes_app()
    specs = _by_path(app)
    for path, reason in EXPECTED.items():
        assert specs[path].fallback is reason, (path, specs[path].describe())
        # NOTE: the lane calls the handler itself only for a route it serves
        assert (specs[path].call is None) is (reason is not Fallback.NONE), path
        # NOTE: a flat plan exactly for the routes whose reason says so
        assert (specs[path].steps is None) is (reason is not Fallback.STEPS), path
    # NOTE: a def handler over def dependencies: one pool hop for the whole request
    pooled = specs["/def-dependency"]
    assert pooled.fallback is Fallback.STEPS and pooled.submit is not None
    assert pooled.call is not None and pooled.steps is not None and not pooled.sync
    # NOTE: it reads the Request: a handler parameter the flat plan passes
    assert specs["/openapi.json"].fallback is Fallback.STEPS
    assert app.lane_routes().whole_app is None
    assert "dependencies solved from a flat plan" in specs["/dependency"].describe()


def test_parameters_as_the_lane_reads_them() -> None:
    specs = _by_path(shapes_app())
    params = {p.name: p for p in specs["/simple/{item_id}"].params}
    assert (params["item_id"].source, params["item_id"].kind) == (Source.PATH, Kind.INT)
    assert (params["q"].source, params["q"].kind, params["q"].default) == (
        Source.QUERY,
        Kind.STR,
        "x",
    )
    assert params["q"].has_default and not params["item_id"].has_default
    assert params["flag"].kind is Kind.BOOL and params["flag"].words is not None
    assert params["flag"].words["yes"] is True
    assert (params["x_key"].source, params["x_key"].key) == (Source.HEADER, "x-key")
    # Optional[str] is not converted in place: the extractor reads it
    assert (params["maybe"].source, params["maybe"].kind) == (Source.PYTHON, Kind.OTHER)
    (n,) = specs["/bounded/{n}"].params
    assert (n.kind, n.low, n.high) == (Kind.INT, 1, 10)
    body = specs["/body"]
    assert body.decoder is not None and body.body_name == "item" and body.params == ()
    assert body.body_values is not None and body.media(b"application/json") == Media.JSON
    assert body.media(b"text/plain") == Media.OTHER
    assert body.media(b"application/msgpack") == Media.MSGPACK
    assert body.msgpack_decoder is None and body.negotiate is None  # NOTE: not opted in
    embedded = specs["/embedded"]
    assert embedded.decoder is None and embedded.body_values is not None
    assert specs["/text"].answer is Answer.TEXT
    assert specs["/body"].answer is Answer.JSON
    assert specs["/text"].content_type_line.startswith(b"content-type: text/plain")


def test_a_msgpack_route() -> None:
    app = FastAPI(msgpack=True)

    @app.post("/items")
    async def create(item: Item) -> Item:
        return item

    spec = _by_path(app)["/items"]
    assert spec.fallback is Fallback.NONE and spec.answer is Answer.MSGPACK
    assert spec.negotiate is not None and spec.msgpack_decoder is not None


def test_whole_app_reasons() -> None:
    app = FastAPI()
    app.add_middleware(GZipMiddleware)

    @app.get("/")
    async def root() -> dict[str, bool]:
        return {"ok": True}

    routes = app.lane_routes()
    assert routes.whole_app is Fallback.MIDDLEWARE
    assert isinstance(app, LaneApp)


def test_every_route_of_the_test_and_bench_apps_has_a_spec() -> None:
    from lane_shapes import app as shapes  # bench/micro/lane_shapes.py

    from tests.server.http.test_lane_shapes import build

    for app in (shapes, build(False), build(True), shapes_app()):
        app.freeze()
        routes = app.lane_routes()
        served = app.router._effective_routes()  # an included router's routes as included
        plans = {route.plan for route in served if isinstance(route, APIRoute)}
        assert plans and plans <= set(routes.specs)
        for spec in routes.specs.values():
            assert isinstance(spec.fallback, Fallback)
            # NOTE: a def handler over def dependencies: the lane hands it to the pool
            pooled = spec.fallback is Fallback.STEPS and spec.submit is not None
            assert (spec.call is None) is (spec.fallback is not Fallback.NONE and not pooled)


_IMPORT = re.compile(
    r"^\s*(?:from\s+(fastcore[\w.]*)\s+(?:c?import)\s+\(?([^)#\n]*)|import\s+(fastcore[\w.]*))",
    re.M,
)


def _private_imports(path: Path) -> list[str]:
    """The framework names ``path`` imports that are private (``fastcore._x`` or ``_name``)."""
    text = path.read_text()
    found = []
    for match in _IMPORT.finditer(text):
        module = match.group(1) or match.group(3)
        names = [n.split(" as ")[0].strip() for n in (match.group(2) or "").split(",")]
        parts = module.split(".")
        if parts[:2] == ["fastcore", "server"]:
            continue
        if any(p.startswith("_") for p in parts[1:]) or any(n.startswith("_") for n in names if n):
            found.append(f"{path.relative_to(ROOT)}: {module} {names}")
    return found


def test_the_server_imports_no_private_framework_name() -> None:
    """fastcore/server/ and the lane read the framework only through the contract."""
    # NOTE: the lane is fastcore/server/http/lane.py, one source for both builds; a one-source
    # module's .pxd cimports (connection.py, cycle.py, lane.py) are imports too
    server = ROOT / "fastcore" / "server"
    files = [p for ext in ("py", "pyx", "pxd") for p in server.rglob(f"*.{ext}")]
    assert any("lane" in p.name for p in files)
    offending = [hit for path in files for hit in _private_imports(path)]
    # NOTE: fastcore._accel (which build of a twin to load) and fastcore._status (which
    # statuses carry a body) sit below every layer, the server's included: docs/internals.md,
    # "Layout" and "The server's contract"
    bottom = ("fastcore._accel ", "fastcore._status ")
    assert [hit for hit in offending if not any(m in hit for m in bottom)] == []
