"""The request's exit stack: an ``AsyncExitStack`` that enters yield dependencies directly.

FastAPI enters a yield dependency as ``stack.enter_async_context(asynccontextmanager(f)(...))``.
Per request that builds a context-manager object, looks up its ``__aenter__``/``__aexit__``,
and wraps the exit in a closure: about a quarter of a tutorial route with a ``get_db``
dependency (cProfile of bench/load/apps/tutorial_app.py's ``/users/{id}``). ``RequestStack``
advances the generator itself and pushes one small exit object per dependency, with the same
outcome as ``contextlib``'s context managers in every case: the value yielded, the cleanup
after the response, an exception thrown in at the ``yield``, a generator that swallows it,
re-raises it, raises another one, never yields or yields twice (tests/planning/test_exit_stack.py
runs each case through both and compares).

It *is* an ``AsyncExitStack`` (a subclass): code that receives it (a form's files, a custom
route handler, the scope's stack) pushes and enters onto it as onto any other.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import AsyncGenerator, Generator
from types import TracebackType
from typing import Any

__all__ = ["RequestStack"]

_Exc = type[BaseException] | None


class RequestStack(contextlib.AsyncExitStack):
    """``AsyncExitStack`` plus ``enter_async_generator`` and ``enter_generator``."""

    async def __aexit__(
        self, typ: _Exc, value: BaseException | None, tb: TracebackType | None
    ) -> bool:
        """contextlib's exit, with the usual case (nothing raised, no exit raises) short.

        PERF: ``AsyncExitStack.__aexit__`` defines a closure and reads ``sys.exc_info()``
        on every call: about two thirds of a yield dependency's cost on the flat plan
        (bench/micro/test_bench_shapes.py). With no exception the exits are called here in
        LIFO order; once one raises, contextlib's own exit runs the rest with that exception,
        as it would have from there.
        """
        if typ is not None:
            return bool(await super().__aexit__(typ, value, tb))
        callbacks = self._exit_callbacks  # type: ignore[attr-defined]
        while callbacks:
            is_sync, callback = callbacks.pop()
            try:
                if type(callback) is _AsyncGeneratorExit:
                    # PERF: _AsyncGeneratorExit's clean exit inline (no coroutine of its own)
                    gen = callback.gen
                    try:
                        await gen.__anext__()
                    except StopAsyncIteration:
                        continue
                    try:
                        raise RuntimeError("generator didn't stop")
                    finally:
                        await gen.aclose()
                elif is_sync:
                    callback(None, None, None)
                else:
                    await callback(None, None, None)
            except BaseException as exc:
                if not await super().__aexit__(type(exc), exc, exc.__traceback__):
                    raise
                return False  # NOTE: a later exit suppressed it: nothing propagates
        return False

    def push_async_generator(self, gen: AsyncGenerator[Any, None]) -> None:
        """Exit ``gen`` with the stack: for a caller that advanced it to its first ``yield``
        itself (``enter_async_generator`` without its coroutine; the flat plan's steps)."""
        self._exit_callbacks.append((False, _AsyncGeneratorExit(gen)))  # type: ignore[attr-defined]

    async def enter_async_generator(self, gen: AsyncGenerator[Any, None]) -> Any:
        """What ``enter_async_context(asynccontextmanager(f)(...))`` does, for ``gen = f(...)``."""
        try:
            value = await gen.__anext__()
        except StopAsyncIteration:
            raise RuntimeError("generator didn't yield") from None
        # NOTE: contextlib's own push, what push_async_exit ends in for a coroutine function
        # (3.11-3.13; public push_async_exit would first fail a lookup of __aexit__)
        self._push_exit_callback(_AsyncGeneratorExit(gen), False)  # type: ignore[attr-defined]
        return value

    def enter_generator(self, gen: Generator[Any, None, None]) -> Any:
        """What ``enter_context(contextmanager(f)(...))`` does, for ``gen = f(...)``.

        The generator is advanced in a copy of the context, as its exit is: a ``def``
        generator called on the loop (``sync_inline``) sets contextvars for itself only, as
        in FastAPI's worker threads, never for the request's next calls or the next request.
        """
        try:
            value = contextvars.copy_context().run(next, gen)
        except StopIteration:
            raise RuntimeError("generator didn't yield") from None
        self._push_exit_callback(_GeneratorExit(gen), True)  # type: ignore[attr-defined]
        return value


class _AsyncGeneratorExit:
    """The exit of one async-generator dependency: ``asynccontextmanager``'s ``__aexit__``."""

    __slots__ = ("gen",)

    def __init__(self, gen: AsyncGenerator[Any, None]) -> None:
        self.gen = gen

    async def __call__(
        self, typ: _Exc, value: BaseException | None, tb: TracebackType | None
    ) -> bool:
        gen = self.gen
        if typ is None:
            try:
                await gen.__anext__()
            except StopAsyncIteration:
                return False
            try:
                raise RuntimeError("generator didn't stop")
            finally:
                await gen.aclose()
        if value is None:
            value = typ()  # NOTE: an instance, to tell whether the same one comes back
        try:
            await gen.athrow(value)
        except StopAsyncIteration as exc:
            return exc is not value  # NOTE: swallowed, unless it was the one thrown in
        except BaseException as exc:
            return _raised_back(exc, value, tb, (StopIteration, StopAsyncIteration))
        try:
            raise RuntimeError("generator didn't stop after athrow()")
        finally:
            await gen.aclose()


class _GeneratorExit:
    """The exit of one generator dependency: ``contextmanager``'s, in a copy of the context
    (FastAPI runs each ``def`` generator's exit in a worker with a copy of its own)."""

    __slots__ = ("gen",)

    def __init__(self, gen: Generator[Any, None, None]) -> None:
        self.gen = gen

    def __call__(self, typ: _Exc, value: BaseException | None, tb: TracebackType | None) -> bool:
        return contextvars.copy_context().run(self._exit, typ, value, tb)

    def _exit(self, typ: _Exc, value: BaseException | None, tb: TracebackType | None) -> bool:
        gen = self.gen
        if typ is None:
            try:
                next(gen)
            except StopIteration:
                return False
            try:
                raise RuntimeError("generator didn't stop")
            finally:
                gen.close()
        if value is None:
            value = typ()
        try:
            gen.throw(value)
        except StopIteration as exc:
            return exc is not value
        except BaseException as exc:
            return _raised_back(exc, value, tb, (StopIteration,))
        try:
            raise RuntimeError("generator didn't stop after throw()")
        finally:
            gen.close()


def _raised_back(
    exc: BaseException,
    value: BaseException,
    tb: TracebackType | None,
    wrapped: tuple[type[BaseException], ...],
) -> bool:
    """An exit's answer when the generator raised ``exc`` after ``value`` was thrown in.

    The exception thrown in coming back means "not suppressed" (False), as does, by PEP 479,
    a RuntimeError wrapping the Stop(Async)Iteration thrown in; anything else the generator
    raised is the exit's own error and propagates.
    """
    if exc is value:
        exc.__traceback__ = tb
        return False
    if isinstance(exc, RuntimeError) and isinstance(value, wrapped) and exc.__cause__ is value:
        value.__traceback__ = tb
        return False
    raise exc
