"""Handlers see a current task on fastcore's server, as under any ASGI server (both builds).

fastcore starts a handler's coroutine eagerly, outside the loop's scheduling; code that needs
``asyncio.current_task()`` (``asyncio.timeout``, anyio's cancel scopes and task groups, which
``BaseHTTPMiddleware`` and httpx's async client use) must still find one, the same one before
and after the handler suspends, and a timeout must still cancel it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import anyio
import pytest

from fastcore import FastCore, Request
from tests.support.rawhttp import Conn, build, request
from tests.support.server_thread import run_server


def _app() -> FastCore:
    app = FastCore()

    @app.get("/hello")
    async def hello() -> dict:
        return {}

    @app.get("/timeout")
    async def timeout() -> dict:
        async with asyncio.timeout(1):
            pass
        return {"ok": True}

    @app.get("/timeout-suspends")
    async def timeout_suspends() -> dict:
        before = asyncio.current_task()
        async with asyncio.timeout(1):
            await asyncio.sleep(0.01)
        return {"same_task": asyncio.current_task() is before and before is not None}

    @app.get("/timeout-expires")
    async def timeout_expires() -> dict:
        try:
            async with asyncio.timeout(0.05):
                await asyncio.sleep(5)
        except TimeoutError:
            return {"timed_out": True}
        return {"timed_out": False}

    @app.get("/anyio")
    async def anyio_scopes() -> dict:
        results: list[int] = []

        async def child(n: int) -> None:
            await anyio.sleep(0)
            results.append(n)

        with anyio.fail_after(1):
            async with anyio.create_task_group() as tg:
                tg.start_soon(child, 1)
                tg.start_soon(child, 2)
        with anyio.move_on_after(0.05) as scope:
            await anyio.sleep(5)
        return {"results": sorted(results), "cancelled": scope.cancelled_caught}

    @app.get("/request-timeout")
    async def with_request(request: Request) -> dict:
        async with asyncio.timeout(1):
            await asyncio.sleep(0)
        return {"path": request.url.path}

    @app.get("/slow")
    async def slow() -> dict:
        await asyncio.sleep(0.05)
        return {"slow": True}

    return app


@pytest.fixture(scope="module")
def port(protocol_impl: ModuleType) -> Iterator[int]:
    with run_server(protocol_impl, _app()) as port:
        yield port


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/timeout", {"ok": True}),
        ("/timeout-suspends", {"same_task": True}),
        ("/timeout-expires", {"timed_out": True}),
        ("/anyio", {"results": [1, 2], "cancelled": True}),
        ("/request-timeout", {"path": "/request-timeout"}),
    ],
)
def test_handler_finds_its_task(port: int, path: str, body: Any) -> None:
    resp = request(port, "GET", path)
    assert (resp.status, json.loads(resp.body)) == (200, body)


def test_pipelined_behind_a_suspended_handler(port: int) -> None:
    """The second request starts while the first one's Task runs: it gets a task too."""
    with Conn(port) as conn:
        conn.send(build("GET", "/slow") + build("GET", "/timeout") + build("GET", "/anyio"))
        answers = [json.loads(conn.read_response().body) for _ in range(3)]
    assert answers == [{"slow": True}, {"ok": True}, {"results": [1, 2], "cancelled": True}]
