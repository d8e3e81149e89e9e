"""A graceful stop with requests in flight on the lane's ``def`` path (the thread pool).

The lane hands a ``def`` handler (and its ``def`` dependencies) to the pool with no Task
around it, and a ``def`` generator's exit runs in the pool after the response: a stop must
still let the call finish and answer, and wait for the exit before the app's lifespan
shutdown runs, as uvicorn waits for a FastAPI request's task (its exit stack included).
"""

import contextlib
import threading
import time
from collections.abc import AsyncIterator, Iterator
from types import ModuleType
from typing import Annotated, Any

import fastcore
from fastcore.server.contract import Fallback
from tests.support.rawhttp import Conn, build
from tests.support.server_thread import ServerThread

EVENTS: list[str] = []


def _app() -> Any:
    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        yield
        EVENTS.append("lifespan shutdown")

    app = fastcore.FastAPI(lifespan=lifespan)

    def session() -> Iterator[str]:
        yield "db"
        time.sleep(0.4)
        EVENTS.append("session closed")

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    @app.get("/def")
    def handler(db: Annotated[str, fastcore.Depends(session)]) -> dict[str, str]:
        time.sleep(0.3)
        EVENTS.append("handler")
        return {"db": db}

    @app.get("/bare")
    def bare() -> dict[str, bool]:
        time.sleep(0.3)
        return {"ok": True}

    return app


def _stop_during(protocol_impl: ModuleType, path: str) -> tuple[Any, list[str]]:
    app = _app()
    specs = {spec.route.path: spec for spec in app.lane_routes().specs.values()}
    assert specs[path].submit is not None  # NOTE: the lane's pool path, no Task
    assert specs[path].fallback in (Fallback.NONE, Fallback.STEPS)
    EVENTS.clear()
    runner = ServerThread(protocol_impl, app, timeout_graceful=5.0)
    port = runner.start()
    try:
        with Conn(port) as conn:
            conn.send(build("GET", path))
            time.sleep(0.1)  # NOTE: the call is running in a pool thread
            stopper = threading.Thread(target=runner.stop)
            stopper.start()
            response = conn.read_final()
        # NOTE: closed at once, so the server has no connection left to wait for
        stopper.join(10)
    finally:
        runner.stop()
    runner.check()
    return response, list(EVENTS)


def test_a_stop_lets_a_def_handler_in_the_pool_answer(protocol_impl: ModuleType) -> None:
    response, events = _stop_during(protocol_impl, "/bare")
    assert (response.status, response.body) == (200, b'{"ok":true}')
    assert events == ["lifespan shutdown"]


def test_a_stop_waits_for_the_exit_after_the_response(protocol_impl: ModuleType) -> None:
    response, events = _stop_during(protocol_impl, "/def")
    assert (response.status, response.body) == (200, b'{"db":"db"}')
    assert events == ["handler", "session closed", "lifespan shutdown"]
