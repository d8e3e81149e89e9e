"""Running blocking code off the event loop, in one bounded thread pool.

``def`` handlers and dependencies run here, as in FastAPI. The pool is bounded (40
threads, Starlette's default) so a burst of slow sync handlers queues instead of
creating threads without limit; the caller's contextvars go along.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import os
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from starlette.concurrency import run_until_first_complete

__all__ = [
    "contextmanager_in_threadpool",
    "iterate_in_threadpool",
    "run_in_threadpool",
    "run_until_first_complete",
    "set_max_threads",
]

T = TypeVar("T")

_max_threads = int(os.environ.get("FASTCORE_MAX_THREADS", "40"))
_executor: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=_max_threads, thread_name_prefix="fastcore")
    return _executor


def set_max_threads(n: int) -> None:
    """Resize the pool (takes effect for new work; running calls finish on the old pool)."""
    global _executor, _max_threads
    if n < 1:
        raise ValueError("the thread pool needs at least one thread")
    old, _executor, _max_threads = _executor, None, n
    if old is not None:
        old.shutdown(wait=False)


async def run_in_threadpool(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Await ``func(*args, **kwargs)`` run in the pool, with this task's context."""
    loop = asyncio.get_running_loop()
    ctx = contextvars.copy_context()
    call = functools.partial(ctx.run, func, *args, **kwargs)
    return await loop.run_in_executor(_pool(), call)


class _Exhausted(Exception):
    """Raised in the worker thread instead of StopIteration, which cannot cross a Future."""


def _next(iterator: Iterator[T]) -> T:
    try:
        return next(iterator)
    except StopIteration:
        raise _Exhausted from None


async def iterate_in_threadpool(iterator: Iterable[T]) -> AsyncIterator[T]:
    """Iterate a blocking iterable from async code, each ``next()`` in the pool."""
    it = iter(iterator)
    while True:
        try:
            yield await run_in_threadpool(_next, it)
        except _Exhausted:
            break


@asynccontextmanager
async def contextmanager_in_threadpool(cm: AbstractContextManager[T]) -> AsyncIterator[T]:
    """Enter and exit a blocking context manager in the pool, from async code.

    NOTE: the exit runs on its own thread, outside the pool's limit, as in FastAPI: a context
    manager holding a pool of its own (a database's) would otherwise wait on a busy pool for
    the very thread it needs to release.
    """
    value = await run_in_threadpool(cm.__enter__)
    loop = asyncio.get_running_loop()
    try:
        yield value
    except BaseException as exc:
        suppress = await loop.run_in_executor(None, cm.__exit__, type(exc), exc, exc.__traceback__)
        if not suppress:
            raise
    else:
        await loop.run_in_executor(None, cm.__exit__, None, None, None)


def __getattr__(name: str) -> Any:
    # NOTE: Starlette's (anyio's) on first use only: a worker that never asks pays nothing.
    if name == "run_until_first_complete":
        from starlette.concurrency import run_until_first_complete

        return run_until_first_complete
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
