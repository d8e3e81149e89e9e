"""A ``def`` call's hop to a thread and back: fastcore's pool against what others use.

``fastcore`` is ``fastcore._planning.threadpool`` (where ``def`` handlers and dependencies
run), ``executor`` asyncio's ``loop.run_in_executor`` with its default ThreadPoolExecutor,
``anyio`` ``anyio.to_thread.run_sync`` (FastAPI's, through Starlette's
``run_in_threadpool``). Two shapes: one call awaited at a time (a lone request's latency)
and a burst of 64 calls gathered (64 connections' requests read in one loop iteration; the
pool wakes one worker for the burst). On uvloop, as fastcore's server runs. CPU time is
what counts under load; on an idle machine the wall time here also holds the threads'
wake-ups, which load batches away (see docs/internals.md, "``def`` callables").

    make bench BENCH_ARGS="-k threadpool"
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import anyio.to_thread
import pytest

from fastcore._planning.threadpool import run_in_threadpool

try:
    import uvloop
except ImportError:  # pragma: no cover - uvloop is a server dependency
    uvloop = None  # type: ignore[assignment]

BURST = 64


def _work() -> int:
    return 1


def _executor(func: Callable[[], Any]) -> Awaitable[Any]:
    return asyncio.get_running_loop().run_in_executor(None, func)


HOPS: dict[str, Callable[[Callable[[], Any]], Awaitable[Any]]] = {
    "fastcore": run_in_threadpool,
    "executor": _executor,
    "anyio": anyio.to_thread.run_sync,
}


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = uvloop.new_event_loop() if uvloop is not None else asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.mark.parametrize("hop", list(HOPS))
def test_one_call(benchmark: Any, loop: asyncio.AbstractEventLoop, hop: str) -> None:
    benchmark.group = "threadpool: one call awaited"
    run = HOPS[hop]

    async def once() -> None:
        await run(_work)

    loop.run_until_complete(once())
    benchmark(lambda: loop.run_until_complete(once()))


@pytest.mark.parametrize("hop", list(HOPS))
def test_burst(benchmark: Any, loop: asyncio.AbstractEventLoop, hop: str) -> None:
    benchmark.group = f"threadpool: a burst of {BURST} calls gathered"
    run = HOPS[hop]

    async def burst() -> None:
        await asyncio.gather(*(run(_work) for _ in range(BURST)))

    loop.run_until_complete(burst())
    benchmark(lambda: loop.run_until_complete(burst()))
