"""A route's dependency tree as a flat plan: the lane's ``LaneSpec.steps`` (issue 11).

``CallPlan.solve`` walks the tree for every request: a coroutine per level, a per-request
cache dict, override and cache checks at each node. Everything but the values is known at
start-up, so ``build_steps`` flattens the tree once into the order FastAPI calls it (each
dependency after its own sub-dependencies, a cached one once, at its first place) and a
request runs one loop over that list in one coroutine: a step's arguments are the values of
earlier steps (by index) and its own parameters.

What only a request shows goes back to the general path (``RoutePlan.render``) before
anything is called, so FastAPI's semantics there come from one place: a dependency's
invalid input (FastAPI still calls the dependencies whose input is valid, then answers 422
with every error) and dependency overrides (set by tests after start-up). The handler's own
parameters were read by the lane, which sends a request with invalid ones to the general
path the same way.

Kept off the flat plan (the general path serves the route): ``scope="function"``
dependencies (a second exit stack), ``max_concurrency``, a ``def`` dependency with ``def``
sub-dependencies outside ``sync_inline`` (``run_plain`` calls that tree in ONE pool hop),
``def`` handlers outside ``sync_inline`` (the handler and its ``def`` tree in one hop), forms
and body limits. A ``def`` handler with ``sync_inline=True`` is called on the loop as the
last step.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from fastcore._planning.handlers import CallPlan, Extractor, RequestData, _ThreadedContext
from fastcore._planning.threadpool import run_in_threadpool
from fastcore.dependencies import ASYNC, ASYNC_GEN, GEN, SYNC

if TYPE_CHECKING:
    from fastcore._planning.plans import RoutePlan
    from fastcore.server.contract import Rendered

__all__ = ["Steps", "build_steps"]

# How a step is called (one int compare per step on the request path).
_AWAIT = 0  # an async def: awaited
_CALL = 1  # a def on the loop (sync_inline=True)
_CACHED = 2  # an lru_cache'd def of no arguments: on the loop once its entry exists
_POOL = 3  # a def in the thread pool
_AGEN = 4  # an async generator, entered on the request's stack
_GEN = 5  # a generator on the loop (sync_inline=True), entered on the stack
_GEN_POOL = 6  # a generator entered and exited in the pool

Special = Callable[[RequestData], Any]
_copy = contextvars.copy_context


class _Step:
    """One dependency call: what to call, how, and where its arguments come from."""

    __slots__ = ("args", "call", "cm_factory", "extractors", "kind", "specials")

    def __init__(
        self,
        plan: CallPlan,
        kind: int,
        args: tuple[tuple[str, int], ...],
    ) -> None:
        self.call = plan.call
        self.cm_factory = plan.cm_factory
        self.kind = kind
        #: keyword -> index of the earlier step whose value it takes
        self.args = args
        self.extractors: tuple[tuple[str, Extractor], ...] = plan.extractors
        self.specials: tuple[tuple[str, Special], ...] = plan.specials


class Steps:
    """A route's flat plan (the contract's ``StepPlan``): dependencies, then the handler."""

    __slots__ = (
        "args",
        "direct",
        "extracting",
        "general",
        "handler",
        "overrides",
        "specials",
        "steps",
    )

    def __init__(
        self,
        general: RoutePlan,
        steps: tuple[_Step, ...],
        args: tuple[tuple[str, int], ...],
    ) -> None:
        self.general = general
        self.steps = steps
        #: The handler's keywords filled from steps, and its Request/Response/... parameters.
        self.args = args
        self.specials = general.call.specials
        handler = general.call.call
        #: A ``def`` handler (``sync_inline=True``) is called on the loop, in a coroutine of
        #: its own only so that ``run`` awaits every handler the same way.
        self.handler = _awaitable(handler) if general.call.kind is SYNC else handler
        self.overrides = general.call.overrides
        #: Some dependency reads the request itself: its values are read, and checked,
        #: before the first call.
        self.extracting = any(step.extractors or step.specials for step in steps)
        #: For a route whose plan needs no request state and no exit stack (no yield, no
        #: Request/Response/... parameter, no dependency reading the request itself): the
        #: handler with its dependencies solved, ``async (**handler kwargs) -> result``, that
        #: the lane starts and answers as it does a simple handler. None otherwise.
        self.direct: Callable[..., Any] | None = None
        if not (self.extracting or self.specials or general.needs.has_yield):
            self.direct = self._direct

    def _direct(self, **kwargs: Any) -> Coroutine[Any, Any, Any]:
        """The steps, then the handler; its result as the handler returned it (no finish).

        A plain function returning ``_call``'s coroutine: the lane starts it as it starts
        a simple handler's, with no coroutine of its own in between.
        """
        return self._call(kwargs, None, None)

    async def run(self, rd: RequestData, kwargs: dict[str, Any]) -> Rendered:
        overrides = self.overrides
        if overrides is not None and overrides.mapping:
            return await self.general.render(rd)
        own = _owns(self.steps, rd) if self.extracting else None
        if own is _INVALID:
            return await self.general.render(rd)
        for name, special in self.specials:
            kwargs[name] = special(rd)
        return self.general.finish(await self._call(kwargs, own, rd.stack), rd)

    async def _call(
        self,
        kwargs: dict[str, Any],
        own: list[dict[str, Any]] | None,
        stack: Any,
    ) -> Any:
        """Each step in order (``own``: their own arguments, read by ``run``), then the
        handler with the values its keywords take; the handler's result."""
        values: list[Any] = []
        for index, step in enumerate(self.steps):
            kw = own[index] if own is not None else {}
            for name, slot in step.args:
                kw[name] = values[slot]
            kind = step.kind
            call = step.call
            if kind == _AWAIT:
                value = await call(**kw)
            elif kind == _CACHED and call.cache_info().currsize:  # type: ignore[attr-defined]
                value = call()  # NOTE: a cache hit is a dict lookup in C: no hop for it
            elif kind == _AGEN:
                # NOTE: RequestStack.enter_async_generator, inline (one coroutine less)
                gen = call(**kw)
                try:
                    value = await gen.__anext__()
                except StopAsyncIteration:
                    raise RuntimeError("generator didn't yield") from None
                stack.push_async_generator(gen)  # NOTE: the route's RequestStack
            elif kind == _CALL:
                # NOTE: in a copy of the context, as in a pool thread: what a def sets stays its own
                value = _copy().run(call, **kw)
            else:
                value = await _in_pool(step, kw, stack)
            values.append(value)
        for name, slot in self.args:
            kwargs[name] = values[slot]
        return await self.handler(**kwargs)


async def _in_pool(step: _Step, kw: dict[str, Any], stack: Any) -> Any:
    """A step that needs the thread pool (or, ``sync_inline``, a generator on the loop)."""
    kind, call = step.kind, step.call
    if kind == _GEN:
        return stack.enter_generator(call(**kw))
    if kind == _GEN_POOL:
        return await stack.enter_async_context(_ThreadedContext(step.cm_factory(**kw)))
    # NOTE: _POOL, or _CACHED before its first entry: the function runs, and may block
    return await run_in_threadpool(call, **kw)


#: ``_owns``' answer when some dependency's input is invalid.
_INVALID: list[dict[str, Any]] = []


def _owns(steps: tuple[_Step, ...], rd: RequestData) -> list[dict[str, Any]]:
    """Every step's own arguments, read before the first call; ``_INVALID`` on any error."""
    errors: list[dict[str, Any]] = []
    own = [_own(step, rd, errors) for step in steps]
    return _INVALID if errors else own


def _own(step: _Step, rd: RequestData, errors: list[dict[str, Any]]) -> dict[str, Any]:
    """A step's own parameters (and Request/Response/... arguments), errors collected."""
    kw = {name: extract(rd, errors) for name, extract in step.extractors}
    for name, special in step.specials:
        kw[name] = special(rd)
    return kw


def _kind(plan: CallPlan) -> int | None:
    """How the flat plan calls ``plan``; None: only the general path can."""
    if plan.concurrency is not None or plan.function_scoped:
        return None
    kind = plan.kind
    if kind is ASYNC:
        return _AWAIT
    if kind is ASYNC_GEN:
        return _AGEN
    if kind is SYNC:
        if plan.inline:
            return _CALL
        if plan.cached:
            return _CACHED
        # NOTE: a def over def sub-dependencies is ONE hop through run_plain; step by step
        # it would be one per level
        return None if plan.subs else _POOL
    if kind is GEN:
        return _GEN if plan.inline else _GEN_POOL
    return None


def _awaitable(handler: Callable[..., Any]) -> Callable[..., Any]:
    async def call(**kwargs: Any) -> Any:
        return _copy().run(handler, **kwargs)

    return call


def _flat_handler(call: CallPlan) -> bool:
    """An ``async def`` handler, or a ``def`` one with ``sync_inline``, with dependencies."""
    handler_ok = call.kind is ASYNC or (call.kind is SYNC and call.inline)
    return handler_ok and bool(call.subs or call.specials)


def build_steps(plan: RoutePlan) -> Steps | None:
    """``plan``'s dependencies flattened, or None when the route is not for the flat plan."""
    call, needs = plan.call, plan.needs
    if plan.simple_call is not None or type(plan).lane_fallback is not None:
        return None
    if not _flat_handler(call):
        return None
    body = needs.body_plan
    if (body is not None and body.is_form) or needs.max_body_size is not None:
        return None
    if needs.function_scoped or call.concurrency is not None:
        return None
    steps: list[_Step] = []
    cached: dict[Any, int] = {}

    def place(node: CallPlan) -> tuple[tuple[str, int], ...] | None:
        """``node``'s sub-dependencies placed in ``steps``; its keyword -> step index."""
        args: list[tuple[str, int]] = []
        for name, sub, use_cache in node.subs:
            slot = cached.get(sub.key) if use_cache else None
            if slot is None:
                kind = _kind(sub)
                sub_args = place(sub) if kind is not None else None
                if kind is None or sub_args is None:
                    return None
                steps.append(_Step(sub, kind, sub_args))
                slot = len(steps) - 1
                if use_cache:
                    cached[sub.key] = slot
            if name:
                args.append((name, slot))
        return tuple(args)

    args = place(call)
    if args is None:
        return None
    return Steps(plan, tuple(steps), args)
