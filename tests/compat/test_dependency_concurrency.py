"""``Depends(max_concurrency=N)`` (FastAPI 0.165) on FastAPI and on fastcore: the same peaks.

Requests are sent at once through httpx's ASGI transport; each dependency records how many
calls of it run together. The limit belongs to the declaration: two routes sharing one
``Depends`` share its capacity, a second declaration of the same callable has its own.
"""

import asyncio
import dataclasses
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import fastapi
import httpx
import pytest

import fastcore

FRAMEWORKS = [fastapi, fastcore]
IDS = ["fastapi", "fastcore"]


class Meter:
    """Counts the calls running at once (from the loop and from pool threads)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active = self.peak = 0

    def enter(self) -> None:
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)

    def exit(self) -> None:
        with self.lock:
            self.active -= 1


def _app(fw: Any, meters: dict[str, Meter]) -> Any:
    app = fw.FastAPI()

    async def async_dep() -> str:
        meters["async"].enter()
        await asyncio.sleep(0.02)
        meters["async"].exit()
        return "a"

    def sync_dep() -> str:
        meters["sync"].enter()
        time.sleep(0.02)
        meters["sync"].exit()
        return "s"

    async def yield_dep() -> AsyncIterator[str]:
        meters["yield"].enter()
        try:
            yield "y"
            await asyncio.sleep(0.01)
        finally:
            meters["yield"].exit()

    def sync_yield_dep() -> Iterator[str]:
        meters["sync_yield"].enter()
        try:
            yield "g"
        finally:
            time.sleep(0.01)
            meters["sync_yield"].exit()

    shared = fw.Depends(async_dep, max_concurrency=2)

    @app.get("/async/one")
    async def one(v: Annotated[str, shared]) -> dict:
        return {"v": v}

    @app.get("/async/two")
    async def two(v: Annotated[str, shared]) -> dict:
        return {"v": v}

    @app.get("/sync")
    async def sync(v: Annotated[str, fw.Depends(sync_dep, max_concurrency=1)]) -> dict:
        return {"v": v}

    @app.get("/yield")
    async def yielding(v: Annotated[str, fw.Depends(yield_dep, max_concurrency=1)]) -> dict:
        await asyncio.sleep(0.01)
        return {"v": v}

    @app.get("/sync-yield", dependencies=[fw.Depends(sync_yield_dep, max_concurrency=2)])
    def sync_yielding() -> dict:
        time.sleep(0.01)
        return {"v": "g"}

    return app


async def _peaks(fw: Any, urls: list[str]) -> tuple[dict[str, int], list[Any]]:
    meters = {name: Meter() for name in ("async", "sync", "yield", "sync_yield")}
    transport = httpx.ASGITransport(app=_app(fw, meters))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        responses = await asyncio.gather(*(client.get(url) for url in urls))
    seen = [(r.status_code, r.json()) for r in responses]
    return {name: m.peak for name, m in meters.items()}, seen


@pytest.mark.parametrize(
    "urls",
    [
        ["/async/one"] * 3 + ["/async/two"] * 3,
        ["/sync"] * 4,
        ["/yield"] * 3,
        ["/sync-yield"] * 5,
    ],
    ids=["shared-declaration", "sync", "yield", "sync-yield-route-dependency"],
)
def test_peaks_as_fastapi(urls: list[str]) -> None:
    ref = asyncio.run(_peaks(fastapi, urls))
    ours = asyncio.run(_peaks(fastcore, urls))
    assert ours == ref
    assert max(ref[0].values()) > 0


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=IDS)
@pytest.mark.parametrize("value", [0, -1, True, 1.5, "2"])
def test_bad_limit_refused(fw: Any, value: Any) -> None:
    with pytest.raises(ValueError, match="max_concurrency"):
        fw.Depends(max_concurrency=value)


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=IDS)
def test_declarations_are_values(fw: Any) -> None:
    def dep() -> None: ...

    assert hash(fw.Depends(dep)) == hash(fw.Depends(dep))
    assert hash(fw.Security(dep)) == hash(fw.Security(dep))
    assert fw.Depends(dep) != fw.Depends(dep, scope="function")
    limited = fw.Depends(dep, max_concurrency=2)
    same = dataclasses.replace(limited, use_cache=False)
    other = dataclasses.replace(limited, max_concurrency=3)
    assert same._concurrency is limited._concurrency
    assert other._concurrency is not limited._concurrency
    assert other._concurrency.max_concurrency == 3
