"""A router's lifespan as FastAPI 0.165 keeps it: ``router.lifespan_context(app)``.

Every ``APIRouter`` (the app's included) has a ``lifespan_context``: the ``lifespan=`` it was
given (an async generator function or a sync generator function is wrapped into a context
manager factory, as FastAPI wraps them), else a ``DefaultLifespan`` that runs the router's
``on_startup`` / ``on_shutdown`` handlers. ``include_router`` merges the included router's
into the parent's (``merge``), so the app's lifespan enters every included router's, the
parent's first; their states are merged, the parent's keys winning. This is start-up work
only: nothing here runs per request.

As in FastAPI, ``include_router`` also copies the router's handlers into the parent's lists,
and a router given ``lifespan=`` no longer runs its ``on_startup`` handlers itself: a handler
of an included router therefore runs once per level that runs it (FastAPI's behaviour, which
``tests/compat/test_router_lifespans.py`` pins).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import AsyncIterator, Callable
from typing import Any

__all__ = ["DefaultLifespan", "lifespan_context", "merge", "run_handlers"]


async def run_handlers(handlers: list[Callable[[], Any]]) -> None:
    """Call each handler in order, awaiting what it returns when that is awaitable."""
    for handler in handlers:
        result = handler()
        if inspect.isawaitable(result):
            await result


class DefaultLifespan:
    """A router's lifespan when it was given none: its ``on_startup`` / ``on_shutdown``.

    The lists are read when the lifespan runs, so handlers added later (``on_event``) run.
    """

    def __init__(self, router: Any) -> None:
        self._router = router

    async def __aenter__(self) -> None:
        await run_handlers(self._router.on_startup)

    async def __aexit__(self, *exc_info: object) -> None:
        await run_handlers(self._router.on_shutdown)

    def __call__(self, app: object) -> DefaultLifespan:
        return self


class _SyncLifespan(contextlib.AbstractAsyncContextManager[Any]):
    """A sync context manager entered from the async lifespan."""

    def __init__(self, cm: contextlib.AbstractContextManager[Any]) -> None:
        self._cm = cm

    async def __aenter__(self) -> Any:
        return self._cm.__enter__()

    async def __aexit__(self, *exc_info: Any) -> bool | None:
        return self._cm.__exit__(*exc_info)


def lifespan_context(lifespan: Callable[[Any], Any] | None, router: Any) -> Callable[[Any], Any]:
    """What ``router.lifespan_context`` is for ``lifespan=`` (FastAPI's ``APIRouter.__init__``)."""
    if lifespan is None:
        return DefaultLifespan(router)
    if inspect.isasyncgenfunction(lifespan):
        return contextlib.asynccontextmanager(lifespan)
    if inspect.isgeneratorfunction(lifespan):
        cmgr = contextlib.contextmanager(lifespan)

        @functools.wraps(cmgr)
        def wrapper(app: Any) -> _SyncLifespan:
            return _SyncLifespan(cmgr(app))

        return wrapper
    return lifespan


def merge(original: Callable[[Any], Any], nested: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``original`` entered around ``nested``; the states merged, ``original``'s keys winning."""

    @contextlib.asynccontextmanager
    async def merged_lifespan(app: Any) -> AsyncIterator[Any]:
        async with original(app) as original_state, nested(app) as nested_state:
            if nested_state is None and original_state is None:
                yield None
            else:
                yield {**(nested_state or {}), **(original_state or {})}

    return merged_lifespan
