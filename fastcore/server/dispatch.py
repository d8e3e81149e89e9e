"""From a parsed request to its route plan and back to the protocol, with no ASGI between.

The protocol calls ``Dispatch(cycle)`` once per request. For a FastCore app without
middleware the router and the route plan are called directly: no scope dict (one is built
only if the handler asks for ``Request`` or returns a ``Response``), no ``receive``/``send``
messages on the JSON fast path, whose ``(status, bytes)`` the protocol writes in one call.
Anything else (a middleware stack, a 404, a mount, another ASGI app) goes through the
ASGI entry with the cycle's ``receive``/``send``.

Coroutines are started eagerly: a handler that finishes without suspending (most
``async def`` handlers) never becomes a Task; one that suspends is adopted by a Task at
the point where it stopped.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Coroutine, Generator
from typing import Any

from fastcore._accel import load
from fastcore.handlers import RequestData
from fastcore.plans import RESPONSE_STARTED
from fastcore.requests import ClientDisconnect

__all__ = ["Dispatch"]

logger = logging.getLogger("fastcore.server")
_router_mod = load("router")
_FOUND = _router_mod.FOUND
_TEXT_TYPE = b"content-type: text/plain; charset=utf-8\r\n"


class _Resume:
    """Finishes a coroutine that already ran up to its first suspension, inside a Task."""

    __slots__ = ("coro", "yielded")

    def __init__(self, coro: Coroutine[Any, Any, Any], yielded: Any) -> None:
        self.coro = coro
        self.yielded = yielded

    def __await__(self) -> Generator[Any, Any, Any]:
        coro, value = self.coro, self.yielded
        while True:
            try:
                sent = yield value
            except BaseException as exc:  # NOTE: cancellation reaches the handler too
                try:
                    value = coro.throw(exc)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    value = coro.send(sent)
                except StopIteration as stop:
                    return stop.value


async def _adopt(coro: Coroutine[Any, Any, Any], yielded: Any) -> Any:
    return await _Resume(coro, yielded)


class Dispatch:
    """The protocol's ``handler``: routes one request cycle and answers it."""

    def __init__(self, app: Any, state: Any) -> None:
        from fastcore.app import FastCore

        self.state = state
        self.loop = state.loop
        self.asgi = app
        self.direct = isinstance(app, FastCore) and not app.user_middleware
        self.dispatcher: Any = None
        self.router: Any = None
        if isinstance(app, FastCore):
            app.freeze()
            self.dispatcher = app._dispatcher
            self.router = self.dispatcher.router

    def __call__(self, cycle: Any) -> None:
        if self.direct:
            status, plan, params = self.router.match(cycle.method, cycle.path)
            if status == _FOUND:
                rd = RequestData(
                    None, cycle.receive, params, cycle.query_string, cycle.raw_headers, cycle.scope
                )
                if plan.simple_call is not None:
                    self._simple(cycle, plan, rd)
                else:
                    self.run(self._serve(cycle, plan, rd))
                return
        self.run(self._serve_asgi(cycle))

    def _simple(self, cycle: Any, plan: Any, rd: RequestData) -> None:
        """The fast lane: no coroutine but the handler's, which usually never suspends."""
        try:
            coro = plan.start(rd)
            try:
                yielded = coro.send(None)
            except StopIteration as done:
                out = plan.finish(done.value, rd)
                if type(out) is tuple:
                    cycle.write_simple(out[0], plan.content_type_line, out[1])
                    return
                self.run(self._respond(cycle, plan, out, rd))
                return
        except Exception as exc:
            self.run(self._fail(cycle, exc, rd.get_scope()))
            return
        self.run(self._finish_later(cycle, plan, rd, _Resume(coro, yielded)))

    async def _respond(self, cycle: Any, plan: Any, out: Any, rd: RequestData) -> None:
        try:
            await self._send(cycle, plan, out, rd)
        except Exception as exc:
            await self._fail(cycle, exc, rd.get_scope())

    async def _finish_later(self, cycle: Any, plan: Any, rd: RequestData, handler: Any) -> None:
        try:
            await self._send(cycle, plan, plan.finish(await handler, rd), rd)
        except Exception as exc:
            await self._fail(cycle, exc, rd.get_scope())

    def run(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run ``coro`` now; only if it suspends does it continue in a Task."""
        try:
            yielded = coro.send(None)
        except StopIteration:
            return
        task = self.loop.create_task(_adopt(coro, yielded))
        tasks = self.state.tasks
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def _serve(self, cycle: Any, plan: Any, rd: RequestData) -> None:
        try:
            if plan.needs.has_yield:
                async with contextlib.AsyncExitStack() as stack:
                    rd.stack = stack
                    await self._send(cycle, plan, await plan.render(rd), rd)
                return
            await self._send(cycle, plan, await plan.render(rd), rd)
        except Exception as exc:
            await self._fail(cycle, exc, rd.get_scope())

    @staticmethod
    async def _send(cycle: Any, plan: Any, out: Any, rd: RequestData) -> None:
        if type(out) is tuple:
            cycle.write_simple(out[0], plan.content_type_line, out[1])
        else:
            await out(rd.get_scope(), cycle.receive, cycle.send)

    async def _fail(self, cycle: Any, exc: Exception, scope: dict[str, Any]) -> None:
        """The app's exception handlers answer; what they re-raise is logged, then a 500."""
        scope[RESPONSE_STARTED] = cycle.response_started
        try:
            await self.dispatcher._on_error(exc, scope, cycle.receive, cycle.send)
        except Exception as error:
            self._unhandled(cycle, error)

    async def _serve_asgi(self, cycle: Any) -> None:
        try:
            await self.asgi(cycle.scope(), cycle.receive, cycle.send)
        except Exception as exc:
            self._unhandled(cycle, exc)
            return
        if not cycle.response_complete:
            self._unhandled(cycle, RuntimeError("the app returned without completing a response"))

    @staticmethod
    def _unhandled(cycle: Any, exc: BaseException) -> None:
        if isinstance(exc, ClientDisconnect):
            # NOTE: the client left (or its body timed out): nobody to answer, nothing to log
            logger.debug("client disconnected during %s %s", cycle.method, cycle.path)
            if not cycle.response_complete:
                cycle.abort()
            return
        logger.error("Exception in %s %s", cycle.method, cycle.path, exc_info=exc)
        if not cycle.response_started:
            cycle.write_simple(500, _TEXT_TYPE, b"Internal Server Error")
        elif not cycle.response_complete:
            cycle.abort()  # NOTE: half a response was sent: only closing tells the client
