"""``def`` handlers over ``def`` dependencies, served in one pool hop by the lane, as FastAPI.

Each app is built from one factory on FastAPI 0.165 (its TestClient) and on fastcore, served
by fastcore's server fed in memory (both builds). Status, body, headers and the order in
which the dependencies, the handler, background tasks and the generators' exits ran must
match: the exits after the response, exceptions (of the handler, of a dependency, of the
serializer) thrown into the generators, a generator that swallows one, an exit that raises,
invalid input (FastAPI still calls the dependencies) and the per-request cache.
"""

import asyncio
import functools
import threading
import time
from collections.abc import Iterator
from types import ModuleType
from typing import Annotated, Any

import fastapi
import fastapi.responses
import fastapi.testclient
import pydantic
import pytest

import fastcore
import fastcore.responses
from bench.load.inmemory import MemoryTransport
from fastcore.server.config import ServerConfig
from fastcore.server.contract import Fallback
from fastcore.server.dispatch import Dispatch
from fastcore.server.server import ServerState
from tests.support.builds import ids, implementations

PROTOCOLS = implementations("protocol")
EVENTS: list[str] = []
_lock = threading.Lock()


def _event(what: str) -> None:
    with _lock:
        EVENTS.append(what)


@functools.lru_cache
def get_settings() -> dict[str, str]:
    return {"greeting": "hello"}


class Out(pydantic.BaseModel):
    n: int


def pooled_app(fw: Any) -> Any:
    app = fw.FastAPI()
    Depends, Header = fw.Depends, fw.Header

    def session(settings: Annotated[dict[str, str], Depends(get_settings)]) -> Iterator[str]:
        _event("session open")
        try:
            yield "db"
        except ValueError:
            _event("session saw ValueError")
            raise
        except fw.HTTPException as exc:
            _event(f"session saw {exc.status_code}")
            raise
        finally:
            _event("session close")

    def swallowing() -> Iterator[str]:
        try:
            yield "s"
        except Exception:
            _event("swallowed")

    def exit_raises() -> Iterator[str]:
        yield "e"
        _event("exit raising")
        raise RuntimeError("exit failed")

    def plain(db: Annotated[str, Depends(session)]) -> str:
        _event("plain")
        return db + "!"

    def once() -> int:
        _event("once")
        return 1

    def refuses(db: Annotated[str, Depends(session)]) -> str:
        raise fw.HTTPException(403, "no", headers={"x-why": "dep"})

    @app.get("/pooled")
    def pooled(
        db: Annotated[str, Depends(session)],
        p: Annotated[str, Depends(plain)],
        q: int = 0,
        x_user: Annotated[str, Header()] = "anon",
    ) -> dict[str, Any]:
        _event("handler")
        return {"db": db, "p": p, "q": q, "user": x_user}

    @app.get("/cache")
    def cache(
        a: Annotated[int, Depends(once)],
        b: Annotated[int, Depends(once)],
        c: Annotated[int, Depends(once, use_cache=False)],
    ) -> dict[str, int]:
        return {"a": a, "b": b, "c": c}

    @app.get("/raises")
    def raises(db: Annotated[str, Depends(session)]) -> dict[str, str]:
        raise ValueError("handler failed")

    @app.get("/http-error")
    def http_error(db: Annotated[str, Depends(session)]) -> dict[str, str]:
        raise fw.HTTPException(409, "conflict", headers={"x-why": "test"})

    @app.get("/dep-refuses")
    def dep_refuses(r: Annotated[str, Depends(refuses)]) -> dict[str, str]:
        return {"r": r}

    @app.get("/swallow")
    def swallow(s: Annotated[str, Depends(swallowing)]) -> dict[str, str]:
        raise ValueError("swallowed by the dependency")

    @app.get("/exit-raises")
    def exit_raising(e: Annotated[str, Depends(exit_raises)]) -> dict[str, str]:
        return {"e": e}

    @app.get("/bad-response", response_model=Out)
    def bad_response(db: Annotated[str, Depends(session)]) -> Any:
        return {"n": "not a number"}

    @app.get("/text")
    def text(db: Annotated[str, Depends(session)]) -> Any:
        return fw.responses.PlainTextResponse(db)

    @app.get("/background")
    def background(db: Annotated[str, Depends(session)], tasks: fw.BackgroundTasks) -> Any:
        tasks.add_task(_event, "background")
        return {"db": db}

    @app.get("/response-background")
    def response_background(db: Annotated[str, Depends(session)]) -> Any:
        from starlette.background import BackgroundTask

        return fw.responses.JSONResponse({"db": db}, background=BackgroundTask(_event, "bg"))

    return app


def _served(mod: ModuleType, app: Any, target: str, headers: dict[str, str]) -> dict[str, Any]:
    """``target`` through fastcore's server in memory; what a client sees, and the events."""
    loop = asyncio.new_event_loop()
    app.freeze()
    state = ServerState(ServerConfig(), loop, app, mod)
    dispatch = Dispatch(app, state, mod)
    state.handler = dispatch.handler
    transport = MemoryTransport()
    conn = mod.HttpProtocol(state)
    conn.connection_made(transport)
    lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    raw = f"GET {target} HTTP/1.1\r\nHost: t\r\n{lines}\r\n".encode()
    at_response: list[list[str]] = []

    async def settle() -> None:
        loop.call_soon(conn.data_received, raw)  # NOTE: from a callback, as a worker's transport
        for _ in range(1000):
            await asyncio.sleep(0.001)
            if b"\r\n\r\n" in transport.out:
                break
        at_response.append(list(EVENTS))
        quiet = 0
        while quiet < 30:  # NOTE: the exits run after the response, in the pool
            before = len(EVENTS)
            await asyncio.sleep(0.002)
            quiet = quiet + 1 if len(EVENTS) == before else 0

    EVENTS.clear()
    try:
        loop.run_until_complete(settle())
    finally:
        conn.connection_lost(None)
        dispatch.close()
        loop.run_until_complete(asyncio.sleep(0))
        loop.close()
    head, _, body = bytes(transport.out).partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    seen = {
        k.lower(): v
        for k, _, v in (line.decode().partition(": ") for line in head.split(b"\r\n")[1:])
        if k.lower() in ("x-why", "content-type")
    }
    return {"status": status, "headers": seen, "body": body, "events": list(EVENTS)}


def _reference(target: str, headers: dict[str, str]) -> dict[str, Any]:
    app = pooled_app(fastapi)
    EVENTS.clear()
    with fastapi.testclient.TestClient(app, raise_server_exceptions=False) as client:
        response = client.get(target, headers=headers)
    seen = {k: v for k, v in response.headers.items() if k in ("x-why", "content-type")}
    return {
        "status": response.status_code,
        "headers": seen,
        "body": response.content,
        "events": list(EVENTS),
    }


CASES = [
    ("/pooled?q=3", {"x-user": "ann"}),
    ("/pooled?q=x", {}),  # NOTE: the handler's input invalid: its dependencies still ran
    ("/cache", {}),
    ("/raises", {}),
    ("/http-error", {}),
    ("/dep-refuses", {}),
    ("/swallow", {}),
    ("/exit-raises", {}),
    ("/bad-response", {}),
    ("/text", {}),
    ("/background", {}),
    ("/response-background", {}),
]
POOLED = {"/pooled", "/cache", "/raises", "/http-error", "/dep-refuses", "/swallow"}
POOLED |= {"/exit-raises", "/bad-response", "/text", "/response-background"}


@pytest.fixture(params=PROTOCOLS, ids=ids(PROTOCOLS))
def mod(request: pytest.FixtureRequest) -> ModuleType:
    return request.param  # type: ignore[no-any-return]


def test_the_routes_take_one_pool_hop() -> None:
    app = pooled_app(fastcore)
    specs = {spec.route.path: spec for spec in app.lane_routes().specs.values()}
    for path in POOLED:
        spec = specs[path]
        assert spec.fallback is Fallback.STEPS and spec.submit is not None, spec.describe()
    # NOTE: a BackgroundTasks parameter needs the request's state: the general path
    assert specs["/background"].submit is None


@pytest.mark.parametrize(("target", "headers"), CASES, ids=[f"{t} {h}" for t, h in CASES])
def test_answers_and_order_as_fastapi(
    mod: ModuleType, target: str, headers: dict[str, str]
) -> None:
    expected = _reference(target, headers)
    got = _served(mod, pooled_app(fastcore), target, headers)
    assert got == expected


def test_the_exit_runs_after_the_response_is_written(mod: ModuleType) -> None:
    app = fastcore.FastAPI()
    written: list[bool] = []
    transport = MemoryTransport()

    def session() -> Iterator[str]:
        yield "db"
        time.sleep(0.01)
        written.append(b"\r\n\r\n" in transport.out)

    @app.get("/")
    def handler(db: Annotated[str, fastcore.Depends(session)]) -> dict[str, str]:
        return {"db": db}

    loop = asyncio.new_event_loop()
    app.freeze()
    state = ServerState(ServerConfig(), loop, app, mod)
    dispatch = Dispatch(app, state, mod)
    state.handler = dispatch.handler
    conn = mod.HttpProtocol(state)
    conn.connection_made(transport)

    async def run() -> None:
        loop.call_soon(conn.data_received, b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        for _ in range(500):
            await asyncio.sleep(0.002)
            if written:
                break

    try:
        loop.run_until_complete(run())
    finally:
        conn.connection_lost(None)
        dispatch.close()
        loop.close()
    assert written == [True]
    assert transport.out.startswith(b"HTTP/1.1 200")
