"""Custom route classes (``route_class=``, ``get_route_handler``): FastAPI vs fastcore.

One app, written once against the framework module, uses each way FastAPI's docs subclass
``APIRoute``: a ``Request`` subclass that decompresses the body, a handler that catches
``RequestValidationError`` and reads the body, a timer adding a header, a route class on an
included router, ``route_class_override``, and a yield dependency and a form under a custom
route. The same requests go to FastAPI's TestClient and to fastcore's, and, for fastcore,
through its own server's protocol (both builds), which must answer the same.
"""

import asyncio
import gzip
import json
from collections.abc import Callable
from types import ModuleType
from typing import Annotated, Any

import fastapi
import fastapi.exceptions
import fastapi.responses
import fastapi.routing
import fastapi.testclient
import pytest

import fastcore
import fastcore.exceptions
import fastcore.responses
import fastcore.routing
import fastcore.testclient
from bench.load.inmemory import InMemoryServer, parse_response
from tests.support.builds import ids, implementations

EVENTS: list[str] = []


def _app(fw: Any) -> Any:
    Request, APIRoute = fw.Request, fw.routing.APIRoute
    RequestValidationError = fw.exceptions.RequestValidationError

    class GzipRequest(Request):  # type: ignore[misc, valid-type]
        async def body(self) -> bytes:
            if not hasattr(self, "_body"):
                body = await super().body()
                if "gzip" in self.headers.getlist("Content-Encoding"):
                    body = gzip.decompress(body)
                self._body = body
            return self._body  # type: ignore[no-any-return]

    class GzipRoute(APIRoute):  # type: ignore[misc, valid-type]
        def get_route_handler(self) -> Callable[..., Any]:
            original = super().get_route_handler()

            async def handler(request: Any) -> Any:
                return await original(GzipRequest(request.scope, request.receive))

            return handler

    class LoggingRoute(APIRoute):  # type: ignore[misc, valid-type]
        def get_route_handler(self) -> Callable[..., Any]:
            original = super().get_route_handler()

            async def handler(request: Any) -> Any:
                try:
                    return await original(request)
                except RequestValidationError as exc:
                    body = await request.body()
                    detail = {"errors": exc.errors(), "body": body.decode()}
                    raise fw.HTTPException(status_code=422, detail=detail) from None

            return handler

    class TimedRoute(APIRoute):  # type: ignore[misc, valid-type]
        def get_route_handler(self) -> Callable[..., Any]:
            original = super().get_route_handler()

            async def handler(request: Any) -> Any:
                response = await original(request)
                response.headers["X-Timed"] = "yes"
                return response

            return handler

    app = fw.FastAPI()
    app.router.route_class = GzipRoute

    @app.post("/sum")
    async def sum_numbers(numbers: Annotated[list[int], fw.Body()]) -> Any:
        return {"sum": sum(numbers)}

    @app.get("/class")
    def request_class(request: Request) -> Any:  # type: ignore[valid-type]
        return {"class": type(request).__name__}

    @app.post("/form")
    async def form(name: Annotated[str, fw.Form()]) -> Any:
        return {"name": name}

    logged = fw.APIRouter(route_class=LoggingRoute)

    @logged.post("/logged")
    async def logged_sum(numbers: Annotated[list[int], fw.Body()]) -> Any:
        return sum(numbers)

    timed = fw.APIRouter(prefix="/timed", route_class=TimedRoute)

    async def resource() -> Any:
        EVENTS.append("open")
        yield "db"
        EVENTS.append("close")

    @timed.get("/")
    async def timed_root() -> Any:
        return {"message": "timed"}

    @timed.get("/dep", status_code=201)
    async def timed_dep(db: Annotated[str, fw.Depends(resource)]) -> Any:
        return {"db": db}

    @timed.get("/empty", status_code=204)
    async def timed_empty() -> None:
        return None

    @timed.get("/text", response_class=fw.responses.PlainTextResponse)
    async def timed_text() -> Any:
        return "plain"

    async def plain() -> Any:
        return {"plain": True}

    timed.add_api_route("/override", plain, route_class_override=APIRoute)
    app.include_router(logged)
    app.include_router(timed)

    @app.get("/missing")
    async def missing(q: int) -> Any:
        return {"q": q}

    return app


def _gzip(payload: Any) -> dict[str, Any]:
    data = gzip.compress(json.dumps(payload).encode())
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    return {"content": data, "headers": headers}


CASES: list[tuple[str, str, Callable[[], dict[str, Any]]]] = [
    ("POST", "/sum", lambda: _gzip([1] * 100)),
    ("POST", "/sum", lambda: {"json": [1, 2, 3]}),
    ("POST", "/sum", lambda: {"json": {"numbers": [1]}}),
    ("POST", "/sum", lambda: {"content": b"{no", "headers": {"content-type": "application/json"}}),
    ("GET", "/class", dict),
    ("POST", "/form", lambda: {"data": {"name": "Plumbus"}}),
    ("POST", "/form", lambda: {"data": {}}),
    ("POST", "/logged", lambda: {"json": [1, 2, 3]}),
    ("POST", "/logged", lambda: {"json": {"numbers": [1, 2, 3]}}),
    ("GET", "/timed/", dict),
    ("GET", "/timed/dep", dict),
    ("GET", "/timed/empty", dict),
    ("GET", "/timed/text", dict),
    ("GET", "/timed/override", dict),
    ("GET", "/missing", dict),
    ("GET", "/missing?q=3", dict),
]
_HEADERS = ("content-type", "content-length", "x-timed")


def _seen(response: Any) -> tuple[int, str, dict[str, str | None]]:
    return response.status_code, response.text, {h: response.headers.get(h) for h in _HEADERS}


@pytest.mark.parametrize(("method", "url", "kw"), CASES, ids=[f"{m} {u}" for m, u, _ in CASES])
def test_route_class(method: str, url: str, kw: Callable[[], dict[str, Any]]) -> None:
    EVENTS.clear()
    ref = fastapi.testclient.TestClient(_app(fastapi)).request(method, url, **kw())
    ref_events = list(EVENTS)
    EVENTS.clear()
    ours = fastcore.testclient.TestClient(_app(fastcore)).request(method, url, **kw())
    assert _seen(ours) == _seen(ref)
    assert ref_events == EVENTS


def test_route_class_attributes() -> None:
    app = _app(fastcore)
    contexts = fastcore.routing.iter_route_contexts(app.routes)  # included routes as served
    classes = {r.path: type(r.route).__name__ for r in contexts if hasattr(r, "methods")}
    assert classes["/sum"] == "GzipRoute"
    assert classes["/logged"] == "LoggingRoute"
    assert classes["/timed/"] == "TimedRoute"
    assert classes["/timed/override"] == "APIRoute"
    assert fastcore.APIRouter().route_class is fastcore.routing.APIRoute


def test_handler_asked_before_start_serves_once_planned() -> None:
    # FastAPI builds the handler in the route's __init__; fastcore's, asked before the app
    # has started, serves through the plan the app makes when it starts.
    from starlette.requests import Request

    app = fastcore.FastAPI()

    @app.get("/x/{n}")
    async def read(n: int) -> dict:
        return {"n": n}

    handler = app.routes[-1].get_route_handler()
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/x/3",
        "headers": [],
        "query_string": b"",
        "path_params": {"n": "3"},
    }
    with pytest.raises(RuntimeError, match="not planned yet"):
        asyncio.run(handler(Request(scope)))
    app.freeze()
    response = asyncio.run(handler(Request(scope)))
    assert (response.status_code, json.loads(response.body)) == (200, {"n": 3})


def test_plain_routes_keep_the_fast_lane() -> None:
    app = _app(fastcore)
    app.freeze()
    contexts = fastcore.routing.iter_route_contexts(app.routes)  # included routes as served
    plans = {r.path: r.plan for r in contexts if hasattr(r, "plan")}
    assert plans["/timed/override"].simple_call is not None
    # the docs routes are not the app's route_class, as FastAPI's are plain Starlette routes
    assert type(plans["/openapi.json"]).__name__ == "RoutePlan"
    assert plans["/timed/"].simple_call is None  # served through TimedRoute's handler


PROTOCOLS = implementations("protocol")


@pytest.mark.parametrize("mod", PROTOCOLS, ids=ids(PROTOCOLS))
@pytest.mark.parametrize(("method", "url", "kw"), CASES, ids=[f"{m} {u}" for m, u, _ in CASES])
def test_route_class_on_fastcores_server(
    mod: ModuleType, method: str, url: str, kw: Callable[[], dict[str, Any]]
) -> None:
    """fastcore's server (direct lane, then the general path) answers as the ASGI entry."""
    import httpx

    app = _app(fastcore)
    ref = fastcore.testclient.TestClient(app).request(method, url, **kw())
    request = httpx.Request(method, "http://t" + url, **kw())
    head = f"{method} {request.url.raw_path.decode()} HTTP/1.1\r\nHost: t\r\n"
    body = request.read()
    for name, value in request.headers.items():
        if name.lower() not in ("host", "transfer-encoding"):
            head += f"{name}: {value}\r\n"
    if body and "content-length" not in request.headers:
        head += f"content-length: {len(body)}\r\n"
    server = InMemoryServer(app, mod)
    try:
        status, headers, raw_body = parse_response(server.request(head.encode() + b"\r\n" + body))
        server.settle()
    finally:
        server.close()
    assert status == ref.status_code
    assert raw_body.decode() == ref.text
    assert headers.get("x-timed") == ref.headers.get("x-timed")
    assert headers.get("content-type") == ref.headers.get("content-type")
