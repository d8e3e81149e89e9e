"""A ``def`` handler and its ``def`` dependencies in ONE thread-pool hop, on the lane (issue 11).

FastAPI runs each ``def`` dependency, each ``def`` generator's entry and exit, and the ``def``
handler in a worker thread, each with a copy of the request's context. fastcore's general
path already calls such a tree in one hop (``CallPlan.run_sync``), but around it sit the
request's Task, its coroutines, futures and exit stack on the loop: about two thirds of
what a request of ``bench/load/apps/tutorial_def_app.py`` costs. Here the lane reads the
handler's own parameters, as for any lane route, and hands ``call`` to the pool with a
small object as its future (``LaneSpec.submit``); the worker solves the dependencies in
FastAPI's order (each once where cached), calls the handler, and serializes a JSON answer
(FastAPI validates a ``def`` handler's response in the thread pool too), so the loop only
writes the bytes, from the callback that settles the pool's batch of results.

A ``def`` generator dependency is entered in the worker and exits after the response is
written, in a second hop (as FastAPI's ``contextmanager_in_threadpool``), one for all of the
request's generators. An exception raised by a dependency, the handler or the serializer
is thrown into the generators entered so far, in the worker, with ``contextlib``'s
semantics (the exits run in LIFO order, one that raises replaces the exception, one that
swallows it is FastAPI's "Response not awaited" error), and only then handed to the app's
exception handlers; a Response's background tasks run before the exits, as in Starlette.

Only a route whose dependencies read nothing from the request themselves takes this path
(their values come from each other and from the cache); invalid input and dependency
overrides go to the general path before anything is called (the lane checks both), which
calls exactly what FastAPI would.
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastcore._planning.exit_stack import _GeneratorExit
from fastcore._planning.handlers import CallPlan
from fastcore._planning.threadpool import QUIET, submit_call
from fastcore.dependencies import GEN, SYNC
from fastcore.server.contract import Answer, is_response

if TYPE_CHECKING:
    from fastcore._planning.plans import RoutePlan
    from fastcore.server.contract import Rendered

__all__ = ["Pooled", "build_pooled", "passthrough"]

_copy = contextvars.copy_context


class _Dep:
    """One ``def`` dependency of the flat list: its function and the earlier values it takes."""

    __slots__ = ("args", "cached", "call", "generator")

    def __init__(self, plan: CallPlan, args: tuple[tuple[str, int], ...]) -> None:
        self.call = plan.call
        self.args = args
        self.generator = plan.kind is GEN
        #: ``lru_cache``'d, no arguments: a hit runs no user code (no context copy for it)
        self.cached = plan.cached


def passthrough(body: Any) -> Any:
    """The lane's ``serialize`` for a pooled route: the worker serialized the answer already."""
    return body


class Pooled:
    """A pooled route's flat plan: the contract's ``StepPlan`` plus ``call`` and ``submit``."""

    __slots__ = ("args", "deps", "direct", "general", "handler", "json", "overrides", "serialize")

    def __init__(
        self, general: RoutePlan, deps: tuple[_Dep, ...], args: tuple[tuple[str, int], ...]
    ) -> None:
        self.general = general
        self.deps = deps
        #: The handler's keywords filled from ``deps`` (the lane fills its own parameters).
        self.args = args
        self.handler = general.call.call
        self.overrides = general.call.overrides
        #: Never started by the lane as a coroutine: ``submit`` hands the call to the pool.
        self.direct: Callable[..., Any] | None = None
        self.json = general.fast == int(Answer.JSON)
        self.serialize = general.serialize

    async def run(self, rd: Any, kwargs: dict[str, Any]) -> Rendered:
        """The contract's entry with the request's state: the general path (one hop too)."""
        return await self.general.render(rd)

    def submit(self, target: Any, call: Any, kwargs: dict[str, Any]) -> None:
        """``LaneSpec.submit``: the whole request in one hop, its outcome to ``target``."""
        hop = _Hop(self, target)
        submit_call(hop, hop.run, kwargs)

    def call(self, **kwargs: Any) -> Any:
        """``LaneSpec.call`` (what ``submit`` runs; the lane never calls it itself)."""
        return _Hop(self, None).run(**kwargs)


class _Hop:
    """One request's hop: run in a worker, then settled on the loop (the pool's future)."""

    __slots__ = ("exiting", "gens", "plan", "target")

    def __init__(self, plan: Pooled, target: Any) -> None:
        self.plan = plan
        self.target = target
        self.gens: list[Any] = []
        self.exiting = False

    def run(self, **kwargs: Any) -> Any:
        """In a worker: the dependencies, the handler, the JSON answer's bytes."""
        plan = self.plan
        values: list[Any] = []
        try:
            for dep in plan.deps:
                kw = {name: values[slot] for name, slot in dep.args}
                if dep.generator:
                    gen = dep.call(**kw)
                    try:
                        value = _copy().run(next, gen)
                    except StopIteration:
                        raise RuntimeError("generator didn't yield") from None
                    self.gens.append(gen)
                elif dep.cached and dep.call.cache_info().currsize:  # type: ignore[attr-defined]
                    value = dep.call()
                else:
                    value = _copy().run(dep.call, **kw)
                values.append(value)
            for name, slot in plan.args:
                kwargs[name] = values[slot]
            result = _copy().run(plan.handler, **kwargs)
            if plan.json and (type(result) is dict or not is_response(result)):
                return plan.serialize(result)
            return result
        except BaseException as exc:
            if not self.gens:
                raise
            gens, self.gens = self.gens, []
            if _unwind(gens, exc):
                raise plan.general.swallowed() from None
            raise

    # -- the pool's future, settled on the loop -----------------------------------------
    def done(self) -> bool:
        return False

    def cancelled(self) -> bool:
        return False

    def set_result(self, result: Any) -> None:
        if self.exiting:
            return
        gens = self.gens
        if not gens:
            self.target.set_result(result)
            return
        self.exiting = True
        if is_response(result) and (
            result.background is not None or type(result).__call__ is not _plain_call()
        ):
            # NOTE: the exits after the Response's background tasks (Starlette runs them as
            # part of sending it), from the task that runs those
            result.background = _ThenExit(result.background, self)  # type: ignore[assignment]
            self.target.set_result(result)
            return
        self.target.set_result(result)  # NOTE: written now; the exits after, in one hop
        submit_call(self, self.exit, {})

    def set_exception(self, exc: BaseException) -> None:
        self.target.set_exception(exc)

    def exit(self) -> Any:
        """In a worker, after the response: every generator's clean exit, LIFO.

        ``QUIET`` when none raised: the loop is not woken for it (what an exit raises is
        settled as ``set_exception``, for the app's error handling to log).
        """
        gens, self.gens = self.gens, []
        while gens:
            gen = gens.pop()
            try:
                _GeneratorExit(gen)(None, None, None)  # NOTE: in a copy of the context
            except BaseException as exc:
                if not _unwind(gens, exc):
                    raise
                break
        return QUIET

    def exit_all(self) -> None:
        """``exit`` for an awaiter (``run_to_completion``)."""
        self.exit()


class _ThenExit:
    """A Response's background, then the request's generator exits (in the pool)."""

    __slots__ = ("background", "hop")

    def __init__(self, background: Any, hop: _Hop) -> None:
        self.background = background
        self.hop = hop

    async def __call__(self) -> None:
        from fastcore._planning.threadpool import run_to_completion

        try:
            if self.background is not None:
                await self.background()
        except BaseException as exc:
            gens, self.hop.gens = self.hop.gens, []
            await run_to_completion(_unwind_raising, gens, exc)
            raise
        await run_to_completion(self.hop.exit_all)


def _unwind_raising(gens: list[Any], exc: BaseException) -> None:
    if _unwind(gens, exc):
        return
    raise exc


def _unwind(gens: list[Any], exc: BaseException) -> bool:
    """``exc`` thrown into ``gens`` (LIFO) with ``ExitStack``'s semantics: True if swallowed;
    raises what an exit raised instead."""
    with contextlib.ExitStack() as stack:
        for gen in gens:
            stack.push(_GeneratorExit(gen))  # NOTE: each in a copy of the context
        return bool(stack.__exit__(type(exc), exc, exc.__traceback__))
    return False  # pragma: no cover - the with block always returns


def _plain_call() -> Any:
    return sys.modules["starlette.responses"].Response.__call__


def _pooled_shape(plan: RoutePlan) -> bool:
    """A ``def`` handler outside ``sync_inline`` over ``def`` dependencies only, with nothing
    that needs the request's state or a stack of its own (forms, limits, scope="function")."""
    call, needs = plan.call, plan.needs
    if type(plan).lane_fallback is not None or plan.simple_call is not None:
        return False
    if call.kind is not SYNC or call.inline or not call.plain or call.specials:
        return False
    if plan.fast == int(Answer.MSGPACK) or needs.function_scoped:
        return False
    body = needs.body_plan
    return not ((body is not None and body.is_form) or needs.max_body_size is not None)


def build_pooled(plan: RoutePlan) -> Pooled | None:
    """``plan`` as a pooled flat plan, or None when the route is not for one."""
    if not _pooled_shape(plan):
        return None
    deps: list[_Dep] = []
    cached: dict[Any, int] = {}

    def place(node: CallPlan) -> tuple[tuple[str, int], ...] | None:
        args: list[tuple[str, int]] = []
        for name, sub, use_cache in node.subs:
            slot = cached.get(sub.key) if use_cache else None
            if slot is None:
                if sub.extractors or sub.specials or sub.function_scoped or not sub.plain:
                    return None  # NOTE: it reads the request itself: the general path
                sub_args = place(sub)
                if sub_args is None:
                    return None
                deps.append(_Dep(sub, sub_args))
                slot = len(deps) - 1
                if use_cache:
                    cached[sub.key] = slot
            if name:
                args.append((name, slot))
        return tuple(args)

    args = place(plan.call)
    if args is None or not deps:
        return None
    return Pooled(plan, tuple(deps), args)
