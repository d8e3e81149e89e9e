"""The test client's event loop: the app runs on it in the calling thread, or in a helper thread.

Starlette's client hops to an anyio portal thread (started per request outside ``with``) for
every step of a request; here the client owns one plain asyncio loop and runs it inline with
``run_until_complete``, so a request costs a loop turn, not thread switches. When the caller is
already inside a running loop (an async test calling the sync client), a loop cannot be run
inline, so from then on the client's loop runs forever in a helper thread and each step is
submitted to it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

__all__ = ["Runner"]

T = TypeVar("T")


async def _await(awaitable: Awaitable[T]) -> T:
    return await awaitable


def _serve_forever(loop: asyncio.AbstractEventLoop) -> None:
    """Body of the helper thread when the caller already runs a loop of its own."""
    try:
        loop.run_forever()
    finally:
        loop.close()


async def _cancel_leftovers() -> None:
    """Cancel what the app left running (a lifespan never shut down, stray tasks)."""
    current = asyncio.current_task()
    tasks = [task for task in asyncio.all_tasks() if task is not current]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.get_running_loop().shutdown_asyncgens()


class Runner:
    """Runs coroutines to completion on the client's loop, created on first use."""

    def __init__(self, loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None) -> None:
        # PERF: plain asyncio by default, not uvloop: run_until_complete costs ~7 us on asyncio
        # and ~23 us on uvloop 0.23 (a libuv turn per call); the client calls it per request.
        self._factory = loop_factory or asyncio.new_event_loop
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def inline(self) -> asyncio.AbstractEventLoop | None:
        """The loop, when the caller may run it itself (no helper thread, no loop running)."""
        if self._thread is not None or asyncio._get_running_loop() is not None:
            return None
        loop = self._loop
        if loop is None:
            loop = self._loop = self._factory()
        return loop

    def run(self, awaitable: Awaitable[T]) -> T:
        """Run on the client's loop: inline when the caller has no loop running, else a thread."""
        loop = self._loop
        if loop is None:
            loop = self._loop = self._factory()
        if self._thread is None:
            if asyncio._get_running_loop() is None:
                return loop.run_until_complete(awaitable)
            self._thread = threading.Thread(
                target=_serve_forever, args=(loop,), name="fastcore-testclient", daemon=True
            )
            self._thread.start()
        coroutine: Coroutine[Any, Any, T] = (
            awaitable if isinstance(awaitable, Coroutine) else _await(awaitable)
        )
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result()

    def close(self) -> None:
        """Cancel what is left on the loop and stop it; a later ``run`` starts a fresh one."""
        loop = self._loop
        if loop is None:
            return
        try:
            self.run(_cancel_leftovers())
        finally:
            thread, self._loop, self._thread = self._thread, None, None
            if thread is not None:
                loop.call_soon_threadsafe(loop.stop)
                thread.join()
            loop.close()

    def __del__(self) -> None:
        # NOTE: a client used without ``with`` or close() must not leave an unclosed loop
        # behind: suites that turn ResourceWarning into errors would fail on it.
        loop = self.__dict__.get("_loop")
        if loop is None or loop.is_closed():
            return
        if loop.is_running():
            loop.call_soon_threadsafe(loop.stop)  # its thread closes it
        else:
            loop.close()
