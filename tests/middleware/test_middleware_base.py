"""BaseHTTPMiddleware and ``Middleware``: dispatch/call_next behave as Starlette's do."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from typing import Any

import pytest
from starlette import responses as starlette_responses
from starlette.middleware import Middleware as StarletteMiddleware
from starlette.middleware.base import BaseHTTPMiddleware as StarletteBase

from fastcore import FastCore, Request
from fastcore import responses as fastcore_responses
from fastcore.middleware import (
    BaseHTTPMiddleware,
    CORSMiddleware,
    GZipMiddleware,
    HTTPSRedirectMiddleware,
    Middleware,
    TrustedHostMiddleware,
)
from fastcore.middleware.base import http_middleware_decorator
from fastcore.testclient import TestClient

FLAVOURS = [
    pytest.param((BaseHTTPMiddleware, fastcore_responses), id="fastcore"),
    pytest.param((StarletteBase, starlette_responses), id="starlette"),
]


class Boom(Exception):
    pass


async def hello(scope: dict, receive: Any, send: Any) -> None:
    headers = [(b"content-type", b"text/plain"), (b"content-length", b"5"), (b"x-app", b"1")]
    await send({"type": "http.response.start", "status": 201, "headers": headers})
    await send({"type": "http.response.body", "body": b"hello"})


async def echo(scope: dict, receive: Any, send: Any) -> None:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"echo:" + body})


async def streamer(scope: dict, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"x-s", b"1")]})
    for part in (b"a", b"b", b"c"):
        await send({"type": "http.response.body", "body": part, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


async def fails_early(scope: dict, receive: Any, send: Any) -> None:
    raise Boom("early")


async def fails_mid_stream(scope: dict, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"a", "more_body": True})
    raise Boom("late")


async def silent(scope: dict, receive: Any, send: Any) -> None:
    return None


def run(flavour: Any, app: Any, dispatch: Callable[..., Any], **request: Any) -> Any:
    cls, responses = flavour
    client = TestClient(cls(app, dispatch=dispatch(responses)))
    response = client.request(request.pop("method", "GET"), "/", **request)
    return response.status_code, response.headers.raw, response.content


def add_header(responses: Any) -> Any:
    async def dispatch(request: Any, call_next: Any) -> Any:
        response = await call_next(request)
        response.headers["x-mw"] = request.method + " " + request.url.path
        return response

    return dispatch


def short_circuit(responses: Any) -> Any:
    async def dispatch(request: Any, call_next: Any) -> Any:
        return responses.PlainTextResponse("denied", status_code=403, headers={"x-why": "no"})

    return dispatch


def read_body_first(responses: Any) -> Any:
    async def dispatch(request: Any, call_next: Any) -> Any:
        body = await request.body()
        response = await call_next(request)
        response.headers["x-seen"] = body.decode()
        return response

    return dispatch


def catch_errors(responses: Any) -> Any:
    async def dispatch(request: Any, call_next: Any) -> Any:
        try:
            return await call_next(request)
        except Boom as exc:
            return responses.PlainTextResponse(f"caught {exc}", status_code=500)

    return dispatch


def rewrite_body(responses: Any) -> Any:
    async def dispatch(request: Any, call_next: Any) -> Any:
        response = await call_next(request)
        body = b"".join([chunk async for chunk in response.body_iterator])
        return responses.Response(body.upper(), status_code=response.status_code)

    return dispatch


def ignore_response(responses: Any) -> Any:
    async def dispatch(request: Any, call_next: Any) -> Any:
        await call_next(request)
        return responses.PlainTextResponse("replaced")

    return dispatch


CASES = [
    ("adds a header", hello, add_header, {}),
    ("adds a header to a stream", streamer, add_header, {}),
    ("short circuit", hello, short_circuit, {}),
    ("body read twice", echo, read_body_first, {"method": "POST", "content": b"payload"}),
    ("body read by the app only", echo, add_header, {"method": "POST", "content": b"payload"}),
    ("streamed request body", echo, read_body_first, {"method": "POST", "content": [b"a", b"b"]}),
    ("error caught by dispatch", fails_early, catch_errors, {}),
    ("body rewritten", streamer, rewrite_body, {}),
    ("response ignored", streamer, ignore_response, {}),
    ("head request", hello, add_header, {"method": "HEAD"}),
]


@pytest.mark.parametrize(
    ("app", "dispatch", "request_"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_matches_starlette(app: Any, dispatch: Any, request_: dict) -> None:
    ours = run(FLAVOURS[0].values[0], app, dispatch, **request_)
    theirs = run(FLAVOURS[1].values[0], app, dispatch, **request_)
    assert ours == theirs


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("app", [fails_early, fails_mid_stream], ids=["early", "mid-stream"])
def test_app_exceptions_propagate(flavour: Any, app: Any) -> None:
    with pytest.raises(Boom):
        run(flavour, app, add_header)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_no_response_is_an_error(flavour: Any) -> None:
    with pytest.raises(RuntimeError, match="No response returned."):
        run(flavour, silent, add_header)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_dispatch_exceptions_propagate(flavour: Any) -> None:
    def failing(responses: Any) -> Any:
        async def dispatch(request: Any, call_next: Any) -> Any:
            await call_next(request)
            raise Boom("dispatch")

        return dispatch

    with pytest.raises(Boom, match="dispatch"):
        run(flavour, streamer, failing)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_background_work_finishes_before_the_middleware_returns(flavour: Any) -> None:
    events: list[str] = []

    async def app(scope: dict, receive: Any, send: Any) -> None:
        await hello(scope, receive, send)
        message = await receive()
        events.append(message["type"])
        await asyncio.sleep(0.01)
        events.append("background done")

    run(flavour, app, add_header)
    assert events == ["http.disconnect", "background done"]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_background_errors_propagate(flavour: Any) -> None:
    async def app(scope: dict, receive: Any, send: Any) -> None:
        await hello(scope, receive, send)
        raise Boom("background")

    with pytest.raises(Boom, match="background"):
        run(flavour, app, add_header)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_context_variables_set_by_the_app_stay_there(flavour: Any) -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")
    seen: list[str] = []

    async def app(scope: dict, receive: Any, send: Any) -> None:
        var.set("app")
        await hello(scope, receive, send)

    def look(responses: Any) -> Any:
        async def dispatch(request: Any, call_next: Any) -> Any:
            response = await call_next(request)
            seen.append(var.get())
            return response

        return dispatch

    run(flavour, app, look)
    assert seen == ["unset"]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_stacked_middleware_run_outside_in(flavour: Any) -> None:
    cls, _ = flavour
    order: list[str] = []

    def named(name: str) -> Any:
        async def dispatch(request: Any, call_next: Any) -> Any:
            order.append(f"{name} in")
            response = await call_next(request)
            order.append(f"{name} out")
            response.headers.append("x-trail", name)
            return response

        return dispatch

    app = cls(cls(hello, dispatch=named("inner")), dispatch=named("outer"))
    response = TestClient(app).get("/")
    assert order == ["outer in", "inner in", "inner out", "outer out"]
    assert response.headers.raw[-2:] == [(b"x-trail", b"inner"), (b"x-trail", b"outer")]


def test_subclass_overrides_dispatch() -> None:
    class Timing(BaseHTTPMiddleware):
        async def dispatch(self, request: Request, call_next: Any) -> Any:
            response = await call_next(request)
            response.headers["x-sub"] = "yes"
            return response

    assert TestClient(Timing(hello)).get("/").headers["x-sub"] == "yes"
    with pytest.raises(NotImplementedError):
        TestClient(BaseHTTPMiddleware(hello)).get("/")


def test_other_scopes_pass_through() -> None:
    kinds = []

    async def app(scope: dict, receive: Any, send: Any) -> None:
        kinds.append(scope["type"])

    middleware = BaseHTTPMiddleware(app, dispatch=add_header(fastcore_responses))
    for kind in ("websocket", "lifespan"):
        asyncio.run(middleware({"type": kind}, None, None))  # type: ignore[arg-type]
    assert kinds == ["websocket", "lifespan"]


def test_decorator_helper_registers_a_dispatch() -> None:
    app = FastCore()
    middleware = lambda middleware_type: http_middleware_decorator(  # noqa: E731
        app.add_middleware, middleware_type
    )

    @middleware("http")
    async def add_process_time(request: Request, call_next: Any) -> Any:
        request.state.user = "ada"
        response = await call_next(request)
        response.headers["x-process"] = "1"
        return response

    @app.post("/who")
    async def who(request: Request, item: dict) -> dict:
        return {"user": request.state.user, "item": item}

    client = TestClient(app)
    response = client.post("/who", json={"a": 1})
    assert response.json() == {"user": "ada", "item": {"a": 1}}
    assert response.headers["x-process"] == "1"
    with pytest.raises(ValueError, match=r'only middleware\("http"\)'):
        middleware("websocket")


def test_with_a_fastcore_app() -> None:
    app = FastCore()

    async def dispatch(request: Request, call_next: Any) -> Any:
        body = await request.json()
        response = await call_next(request)
        response.headers["x-count"] = str(len(body))
        return response

    app.add_middleware(BaseHTTPMiddleware, dispatch=dispatch)

    @app.post("/items")
    async def items(payload: list[int]) -> dict:
        return {"sum": sum(payload)}

    @app.get("/fail")
    async def fail() -> dict:
        raise Boom("handler")

    client = TestClient(app)
    response = client.post("/items", json=[1, 2, 3])
    assert response.json() == {"sum": 6}
    assert response.headers["x-count"] == "3"
    with pytest.raises(Boom):
        client.request("GET", "/fail", content=b"[]")


def test_middleware_spec_matches_starlettes() -> None:
    ours = Middleware(CORSMiddleware, "x", allow_origins=["*"], max_age=5)
    theirs = StarletteMiddleware(CORSMiddleware, "x", allow_origins=["*"], max_age=5)
    assert (
        repr(ours)
        == repr(theirs)
        == "Middleware(CORSMiddleware, 'x', allow_origins=['*'], max_age=5)"
    )
    assert list(ours) == list(theirs)
    cls, args, kwargs = ours
    assert (cls, args, kwargs) == (CORSMiddleware, ("x",), {"allow_origins": ["*"], "max_age": 5})


def test_package_exports() -> None:
    import fastcore.middleware as package

    assert package.__all__ == sorted(package.__all__)
    for name in ("CORSMiddleware", "GZipMiddleware", "TrustedHostMiddleware"):
        assert (
            getattr(package, name)
            is {
                "CORSMiddleware": CORSMiddleware,
                "GZipMiddleware": GZipMiddleware,
                "TrustedHostMiddleware": TrustedHostMiddleware,
            }[name]
        )
    assert package.HTTPSRedirectMiddleware is HTTPSRedirectMiddleware


def test_middleware_is_not_imported_by_an_app_without_it() -> None:
    import subprocess
    import sys

    code = (
        "import sys, fastcore; from fastcore.testclient import TestClient\n"
        "app = fastcore.FastCore()\n"
        "app.get('/')(lambda: {})\n"
        "TestClient(app).get('/')\n"
        "print('fastcore.middleware' in sys.modules, 'starlette.middleware.base' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_app_middleware_decorator_and_constructor_list_order() -> None:
    from fastcore import FastCore
    from fastcore.middleware import Middleware

    seen: list[str] = []

    class Tag:
        def __init__(self, app: Any, name: str) -> None:
            self.app, self.name = app, name

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            seen.append(self.name)
            await self.app(scope, receive, send)

    app = FastCore(middleware=[Middleware(Tag, name="outer"), Middleware(Tag, name="inner")])

    @app.middleware("http")
    async def add_header(request: Any, call_next: Any) -> Any:
        seen.append("decorator")
        response = await call_next(request)
        response.headers["X-Seen"] = "yes"
        return response

    @app.get("/")
    async def root() -> dict:
        return {"ok": True}

    r = TestClient(app).get("/")
    assert (r.status_code, r.json(), r.headers["x-seen"]) == (200, {"ok": True}, "yes")
    assert seen == ["decorator", "outer", "inner"]
