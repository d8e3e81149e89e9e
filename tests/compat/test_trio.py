"""The app under trio, as FastAPI apps run there: FastAPI 0.165 vs fastcore.

FastAPI's docs test apps asynchronously with ``httpx.AsyncClient(transport=ASGITransport(app))``
under anyio, whose backend may be trio. fastcore's app must run there as on asyncio: ``def``
handlers and dependencies (anyio's worker threads off asyncio), generator dependencies,
streamed JSON Lines and Server-Sent Events, uploads, Starlette responses, background tasks
and ``@app.middleware("http")``. (fastcore's ``TestClient`` and server run asyncio only.)
"""

from collections.abc import AsyncIterable, Iterable
from typing import Any

import anyio
import fastapi
import fastapi.sse
import httpx
import pytest
from pydantic import BaseModel

import fastcore
import fastcore.sse


class Item(BaseModel):
    n: int


def trio_app(fw: Any) -> Any:
    app = fw.FastAPI()

    def sync_dep() -> Any:
        yield 1

    async def async_dep() -> Any:
        yield 2

    @app.get("/deps")
    def deps(a: int = fw.Depends(sync_dep), b: int = fw.Depends(async_dep)) -> dict[str, int]:
        return {"a": a, "b": b}

    @app.get("/jsonl")
    async def jsonl() -> AsyncIterable[Item]:
        for i in range(3):
            await anyio.sleep(0)
            yield Item(n=i)

    @app.get("/jsonl-sync")
    def jsonl_sync() -> Iterable[Item]:
        for i in range(3):
            yield Item(n=i)

    sse = fastapi.sse if fw is fastapi else fastcore.sse

    @app.get("/sse", response_class=sse.EventSourceResponse)
    async def events() -> AsyncIterable[Item]:
        for i in range(2):
            yield Item(n=i)

    @app.post("/upload")
    async def upload(f: fw.UploadFile, note: str = fw.Form()) -> dict[str, Any]:
        return {"n": len(await f.read()), "name": f.filename, "note": note}

    @app.get("/stream")
    async def stream() -> Any:
        async def chunks() -> Any:
            yield b"a"
            yield b"b"

        return fw.responses.StreamingResponse(chunks())

    done: list[str] = []

    @app.get("/background")
    def background(tasks: fw.BackgroundTasks) -> dict[str, Any]:
        tasks.add_task(done.append, "ran")
        return {"before": list(done)}

    @app.get("/invalid")
    async def invalid(n: int) -> int:
        return n

    @app.middleware("http")
    async def mark(request: Any, call_next: Any) -> Any:
        response = await call_next(request)
        response.headers["x-extra"] = "mw"
        return response

    return app


REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/deps", {}),
    ("GET", "/jsonl", {}),
    ("GET", "/jsonl-sync", {}),
    ("GET", "/sse", {}),
    ("POST", "/upload", {"files": {"f": ("a.txt", b"abc")}, "data": {"note": "x"}}),
    ("GET", "/stream", {}),
    ("GET", "/background", {}),
    ("GET", "/background", {}),
    ("GET", "/invalid?n=x", {}),
]


async def _exchange(fw: Any) -> list[tuple[Any, ...]]:
    seen = []
    transport = httpx.ASGITransport(app=trio_app(fw))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for method, url, kw in REQUESTS:
            resp = await client.request(method, url, **kw)
            ctype = resp.headers.get("content-type")
            seen.append((url, resp.status_code, ctype, resp.text, resp.headers.get("x-extra")))
    return seen


@pytest.mark.parametrize("backend", ["trio", "asyncio"])
def test_same_under_anyio(backend: str) -> None:
    expected = anyio.run(_exchange, fastapi, backend=backend)
    assert anyio.run(_exchange, fastcore, backend=backend) == expected
