"""FastAPI's ``fastapi.concurrency``: Starlette's helpers for running blocking code.

fastcore runs ``def`` handlers and dependencies in its own pool (``fastcore._planning.threadpool``);
these are the names user code and libraries import.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractContextManager, asynccontextmanager
from typing import TypeVar

import anyio.to_thread
from starlette.concurrency import (
    iterate_in_threadpool,
    run_in_threadpool,
    run_until_first_complete,
)

__all__ = [
    "contextmanager_in_threadpool",
    "iterate_in_threadpool",
    "run_in_threadpool",
    "run_until_first_complete",
]

T = TypeVar("T")


@asynccontextmanager
async def contextmanager_in_threadpool(cm: AbstractContextManager[T]) -> AsyncIterator[T]:
    """FastAPI's: enter and exit a blocking context manager in worker threads.

    NOTE: the exit runs with a limiter of its own, as in FastAPI: a context manager holding a
    pool of its own (a database's) would otherwise wait on a busy pool for the very thread it
    needs to release.
    """
    exit_limiter = anyio.CapacityLimiter(1)
    value = await run_in_threadpool(cm.__enter__)
    try:
        yield value
    except BaseException as exc:
        suppress = await anyio.to_thread.run_sync(
            cm.__exit__, type(exc), exc, exc.__traceback__, limiter=exit_limiter
        )
        if not suppress:
            raise
    else:
        await anyio.to_thread.run_sync(cm.__exit__, None, None, None, limiter=exit_limiter)
