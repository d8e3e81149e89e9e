"""Tutorial-shaped routes answer through fastcore's server exactly as through the ASGI entry.

Dependencies (async, def, async and sync generators, sub-dependencies, the per-request
cache, ``dependencies=[...]``), ``def`` handlers in the thread pool and with
``sync_inline=True``, and returned Response objects (written in one ``transport.write``,
background tasks after it), in both builds: each request goes through the protocol fed in
memory and through the TestClient, and status, headers (but Date) and body must match.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import AsyncIterator, Iterator
from types import ModuleType
from typing import Annotated, Any

import pytest
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)

from bench.load.inmemory import InMemoryServer, parse_head
from fastcore import APIRouter, BackgroundTasks, Depends, FastAPI, Header, HTTPException
from fastcore.testclient import TestClient
from tests.support.builds import ids, implementations

PROTOCOLS = implementations("protocol")
EVENTS: list[str] = []


def get_settings() -> dict[str, str]:
    EVENTS.append("settings")
    return {"name": "app"}


def get_user(settings: Annotated[dict[str, str], Depends(get_settings)]) -> str:
    return "user-of-" + settings["name"]


async def get_token(x_token: Annotated[str | None, Header()] = None) -> str:
    if x_token == "bad":
        raise HTTPException(403, "bad token", headers={"x-why": "token"})
    return x_token or "anon"


async def get_db() -> AsyncIterator[str]:
    EVENTS.append("db open")
    try:
        yield "db"
    except ValueError:
        EVENTS.append("db saw ValueError")
        raise
    finally:
        EVENTS.append("db close")


def get_sync_db() -> Iterator[str]:
    EVENTS.append("sync db open")
    yield "sdb"
    EVENTS.append("sync db close")


async def fails_after_yield() -> AsyncIterator[str]:
    yield "x"
    raise RuntimeError("after yield")


def limited(count: int) -> int:
    return count


def build(inline: bool) -> FastAPI:
    app = FastAPI(sync_inline=inline)

    @app.get("/def")
    def def_handler(q: int = 1) -> dict[str, Any]:
        return {"q": q}

    @app.get("/def-deps")
    def def_deps(
        user: Annotated[str, Depends(get_user)],
        settings: Annotated[dict[str, str], Depends(get_settings)],
        n: Annotated[int, Depends(limited)],
    ) -> dict[str, Any]:
        return {"user": user, "settings": settings, "n": n}

    @app.get("/async-deps")
    async def async_deps(
        token: Annotated[str, Depends(get_token)],
        user: Annotated[str, Depends(get_user)],
        db: Annotated[str, Depends(get_db)],
        sdb: Annotated[str, Depends(get_sync_db)],
    ) -> dict[str, Any]:
        EVENTS.append("handler")
        return {"token": token, "user": user, "db": db, "sdb": sdb}

    @app.get("/db-error")
    async def db_error(db: Annotated[str, Depends(get_db)]) -> dict[str, str]:
        raise ValueError("handler failed")

    @app.get("/after-yield")
    async def after_yield(x: Annotated[str, Depends(fails_after_yield)]) -> dict[str, str]:
        return {"x": x}

    @app.get("/plain")
    async def plain() -> Response:
        return PlainTextResponse("Hello, World!", headers={"x-a": "1"})

    @app.get("/html")
    def html() -> Response:
        return HTMLResponse("<b>hi</b>", status_code=201)

    @app.get("/json-response")
    async def json_response() -> Response:
        response = JSONResponse({"a": [1, 2]}, status_code=202)
        response.set_cookie("session", "abc", httponly=True)
        response.set_cookie("other", "x y", max_age=10)
        return response

    @app.get("/redirect")
    async def redirect() -> Response:
        return RedirectResponse("/plain")

    @app.get("/empty")
    async def empty() -> Response:
        return Response(status_code=204)

    @app.get("/bad-header")
    async def bad_header() -> Response:
        return Response("x", headers={"x-bad": "a\r\nb"})

    @app.get("/background")
    async def background() -> Response:
        tasks = BackgroundTasks()
        tasks.add_task(EVENTS.append, "task")
        return PlainTextResponse("queued", background=tasks)

    @app.get("/background-param")
    def background_param(tasks: BackgroundTasks) -> Response:
        tasks.add_task(EVENTS.append, "param task")
        return PlainTextResponse("queued")

    router = APIRouter(prefix="/r", dependencies=[Depends(get_token)])

    @router.get("/{item_id}")
    def routed(item_id: int, user: Annotated[str, Depends(get_user)]) -> dict[str, Any]:
        return {"item_id": item_id, "user": user}

    app.include_router(router)
    return app


class _Server(InMemoryServer):
    """The app on a protocol build in memory (bench/load/inmemory.py), a connection a request."""

    def get(self, target: str, headers: str = "") -> tuple[int, list[Any], bytes, int]:
        """(status, headers but Date, body, how many transport writes) of ``GET target``."""
        self.connect()
        raw = self.request(f"GET {target} HTTP/1.1\r\nHost: t\r\n{headers}\r\n".encode())
        self.settle()
        status, pairs, body = parse_head(raw)
        return status, [(k, v) for k, v in pairs if k != "date"], body, self.transport.writes


@pytest.fixture(params=[False, True], ids=["threadpool", "inline"])
def app(request: pytest.FixtureRequest) -> FastAPI:
    return build(request.param)


@pytest.fixture(params=PROTOCOLS, ids=ids(PROTOCOLS))
def mod(request: pytest.FixtureRequest) -> ModuleType:
    return request.param  # type: ignore[no-any-return]


def _reference(app: FastAPI, target: str, headers: dict[str, str]) -> tuple[int, list[Any], bytes]:
    with TestClient(app, raise_server_exceptions=False) as client:
        ref = client.get(target, headers=headers, follow_redirects=False)
    got = [(k.decode().lower(), v.decode()) for k, v in ref.headers.raw if k.lower() != b"date"]
    return ref.status_code, got, ref.content


TARGETS = [
    "/def",
    "/def?q=5",
    "/def?q=x",
    "/def-deps?count=3",
    "/def-deps",
    "/def-deps?count=no",
    "/async-deps",
    "/plain",
    "/html",
    "/json-response",
    "/redirect",
    "/empty",
    "/r/7",
    "/r/x",
]


@pytest.mark.parametrize("target", TARGETS)
def test_shapes_answer_as_the_asgi_entry(app: FastAPI, mod: ModuleType, target: str) -> None:
    status, headers, body, _ = _Server(app, mod).get(target)
    assert (status, headers, body) == _reference(app, target, {})


def test_http_exception_from_a_dependency(app: FastAPI, mod: ModuleType) -> None:
    for target in ("/async-deps", "/r/1"):
        status, headers, body, _ = _Server(app, mod).get(target, "X-Token: bad\r\n")
        assert (status, headers, body) == _reference(app, target, {"X-Token": "bad"})
        assert status == 403 and ("x-why", "token") in headers


def test_response_objects_are_one_write(app: FastAPI, mod: ModuleType) -> None:
    for target in ("/plain", "/json-response", "/redirect", "/html"):
        *_, writes = _Server(app, mod).get(target)
        assert writes == 1, target
    status, headers, _, _ = _Server(app, mod).get("/json-response")
    cookies = [v for k, v in headers if k == "set-cookie"]
    assert (
        cookies
        == [
            "session=abc; HttpOnly; Path=/; SameSite=lax",
            'other="x y"; Max-Age=10; Path=/; SameSite=lax',
        ]
        or len(cookies) == 2
    )


def test_a_bad_header_is_a_500(app: FastAPI, mod: ModuleType) -> None:
    status, _, body, _ = _Server(app, mod).get("/bad-header")
    assert status == 500 and body == b"Internal Server Error"


def test_yield_cleanup_after_the_write_in_order(app: FastAPI, mod: ModuleType) -> None:
    EVENTS.clear()
    server = _Server(app, mod)
    status, _, body, _ = server.get("/async-deps")
    assert status == 200

    async def cleaned_up() -> None:
        for _ in range(400):  # NOTE: the sync generator's exit runs in a pool thread
            if "db close" in EVENTS:
                return
            await asyncio.sleep(0.005)

    server.loop.run_until_complete(cleaned_up())
    server_events = list(EVENTS)
    EVENTS.clear()
    _reference(app, "/async-deps", {})
    assert server_events == EVENTS
    assert server_events.index("handler") < server_events.index("sync db close")
    assert server_events[-2:] == ["sync db close", "db close"]


def test_an_exception_is_thrown_into_the_yield_dependency(app: FastAPI, mod: ModuleType) -> None:
    EVENTS.clear()
    status, headers, body, _ = _Server(app, mod).get("/db-error")
    assert status == 500 and EVENTS == ["db open", "db saw ValueError", "db close"]
    assert (status, headers, body) == _reference(app, "/db-error", {})


def test_a_dependency_that_raises_after_yield(app: FastAPI, mod: ModuleType) -> None:
    status, _, body, _ = _Server(app, mod).get("/after-yield")
    ref_status, _, ref_body = _reference(app, "/after-yield", {})
    assert (status, body) == (ref_status, ref_body) == (200, b'{"x":"x"}')


def _wait_for(server: _Server, events: list[str]) -> None:
    async def wait() -> None:
        for _ in range(400):  # NOTE: a def task runs in a thread after the write
            if events == EVENTS:
                return
            await asyncio.sleep(0.005)

    server.loop.run_until_complete(wait())


def test_background_tasks_run_after_the_write(app: FastAPI, mod: ModuleType) -> None:
    EVENTS.clear()
    server = _Server(app, mod)
    status, _, body, _ = server.get("/background")
    _wait_for(server, ["task"])
    assert (status, body, EVENTS) == (200, b"queued", ["task"])
    EVENTS.clear()
    status, _, body, _ = server.get("/background-param")
    _wait_for(server, ["param task"])
    assert (status, body, EVENTS) == (200, b"queued", ["param task"])


def test_the_per_request_cache(app: FastAPI, mod: ModuleType) -> None:
    EVENTS.clear()
    _Server(app, mod).get("/def-deps?count=1")
    assert EVENTS == ["settings"]


def test_overrides_are_honoured(app: FastAPI, mod: ModuleType) -> None:
    async def fake_settings() -> dict[str, str]:
        return {"name": "fake"}

    app.dependency_overrides[get_settings] = fake_settings
    try:
        status, headers, body, _ = _Server(app, mod).get("/def-deps?count=2")
        assert b'"fake"' in body
        assert (status, headers, body) == _reference(app, "/def-deps?count=2", {})
    finally:
        app.dependency_overrides.clear()


def test_sync_inline_is_per_router_and_route() -> None:
    app = FastAPI()
    router = APIRouter(sync_inline=True)

    @router.get("/inline")
    def inline() -> dict[str, str]:
        return {"thread": threading.current_thread().name}

    @app.get("/pooled")
    def pooled() -> dict[str, str]:
        return {"thread": threading.current_thread().name}

    @app.get("/route-inline", sync_inline=True)
    def route_inline() -> dict[str, str]:
        return {"thread": threading.current_thread().name}

    @router.get("/kept-pooled", sync_inline=False)
    def kept_pooled() -> dict[str, str]:
        return {"thread": threading.current_thread().name}

    app.include_router(router)
    with TestClient(app) as client:
        assert client.get("/kept-pooled").json()["thread"].startswith("fastcore-")
        main = threading.current_thread().name
        assert client.get("/inline").json()["thread"] == main
        assert client.get("/route-inline").json()["thread"] == main
        assert client.get("/pooled").json()["thread"].startswith("fastcore-")


CACHED_SEEN: list[str] = []


@functools.lru_cache
def get_cached() -> str:
    CACHED_SEEN.append(threading.current_thread().name)
    return "settings"


def test_a_cached_settings_dependency_is_looked_up_on_the_loop() -> None:
    app = FastAPI()

    @app.get("/")
    async def read(value: Annotated[str, Depends(get_cached)]) -> dict[str, str]:
        return {"value": value}

    CACHED_SEEN.clear()
    get_cached.cache_clear()
    with TestClient(app) as client:
        assert client.get("/").json() == client.get("/").json() == {"value": "settings"}
        get_cached.cache_clear()
        assert client.get("/").json() == {"value": "settings"}
    # NOTE: the function itself always runs in the pool (a cache miss may block); a hit
    # is a lookup that runs nothing, made on the loop
    assert len(CACHED_SEEN) == 2 and all(n.startswith("fastcore-") for n in CACHED_SEEN)
