"""fastcore's own thread pool, where ``def`` handlers and dependencies run.

FastAPI runs them in anyio's worker threads; this pool does the same job with one
``run_in_executor`` hop and no anyio machinery per call. Users who call
``run_in_threadpool`` themselves get Starlette's (``fastcore.concurrency``). The pool is bounded (40
threads, Starlette's default) so a burst of slow sync handlers queues instead of
creating threads without limit; the caller's contextvars go along.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

__all__ = ["run_in_threadpool", "set_max_threads"]


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
