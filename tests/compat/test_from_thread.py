"""``anyio.from_thread`` inside ``def`` endpoints and dependencies, on FastAPI and fastcore.

FastAPI runs ``def`` callables in anyio's worker threads, where ``anyio.from_thread.run`` and
``run_sync`` call back into the event loop (a sync SDK's callback, an async client used from
sync code); fastcore runs them in its own pool, whose threads hold the same token. Each route
answers what the loop computed, so a call that did not reach the loop is a 500.
"""

import threading
from collections.abc import Iterator
from typing import Annotated, Any

import anyio
import anyio.from_thread
import pytest

from tests.compat.test_compat import _same

_loop_thread: dict[str, int] = {}


async def _double(x: int) -> int:
    await anyio.sleep(0)
    return 2 * x


def _on_the_loop() -> bool:
    """Whether this runs in the thread that runs the app (not in a worker)."""
    return threading.get_ident() == _loop_thread["id"]


def app(fw: Any) -> Any:
    app = fw.FastAPI()

    async def remember_loop() -> None:
        _loop_thread["id"] = threading.get_ident()

    def sync_dep() -> int:
        assert not _on_the_loop()
        return anyio.from_thread.run(_double, 5)

    def sync_gen() -> Iterator[int]:
        value = anyio.from_thread.run_sync(lambda: 7 if _on_the_loop() else -1)
        try:
            yield value
        finally:
            anyio.from_thread.run_sync(lambda: None)

    @app.get("/run", dependencies=[fw.Depends(remember_loop)])
    def run_endpoint(n: int = 3) -> dict[str, Any]:
        return {"doubled": anyio.from_thread.run(_double, n), "on_loop": _on_the_loop()}

    @app.get("/run-sync", dependencies=[fw.Depends(remember_loop)])
    def run_sync_endpoint() -> dict[str, Any]:
        return {"on_loop": anyio.from_thread.run_sync(_on_the_loop)}

    @app.get("/deps", dependencies=[fw.Depends(remember_loop)])
    def deps(
        a: Annotated[int, fw.Depends(sync_dep)], b: Annotated[int, fw.Depends(sync_gen)]
    ) -> dict[str, int]:
        return {"a": a, "b": b}

    @app.get("/check", dependencies=[fw.Depends(remember_loop)])
    def check() -> dict[str, bool]:
        anyio.from_thread.check_cancelled()
        return {"ok": True}

    return app


@pytest.mark.parametrize("url", ["/run", "/run?n=21", "/run-sync", "/deps", "/check"])
def test_from_thread_in_def_callables(url: str) -> None:
    seen = _same(app, "GET", url)
    assert seen["status"] == 200
