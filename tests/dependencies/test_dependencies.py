"""Dependencies: kinds of callables, yield cleanup order and timing, errors through yield."""

import asyncio
from typing import Annotated

import pytest

from fastcore import Depends, FastCore, HTTPException, Request
from fastcore.testclient import TestClient


def test_sync_and_async_generators_clean_up_in_reverse_order() -> None:
    log: list[str] = []

    def first():
        log.append("enter first")
        yield "a"
        log.append("exit first")

    async def second(a: Annotated[str, Depends(first)]):
        log.append("enter second")
        yield a + "b"
        log.append("exit second")

    app = FastCore()

    @app.get("/")
    async def handler(v: Annotated[str, Depends(second)]) -> str:
        log.append("handler")
        return v

    assert TestClient(app).get("/").json() == "ab"
    assert log == ["enter first", "enter second", "handler", "exit second", "exit first"]


def test_cleanup_runs_after_the_response_is_sent() -> None:
    events: list[str] = []

    async def resource():
        yield "r"
        events.append("cleanup")

    app = FastCore()

    @app.get("/")
    async def handler(r: Annotated[str, Depends(resource)]) -> str:
        return r

    async def run() -> None:
        sent: list[str] = []

        async def receive() -> dict:
            return {"type": "http.request", "body": b""}

        async def send(message: dict) -> None:
            sent.append(message["type"])
            events.append(message["type"])

        scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
        await app(scope, receive, send)

    asyncio.run(run())
    assert events == ["http.response.start", "http.response.body", "cleanup"]


def test_handler_exception_reaches_the_dependency() -> None:
    seen: list[str] = []

    async def guarded():
        try:
            yield
        except HTTPException as exc:
            seen.append(f"saw {exc.status_code}")
            raise

    app = FastCore()

    @app.get("/")
    async def handler(_: Annotated[None, Depends(guarded)]) -> None:
        raise HTTPException(409, "conflict")

    r = TestClient(app).get("/")
    assert (r.status_code, r.json()) == (409, {"detail": "conflict"})
    assert seen == ["saw 409"]


def test_dependency_http_exception_comes_before_parameter_errors() -> None:
    def auth(request: Request) -> None:
        if "authorization" not in request.headers:
            raise HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})

    app = FastCore()

    @app.get("/", dependencies=[Depends(auth)])
    async def handler(n: int) -> int:
        return n

    client = TestClient(app)
    r = client.get("/?n=x")
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert client.get("/?n=x", headers={"authorization": "t"}).status_code == 422
    assert client.get("/?n=3", headers={"authorization": "t"}).json() == 3


def test_app_level_dependencies_run_for_every_route() -> None:
    calls: list[str] = []

    def mark() -> None:
        calls.append("mark")

    app = FastCore(dependencies=[Depends(mark)])

    @app.get("/a")
    async def a() -> str:
        return "a"

    client = TestClient(app)
    client.get("/a")
    client.get("/a")
    assert calls == ["mark", "mark"]


def test_sync_handler_runs_off_the_loop() -> None:
    import threading

    app = FastCore()

    @app.get("/")
    def handler() -> bool:
        return threading.current_thread() is threading.main_thread()

    assert TestClient(app).get("/").json() is False


def test_callable_instance_dependency() -> None:
    class Checker:
        def __init__(self, word: str) -> None:
            self.word = word

        def __call__(self, q: str = "") -> bool:
            return self.word in q

    app = FastCore()

    @app.get("/")
    async def handler(ok: Annotated[bool, Depends(Checker("bar"))]) -> bool:
        return ok

    client = TestClient(app)
    assert client.get("/?q=foobar").json() is True
    assert client.get("/?q=foo").json() is False


def test_depends_without_callable_is_a_startup_error() -> None:
    from fastcore import FastCoreError

    app = FastCore()

    @app.get("/")
    async def handler(x: Annotated[int, Depends()]) -> int:
        return x

    with pytest.raises(FastCoreError, match="handler"):
        app.freeze()


def test_a_parameterised_builtin_is_no_dependency_on_any_python() -> None:
    """Python 3.10 reads list[int]'s signature as list's; FastAPI then fails per request."""
    from fastcore import FastCoreError

    app = FastCore()

    @app.get("/")
    async def handler(x: Annotated[list[int], Depends()]) -> list[int]:
        return x

    with pytest.raises(FastCoreError, match=r"callable list\[int\] is not supported"):
        app.freeze()
