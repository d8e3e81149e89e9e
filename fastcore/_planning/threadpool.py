"""fastcore's own thread pool, where ``def`` handlers and dependencies run.

FastAPI runs them in anyio's worker threads, and so does fastcore by default, in this
pool. Users who call ``run_in_threadpool`` themselves get Starlette's
(``fastcore.concurrency``). The pool is bounded (40 threads, Starlette's default) so a burst
of slow sync handlers queues instead of creating threads without limit; the caller's
contextvars go along.

PERF: ``loop.run_in_executor`` costs a ``concurrent.futures.Future`` (a Condition, a lock,
callbacks), a wrapping asyncio future and one ``call_soon_threadsafe`` (a write to the loop's
self-pipe, a loop wake-up) per call. Here a call is one tuple put on a ``SimpleQueue`` (C,
one lock) and its result is appended to its loop's return list; only the first result
that finds the list empty wakes the loop, and that one wake-up settles every result that
arrived meanwhile. Under load many results come back per wake-up. Threads start as needed,
up to the bound, and are daemons (a stuck ``def`` handler does not hold the process).
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import os
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["run_in_threadpool", "set_max_threads"]


T = TypeVar("T")

_max_threads = int(os.environ.get("FASTCORE_MAX_THREADS", "40"))


class _Returns:
    """One event loop's finished calls, settled in batches on that loop."""

    __slots__ = ("items", "loop", "scheduled")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.items: collections.deque[tuple[asyncio.Future[Any], bool, Any]] = collections.deque()
        self.scheduled = False

    def put(self, future: asyncio.Future[Any], ok: bool, value: Any) -> None:
        """From a worker thread: queue the result; wake the loop if no wake-up is pending."""
        self.items.append((future, ok, value))
        if not self.scheduled:
            self.scheduled = True
            try:
                self.loop.call_soon_threadsafe(self.settle)
            except RuntimeError:  # NOTE: the loop closed while the call ran: nobody waits
                pass

    def settle(self) -> None:
        """On the loop: every result that arrived so far to its future."""
        # NOTE: cleared before draining, so a result appended during the drain either is
        # drained here or schedules the next settle; none is left behind.
        self.scheduled = False
        items = self.items
        while items:
            future, ok, value = items.popleft()
            if future.done():  # NOTE: the awaiting task was cancelled
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
                value = None  # NOTE: no reference cycle through the traceback


class _Pool:
    """Worker threads taking calls from one queue; results go back through ``_Returns``."""

    def __init__(self, max_threads: int) -> None:
        self.max_threads = max_threads
        self.jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.threads = 0
        self.idle = 0
        self.lock = threading.Lock()
        self.pid = os.getpid()
        self.returns: dict[asyncio.AbstractEventLoop, _Returns] = {}

    def submit(self, loop: asyncio.AbstractEventLoop, call: Callable[[], Any]) -> Any:
        returns = self.returns.get(loop)
        if returns is None:
            if len(self.returns) > 32:  # NOTE: tests make many loops; keep the live ones
                for old in [k for k in self.returns if k.is_closed()]:
                    del self.returns[old]
            returns = self.returns[loop] = _Returns(loop)
        future = loop.create_future()
        self.jobs.put((call, future, returns))
        if self.idle <= 0 and self.threads < self.max_threads:
            self._start()
        return future

    def _start(self) -> None:
        with self.lock:
            self.threads += 1
            self.idle += 1  # NOTE: counted idle at once, so a burst starts one thread per call
        threading.Thread(target=self._work, name=f"fastcore-{self.threads}", daemon=True).start()

    def _work(self) -> None:
        jobs = self.jobs
        lock = self.lock
        while True:
            job = jobs.get()
            with lock:
                self.idle -= 1
            if job is None:
                with lock:
                    self.threads -= 1
                return
            call, future, returns = job
            job = None
            try:
                value = call()
            except BaseException as exc:  # NOTE: delivered to the awaiting task, as executors do
                returns.put(future, False, exc)
            else:
                returns.put(future, True, value)
            call = future = returns = value = None
            with lock:
                self.idle += 1

    def stop(self) -> None:
        for _ in range(self.threads):
            self.jobs.put(None)


_pool: _Pool | None = None


def _get_pool() -> _Pool:
    global _pool
    pool = _pool
    if pool is None or pool.pid != os.getpid():  # NOTE: a forked worker starts its own
        pool = _pool = _Pool(_max_threads)
    return pool


def set_max_threads(n: int) -> None:
    """Resize the pool (takes effect for new work; running calls finish on the old pool)."""
    global _pool, _max_threads
    if n < 1:
        raise ValueError("the thread pool needs at least one thread")
    old, _pool, _max_threads = _pool, None, n
    if old is not None:
        old.stop()


def run_in_threadpool(func: Callable[..., T], *args: Any, **kwargs: Any) -> asyncio.Future[T]:
    """An awaitable of ``func(*args, **kwargs)`` run in the pool, with this task's context."""
    loop = asyncio.get_running_loop()
    ctx = contextvars.copy_context()
    return _get_pool().submit(loop, lambda: ctx.run(func, *args, **kwargs))  # type: ignore[no-any-return]
