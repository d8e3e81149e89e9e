"""``Depends(max_concurrency=N)`` (FastAPI 0.165): at most N calls of one declaration at a time.

The limit belongs to the declaration (the ``Depends`` object), not to the callable: two
``Depends(get_db, max_concurrency=...)`` count apart, and every route that uses the same
declaration shares its capacity. As in FastAPI the semaphore lives per event loop (an anyio
``RunVar``), so an app reused across loops (test suites) starts each one with full capacity,
and a declaration that is dropped drops its semaphores (weak keys). A plain call holds a slot
while it runs (a ``def`` one is admitted before it enters the thread pool); a yield dependency
holds it until its exit code has run. ``fastcore._planning.handlers.CallPlan`` applies it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

__all__ = ["_DependencyConcurrency", "check_max_concurrency", "limited_context"]

T = TypeVar("T")

_semaphores: Any = None  # the RunVar, made on first use (anyio is imported only then)


def check_max_concurrency(value: Any) -> int | None:
    """FastAPI's check: a positive int (not a bool) or None."""
    if value is not None and (type(value) is not int or value < 1):
        raise ValueError("max_concurrency must be a positive integer or None")
    return value


class _DependencyConcurrency:
    """FastAPI's name: one declaration's limit and its semaphore per event loop."""

    def __init__(self, max_concurrency: int) -> None:
        self.max_concurrency = max_concurrency

    def get_semaphore(self) -> Any:
        """This loop's ``anyio.Semaphore`` for the declaration (made on first use)."""
        global _semaphores
        import anyio
        from anyio.lowlevel import RunVar

        if _semaphores is None:
            _semaphores = RunVar("fastcore_dependency_semaphores")
        table = _semaphores.get(None)
        if table is None:
            table = WeakKeyDictionary()
            _semaphores.set(table)
        semaphore = table.get(self)
        if semaphore is None:
            semaphore = table[self] = anyio.Semaphore(self.max_concurrency)
        return semaphore


@asynccontextmanager
async def limited_context(cm: AbstractAsyncContextManager[T], semaphore: Any) -> AsyncIterator[T]:
    """A yield dependency's context entered under ``semaphore`` and held until it exits."""
    async with semaphore, cm as value:
        yield value
