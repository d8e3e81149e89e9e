"""Work to run after the response has been sent: ``BackgroundTask`` and ``BackgroundTasks``.

Deliberate difference from FastAPI/Starlette: when one task of a ``BackgroundTasks`` raises,
the error is logged to the ``"fastcore"`` logger and the following tasks still run. The
response is already on the wire, so nobody could act on the exception, and an unrelated
failure (say, a metrics call) should not silently cancel the e-mail queued after it.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import logging
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec

__all__ = ["BackgroundTask", "BackgroundTasks"]

P = ParamSpec("P")
logger = logging.getLogger("fastcore")


def _is_async_callable(func: Any) -> bool:
    while isinstance(func, functools.partial):
        func = func.func
    return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(
        getattr(func, "__call__", None)  # noqa: B004 - instances with an async __call__
    )


class BackgroundTask:
    """One call to make after the response; a plain ``def`` runs in the default thread pool."""

    def __init__(self, func: Callable[P, Any], *args: P.args, **kwargs: P.kwargs) -> None:
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.is_async = _is_async_callable(func)

    async def __call__(self) -> None:
        if self.is_async:
            await self.func(*self.args, **self.kwargs)
            return
        # NOTE: a thread keeps a blocking task from stalling every other request on the loop;
        # the context is copied so contextvars set by the handler are visible, as with to_thread.
        loop = asyncio.get_running_loop()
        call = functools.partial(self.func, *self.args, **self.kwargs)
        await loop.run_in_executor(None, contextvars.copy_context().run, call)


class BackgroundTasks(BackgroundTask):
    """Tasks queued by a handler, run in order; a failing task is logged and the rest still run."""

    def __init__(self, tasks: Sequence[BackgroundTask] | None = None) -> None:
        self.tasks: list[BackgroundTask] = list(tasks) if tasks else []

    def add_task(self, func: Callable[P, Any], *args: P.args, **kwargs: P.kwargs) -> None:
        self.tasks.append(BackgroundTask(func, *args, **kwargs))

    async def __call__(self) -> None:
        for task in self.tasks:
            try:
                await task()
            except Exception:
                name = getattr(task.func, "__qualname__", repr(task.func))
                logger.exception("Background task %s failed; running the remaining tasks", name)
