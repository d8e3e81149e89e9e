"""With ``sync_inline=True`` a ``def`` callable's contextvars stay its own, as in the pool.

FastAPI runs each ``def`` dependency, generator (its entry and its exit) and handler in a
worker thread with a copy of the request's context, so what one sets is seen by no other call
and by no later request. ``sync_inline`` calls them on the loop, where the lane runs in the
connection's callback context: each call still gets a copy of its own, or a value set by one
request would be read by the next request on the connection.
"""

import asyncio
import contextvars
from collections.abc import Iterator
from types import ModuleType
from typing import Annotated, Any

import pytest

import fastcore
from bench.load.inmemory import InMemoryServer, parse_response, raw_request
from tests.support.builds import ids, implementations

PROTOCOLS = implementations("protocol")
_var: contextvars.ContextVar[str] = contextvars.ContextVar("inline_leak", default="unset")
_at_exit: list[str] = []


def _app() -> Any:
    app = fastcore.FastAPI(sync_inline=True)
    Depends = fastcore.Depends

    def gen_sets() -> Iterator[str]:
        before = _var.get()
        _var.set("from a def generator")
        try:
            yield before
        finally:
            _at_exit.append(_var.get())
            _var.set("from a def generator's exit")

    def dep_sets() -> str:
        before = _var.get()
        _var.set("from a def dependency")
        return before

    @app.get("/gen")
    def gen(g: Annotated[str, Depends(gen_sets)]) -> dict[str, str]:
        return {"before": g, "handler": _var.get()}

    @app.get("/gen-async-handler")
    async def gen_async(g: Annotated[str, Depends(gen_sets)]) -> dict[str, str]:
        return {"before": g, "handler": _var.get()}

    @app.get("/dep")
    def dep(d: Annotated[str, Depends(dep_sets)]) -> dict[str, str]:
        return {"before": d, "handler": _var.get()}

    @app.get("/handler")
    def handler() -> dict[str, str]:
        before = _var.get()
        _var.set("from a def handler")
        return {"before": before, "handler": before}

    @app.get("/handler-with-dep")
    def handler_with_dep(d: Annotated[str, Depends(dep_sets)]) -> dict[str, str]:
        before = _var.get()
        _var.set("from a def handler")
        return {"before": d, "handler": before}

    return app


@pytest.fixture(params=PROTOCOLS, ids=ids(PROTOCOLS))
def mod(request: pytest.FixtureRequest) -> ModuleType:
    return request.param  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "path", ["/gen", "/gen-async-handler", "/dep", "/handler", "/handler-with-dep"]
)
def test_nothing_leaks_into_the_next_request(mod: ModuleType, path: str) -> None:
    server = InMemoryServer(_app(), mod)
    # NOTE: a transport's callbacks run in one context, the connection's: so are these
    connection = contextvars.copy_context()

    async def one() -> bytes:
        transport = server.transport
        transport.out.clear()
        transport.done = done = server.loop.create_future()
        server.loop.call_soon(
            server.conn.data_received, raw_request("GET", path), context=connection
        )
        await asyncio.wait_for(done, 5)
        transport.done = None
        return bytes(transport.out)

    _at_exit.clear()
    try:
        for _ in range(3):  # NOTE: one connection, one request after another
            status, _, body = parse_response(server.loop.run_until_complete(one()))
            assert (status, body) == (200, b'{"before":"unset","handler":"unset"}')
        server.settle()
    finally:
        server.close()
    assert connection.get(_var, "unset") == "unset"
    assert _var.get() == "unset"
    # NOTE: as FastAPI, the exit sees the request's context, not what the entry set
    assert set(_at_exit) <= {"unset"}
