"""Mounted apps as FastAPI 0.165 (Starlette's ``Mount``) serves them: FastAPI vs fastcore.

- a mount path with parameters (``/{tenant}/static``, ``/t/{org:int}``): the mounted app's
  ``root_path``, ``path_params`` (the mount's merged with its route's) and the slash
  redirect; ``app.url_path_for`` and ``request.url_for`` through the mount's name;
- an ``APIRouter`` mounted as an ASGI app of its own: its routes, its own slash redirect, and
  its errors (404, 422, HTTPException) answered by the enclosing app's handlers;
- the app's ``max_body_size`` over what its mounts read (a raw ASGI app, a Starlette app, a
  sub-app without a limit, with a larger one, and a route of its own with a larger one).
"""

from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from tests.compat.test_compat import _clients

_TEXT = [(b"content-type", b"text/plain")]


async def _scope_echo(scope: Any, receive: Any, send: Any) -> None:
    seen = {k: scope.get(k) for k in ("path", "root_path", "path_params")}
    await send({"type": "http.response.start", "status": 200, "headers": _TEXT})
    await send({"type": "http.response.body", "body": repr(seen).encode()})


def mounts_app(fw: Any) -> Any:
    app = fw.FastAPI()
    app.mount("/{tenant}/static", _scope_echo, name="static")

    sub = fw.FastAPI()

    @sub.get("/items/{i}", name="item")
    def item(i: int, request: fw.Request) -> dict[str, Any]:
        org = request.path_params["org"]
        url = request.url_for("org:item", org=org, i=i)
        root = request.scope["root_path"]
        return {"i": i, "params": request.path_params, "url": str(url), "root": root}

    app.mount("/t/{org:int}", sub, name="org")

    router = fw.APIRouter()

    @router.get("/hello")
    def hello() -> dict[str, int]:
        return {"hello": 1}

    @router.get("/fail")
    def fail() -> None:
        raise fw.HTTPException(418, "teapot", headers={"x-why": "mounted"})

    @router.get("/typed/{n}")
    def typed(n: int, q: int = 0) -> dict[str, int]:
        return {"n": n, "q": q}

    app.mount("/r", router)

    @app.exception_handler(404)
    async def not_found(request: Any, exc: Any) -> Any:
        return fw.responses.JSONResponse({"missing": request.url.path}, 404)

    @app.get("/urls")
    def urls(request: fw.Request) -> dict[str, str]:
        return {
            "static": str(app.url_path_for("static", tenant="acme", path="/a.css")),
            "item": str(app.url_path_for("org:item", org=3, i=4)),
            "request": str(request.url_for("org:item", org=3, i=4)),
        }

    return app


MOUNT_CASES = [
    "/acme/static/x.css",
    "/acme/static/",
    "/acme/static",
    "/t/5/items/7",
    "/t/x/items/7",
    "/t/5/items/x",
    "/r/hello",
    "/r/hello/",
    "/r/fail",
    "/r/nothing",
    "/r/typed/3?q=4",
    "/r/typed/x",
    "/urls",
]


def _seen(resp: Any) -> tuple[Any, ...]:
    return (resp.status_code, resp.text, resp.headers.get("location"), resp.headers.get("x-why"))


@pytest.mark.parametrize("url", MOUNT_CASES)
def test_mounts(url: str) -> None:
    ref, ours = _clients(mounts_app)
    expected = _seen(ref.get(url, follow_redirects=False))
    assert _seen(ours.get(url, follow_redirects=False)) == expected


async def _read_all(scope: Any, receive: Any, send: Any) -> None:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": _TEXT})
    await send({"type": "http.response.body", "body": b"read %d" % len(body)})


async def _read_none(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": _TEXT})
    await send({"type": "http.response.body", "body": b"unread"})


async def _starlette_endpoint(request: Any) -> Any:
    return PlainTextResponse(f"starlette {len(await request.body())}")


def limits_app(fw: Any, sub_limit: int | None) -> Any:
    app = fw.FastAPI(max_body_size=10)
    app.mount("/raw", _read_all)
    app.mount("/unread", _read_none)
    app.mount("/star", Starlette(routes=[Route("/x", _starlette_endpoint, methods=["POST"])]))
    sub = fw.FastAPI(max_body_size=sub_limit)

    @sub.post("/x")
    async def x(request: fw.Request) -> dict[str, int]:
        return {"n": len(await request.body())}

    @sub.post("/big", max_body_size=100)
    async def big(request: fw.Request) -> dict[str, int]:
        return {"n": len(await request.body())}

    app.mount("/sub", sub)
    return app


def _chunks() -> Any:
    for _ in range(4):
        yield b"x" * 5


BODIES = {
    "small": lambda: b"x" * 5,
    "declared-over": lambda: b"x" * 15,
    "chunked-over": _chunks,
    "far-over": lambda: b"x" * 30,
}


@pytest.mark.parametrize("sub_limit", [None, 20])
@pytest.mark.parametrize("url", ["/raw/", "/unread/", "/star/x", "/sub/x", "/sub/big"])
@pytest.mark.parametrize("body", sorted(BODIES))
def test_max_body_size_reaches_mounts(sub_limit: int | None, url: str, body: str) -> None:
    ref, ours = _clients(lambda fw: limits_app(fw, sub_limit))
    expected = ref.post(url, content=BODIES[body]())
    got = ours.post(url, content=BODIES[body]())
    assert (got.status_code, got.text) == (expected.status_code, expected.text)


def included_mount_app(fw: Any) -> Any:
    mounted = fw.FastAPI()

    @mounted.post("/")
    async def echo(request: fw.Request) -> dict[str, int]:
        return {"n": len(await request.body())}

    router = fw.APIRouter()
    router.mount("/mounted", mounted)
    app = fw.FastAPI()
    app.include_router(router, prefix="/nested", max_body_size=5)
    return app


@pytest.mark.parametrize("body", [b"12345", b"123456", _chunks])
def test_included_mount_takes_the_inclusions_limit(body: Any) -> None:
    ref, ours = _clients(included_mount_app)
    content = body() if callable(body) else body
    expected = ref.post("/nested/mounted/", content=content)
    content = body() if callable(body) else body
    got = ours.post("/nested/mounted/", content=content)
    assert (got.status_code, got.text) == (expected.status_code, expected.text)
