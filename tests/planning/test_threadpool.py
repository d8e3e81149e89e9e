"""fastcore's thread pool keeps the semantics FastAPI's (anyio's) worker threads give.

Each call runs off the loop, with the caller's contextvars, its exception raised to the
awaiter; calls queued together run concurrently up to the bound (a blocking one does not
hold back the others beyond the pool's stall check, one switch interval); inside a call,
``anyio.from_thread`` reaches the loop that made it.
"""

from __future__ import annotations

import asyncio
import contextvars
import sys
import threading
import time
from collections.abc import Iterator
from typing import Annotated, Any

import anyio.from_thread
import pytest

import fastcore
from fastcore._planning import threadpool
from fastcore._planning.threadpool import run_in_threadpool, set_max_threads

_var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")


async def _awaiting(awaitable: Any) -> Any:
    """A task of its own awaiting ``awaitable`` (what a request's task does)."""
    return await awaitable


@pytest.fixture
def small_pool() -> Iterator[int]:
    """A pool of 3 threads for the test, the default one back after it."""
    before = threadpool._max_threads
    set_max_threads(3)
    yield 3
    set_max_threads(before)


def test_calls_run_off_the_loop_and_the_loop_keeps_running() -> None:
    async def main() -> tuple[str, int]:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.005)
                ticks += 1

        ticker = asyncio.ensure_future(tick())
        name = await run_in_threadpool(
            lambda: (time.sleep(0.2), threading.current_thread().name)[1]
        )
        ticker.cancel()
        return name, ticks

    name, ticks = asyncio.run(main())
    assert name.startswith("fastcore-")
    assert ticks >= 10  # NOTE: about 40 ticks: the blocking call did not hold the loop


def test_a_burst_of_blocking_calls_runs_concurrently() -> None:
    """20 calls that each sleep 0.3 s, queued in one loop iteration: about 0.3 s, not 6."""

    async def main() -> float:
        start = time.perf_counter()
        await asyncio.gather(*(run_in_threadpool(time.sleep, 0.3) for _ in range(20)))
        return time.perf_counter() - start

    assert asyncio.run(main()) < 1.2


def test_a_call_queued_behind_a_slow_one_does_not_wait_for_it() -> None:
    async def main() -> tuple[float, float]:
        start = time.perf_counter()
        slow = run_in_threadpool(time.sleep, 1.0)
        fast = run_in_threadpool(time.perf_counter)
        fast_done = await fast - start
        await slow
        return fast_done, time.perf_counter() - start

    fast_done, total = asyncio.run(main())
    assert fast_done < 0.2 + 4 * sys.getswitchinterval()
    assert total >= 1.0


def test_the_bound_holds(small_pool: int) -> None:
    running = 0
    most = 0
    lock = threading.Lock()

    def call() -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.1)
        with lock:
            running -= 1

    async def main() -> float:
        start = time.perf_counter()
        await asyncio.gather(*(run_in_threadpool(call) for _ in range(9)))
        return time.perf_counter() - start

    elapsed = asyncio.run(main())
    assert most == small_pool
    assert elapsed >= 0.3  # NOTE: 9 calls, 3 at a time, 0.1 s each
    assert threadpool._get_pool().threads <= small_pool


def test_contextvars_go_along_and_do_not_come_back() -> None:
    def read_and_set() -> str:
        seen = _var.get()
        _var.set("changed in the thread")
        return seen

    async def main() -> tuple[str, str]:
        _var.set("from the task")
        seen = await run_in_threadpool(read_and_set)
        return seen, _var.get()

    assert asyncio.run(main()) == ("from the task", "from the task")


def test_exceptions_reach_the_awaiter() -> None:
    class Boom(Exception):
        pass

    def fail() -> None:
        raise Boom("in the thread")

    async def main() -> None:
        with pytest.raises(Boom, match="in the thread"):
            await run_in_threadpool(fail)
        assert await run_in_threadpool(int, "7") == 7  # NOTE: the worker survived

    asyncio.run(main())


def test_arguments_are_passed() -> None:
    async def main() -> object:
        return await run_in_threadpool(dict, [("a", 1)], b=2)

    assert asyncio.run(main()) == {"a": 1, "b": 2}


def test_anyio_from_thread_reaches_the_calling_loop() -> None:
    async def double(x: int) -> int:
        await asyncio.sleep(0)
        return 2 * x

    def in_thread() -> tuple[int, int, str]:
        anyio.from_thread.check_cancelled()  # NOTE: no cancel scope: does not raise
        loop_thread = anyio.from_thread.run_sync(lambda: threading.get_ident())
        return anyio.from_thread.run(double, 21), loop_thread, threading.current_thread().name

    async def main() -> tuple[tuple[int, int, str], int]:
        return await run_in_threadpool(in_thread), threading.get_ident()

    (value, loop_thread, name), here = asyncio.run(main())
    assert value == 42
    assert loop_thread == here
    assert name.startswith("fastcore-")


def test_each_loop_gets_its_own_results_and_anyio_token() -> None:
    """Two loops in two threads share the pool; each call comes back to its own loop."""
    out: dict[int, list[int]] = {}

    def run_loop(key: int) -> None:
        async def main() -> list[int]:
            async def ident() -> int:
                return threading.get_ident()

            return list(
                await asyncio.gather(
                    *(run_in_threadpool(anyio.from_thread.run, ident) for _ in range(20))
                )
            )

        out[key] = asyncio.run(main())

    threads = [threading.Thread(target=run_loop, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for thread in threads:
        assert set(out[threads.index(thread)]) == {thread.ident}


def test_a_cancelled_awaiter_does_not_break_the_pool() -> None:
    async def main() -> int:
        task = asyncio.ensure_future(_awaiting(run_in_threadpool(time.sleep, 0.1)))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return await run_in_threadpool(int, "3")

    assert asyncio.run(main()) == 3


def test_a_call_cancelled_before_it_starts_is_dropped(small_pool: int) -> None:
    ran: list[int] = []

    async def main() -> None:
        blockers = [run_in_threadpool(time.sleep, 0.2) for _ in range(small_pool)]
        await asyncio.sleep(0.05)  # NOTE: every worker is busy
        late = asyncio.ensure_future(_awaiting(run_in_threadpool(ran.append, 1)))
        await asyncio.sleep(0)
        late.cancel()
        with pytest.raises(asyncio.CancelledError):
            await late
        await asyncio.gather(*blockers)
        await asyncio.sleep(0.05)

    asyncio.run(main())
    assert ran == []


def test_run_to_completion_runs_and_waits_even_when_cancelled_early(small_pool: int) -> None:
    """A ``def`` generator's exit: FastAPI shields it, so it runs before the task ends."""
    ended: list[str] = []

    async def main() -> None:
        blockers = [run_in_threadpool(time.sleep, 0.2) for _ in range(small_pool)]
        await asyncio.sleep(0.05)
        task = asyncio.ensure_future(
            _awaiting(threadpool.run_to_completion(ended.append, "cleanup"))
        )
        await asyncio.sleep(0)
        task.cancel()  # NOTE: queued, not started: still run, and waited for
        with pytest.raises(asyncio.CancelledError):
            await task
        ended.append("task")
        await asyncio.gather(*blockers)

    asyncio.run(main())
    assert ended == ["cleanup", "task"]


def test_a_cancelled_awaiter_waits_for_its_running_call() -> None:
    """As anyio's ``to_thread.run_sync`` (FastAPI's): cleanup never runs beside the call."""
    started, release = threading.Event(), threading.Event()
    order: list[str] = []

    def call() -> int:
        started.set()
        release.wait(5)
        order.append("call returned")
        return 1

    async def main() -> None:
        task = asyncio.ensure_future(_awaiting(run_in_threadpool(call)))
        for _ in range(5000):
            if started.is_set():
                break
            await asyncio.sleep(0.001)
        task.cancel()
        await asyncio.sleep(0.05)
        assert not task.done()  # NOTE: still waiting for the running call
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        order.append("task ended")

    asyncio.run(main())
    assert order == ["call returned", "task ended"]


_ORDER: list[str] = []


def _session() -> Iterator[str]:
    _ORDER.append("session open")
    try:
        yield "db"
    finally:
        _ORDER.append("session closed")


def test_a_cancelled_request_cleans_up_after_its_def_call() -> None:
    """A def handler's request cancelled mid-call (a middleware that stops on disconnect):
    its def generator dependency, entered in the same hop, still exits, after the call."""
    started, release = threading.Event(), threading.Event()
    order = _ORDER
    order.clear()
    app = fastcore.FastAPI()

    @app.get("/")
    def handler(db: Annotated[str, fastcore.Depends(_session)]) -> dict[str, str]:
        started.set()
        release.wait(5)
        order.append("handler returned")
        return {"db": db}

    async def main() -> None:
        sent: list[Any] = []

        async def receive() -> dict[str, Any]:
            await asyncio.sleep(10)
            return {"type": "http.disconnect"}

        async def send(message: Any) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/",
            "raw_path": b"/",
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"t")],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }
        task = asyncio.ensure_future(app(scope, receive, send))
        for _ in range(5000):
            if started.is_set() or task.done():
                break
            await asyncio.sleep(0.001)
        assert started.is_set(), sent
        task.cancel()
        await asyncio.sleep(0.05)
        assert not task.done()
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        order.append("task ended")
        assert not sent  # NOTE: cancelled: nothing was answered

    asyncio.run(main())
    assert order == ["session open", "handler returned", "session closed", "task ended"]
