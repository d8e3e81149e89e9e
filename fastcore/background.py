"""Work to run after the response has been sent: Starlette's ``BackgroundTasks``, as FastAPI's.

A handler parameter typed ``BackgroundTasks`` (this class or Starlette's) gets one per
request; its tasks run in order after the response is written, a plain ``def`` in a thread.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, ParamSpec

from starlette.background import BackgroundTask
from starlette.background import BackgroundTasks as StarletteBackgroundTasks

__all__ = ["BackgroundTask", "BackgroundTasks"]

P = ParamSpec("P")


#: ``operation(task.func)``: the span context a task runs in, set by fastcore/_telemetry.py
#: once an app with telemetry's operation spans starts; None (nothing paid) until then.
operation: Callable[[Any], AbstractContextManager[Any]] | None = None


class BackgroundTasks(StarletteBackgroundTasks):
    """The tasks a handler queues with ``add_task``; FastAPI's subclass of Starlette's.

    Under telemetry each task runs in a ``fastapi.background_task`` span, as in FastAPI.
    """

    async def __call__(self) -> None:
        trace = operation
        if trace is None:
            await super().__call__()
            return
        for task in self.tasks:
            with trace(task.func):
                await task()

    def add_task(self, func: Callable[P, Any], *args: P.args, **kwargs: P.kwargs) -> None:
        """Call ``func(*args, **kwargs)`` after the response is sent."""
        super().add_task(func, *args, **kwargs)
