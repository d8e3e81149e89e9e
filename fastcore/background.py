"""Work to run after the response has been sent: Starlette's ``BackgroundTasks``, as FastAPI's.

A handler parameter typed ``BackgroundTasks`` (this class or Starlette's) gets one per
request; its tasks run in order after the response is written, a plain ``def`` in a thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec

from starlette.background import BackgroundTask
from starlette.background import BackgroundTasks as StarletteBackgroundTasks

__all__ = ["BackgroundTask", "BackgroundTasks"]

P = ParamSpec("P")


class BackgroundTasks(StarletteBackgroundTasks):
    """The tasks a handler queues with ``add_task``; FastAPI's subclass of Starlette's."""

    def add_task(self, func: Callable[P, Any], *args: P.args, **kwargs: P.kwargs) -> None:
        """Call ``func(*args, **kwargs)`` after the response is sent."""
        super().add_task(func, *args, **kwargs)
