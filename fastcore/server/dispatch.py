"""What the protocol calls for each request: the direct lane, and the paths beside it.

For a FastCore app without middleware the protocol's handler is the compiled
``DirectLane`` (``_speedups/direct.pyx``), which serves simple routes itself with no scope
dict and no ASGI messages. ``Dispatch`` holds every other path, in Python: routes with
dependencies, Request parameters, forms or a body still arriving; Response objects
(written in one ``cycle.write_response``, their background tasks run after it);
exception handlers; a handler that suspends. Apps with middleware, 404s, mounts and
other ASGI apps go through the ASGI entry with the cycle's ``receive``/``send``.

Coroutines are started eagerly: one that finishes without suspending (most ``async def``
handlers) never becomes a Task of its own; one that suspends is adopted by a Task where it
stopped. While it runs eagerly, the current task (``asyncio.current_task()``) is the *host*: a
Task made ahead of time that waits idle, so ``asyncio.timeout``, anyio's cancel scopes and task
groups (``BaseHTTPMiddleware``, httpx's async client) find a task as they would under any ASGI
server. A coroutine that suspends is handed to that same host Task, which drives it on, so
whatever registered the host during the eager part (a timeout, a cancel scope) stays with the
task that runs it; a new host is made for the next request. A request started while another
task runs (a pipelined request behind one that suspended) gets a Task of its own instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from asyncio.tasks import _enter_task, _leave_task
from collections.abc import Coroutine, Generator
from typing import Any

from fastcore._accel import load
from fastcore.exceptions import FastAPIError
from fastcore.handlers import RequestData
from fastcore.plans import NOT_SENT, RESPONSE_STARTED

__all__ = ["Dispatch"]

logger = logging.getLogger("fastcore.server")
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


async def _host(handover: asyncio.Future[Any]) -> Any:
    """The host Task's body: idle until a suspended coroutine is handed over, then drives it."""
    try:
        coro, yielded = await handover
    except asyncio.CancelledError:
        if not handover.done() or handover.cancelled():
            raise  # NOTE: an idle host, cancelled at shutdown
        # The eager part cancelled its own task (current_task().cancel()): as in any Task,
        # the coroutine gets the CancelledError where it suspended.
        coro, _ = handover.result()
        try:
            yielded = coro.throw(asyncio.CancelledError())
        except StopIteration as stop:
            return stop.value
    return await _Resume(coro, yielded)


class Dispatch:
    """The slow paths beside the direct lane; ``handler`` is what the protocol calls."""

    def __init__(self, app: Any, state: Any, protocol: Any = None) -> None:
        from fastcore.app import FastCore

        self.state = state
        self.loop = state.loop
        self.app = app
        self.dispatcher: Any = None
        self.handler: Any = self.asgi
        #: The Task eager coroutines run under (the lanes read it), and its handover future.
        self.host, self._handover = self._new_host()
        if isinstance(app, FastCore):
            app.freeze()
            self.dispatcher = app._dispatcher
            # NOTE: an app with OpenTelemetry on goes through its ASGI entry (its spans)
            if not app.user_middleware and app._otel is None:
                lane = (protocol or load("protocol")).DirectLane
                self.handler = lane(self.dispatcher.router, self)

    def _new_host(self) -> tuple[asyncio.Task[Any], asyncio.Future[Any]]:
        handover = self.loop.create_future()
        return self.loop.create_task(_host(handover)), handover

    def close(self) -> None:
        """At shutdown: the idle host Task ends (it never ran anything)."""
        if not self.host.done():
            self.host.cancel()

    def run(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run ``coro`` now under the host Task; only if it suspends does it continue there."""
        host = self.host
        try:
            _enter_task(self.loop, host)
        except RuntimeError:  # NOTE: inside another request's Task: this one gets its own
            self._track(self.loop.create_task(coro))
            return
        try:
            yielded = coro.send(None)
        except StopIteration:
            return
        finally:
            _leave_task(self.loop, host)
        self.adopt(coro, yielded)

    def adopt(self, coro: Coroutine[Any, Any, Any], yielded: Any) -> None:
        """``coro`` suspended under the host: the host drives it on; a new host waits."""
        host, handover = self.host, self._handover
        self.host, self._handover = self._new_host()
        handover.set_result((coro, yielded))
        self._track(host)

    def _track(self, task: asyncio.Task[Any]) -> None:
        tasks = self.state.tasks
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    # -- called by the direct lane --------------------------------------------------------
    def asgi(self, cycle: Any) -> None:
        """Through the app's ASGI entry (404s, mounts, middleware, other ASGI apps)."""
        self.run(self._serve_asgi(cycle))

    def serve(self, cycle: Any, plan: Any, rd: RequestData) -> None:
        """A route the lane does not serve itself: the plan's general path."""
        rd.route = plan.route
        self.run(self._serve(cycle, plan, rd))

    def fail(self, cycle: Any, exc: Exception, rd: RequestData) -> None:
        self.run(self._fail(cycle, exc, rd.get_scope()))

    def respond(self, cycle: Any, plan: Any, out: Any, rd: RequestData) -> None:
        rd.route = plan.route
        if type(out) is not tuple and type(out).__call__ is _plain_call():
            # PERF: a returned Response with its body: written here, no coroutine, no scope
            try:
                cycle.write_response(out.status_code, out.raw_headers, out.body)
            except Exception as exc:
                self.fail(cycle, exc, rd)
                return
            if out.background is not None:
                self.run(self._background(cycle, out.background, rd))
            return
        self.run(self._respond(cycle, plan, out, rd))

    def later(self, cycle: Any, plan: Any, rd: RequestData, coro: Any, yielded: Any) -> None:
        """The handler suspended: finish it, and the response, in a Task."""
        rd.route = plan.route
        self.run(self._finish_later(cycle, plan, rd, _Resume(coro, yielded)))
        # NOTE: yielded is None when the lane could not start the coroutine (another Task
        # was running): _Resume then yields once (a loop turn) and starts it in this Task

    # -- coroutines -----------------------------------------------------------------------
    async def _serve(self, cycle: Any, plan: Any, rd: RequestData) -> None:
        try:
            if plan.needs.has_yield:
                async with contextlib.AsyncExitStack() as stack:
                    rd.stack = stack
                    if plan.needs.function_scoped:
                        out = await plan.render_function_scoped(rd)
                    else:
                        out = await plan.render(rd)
                    await self._send(cycle, plan, out, rd)
                    return
                # NOTE: as in RoutePlan.__call__: a yield dependency swallowed the exception.
                raise FastAPIError(NOT_SENT)
            await self._send(cycle, plan, await plan.render(rd), rd)
        except Exception as exc:
            await self._fail(cycle, exc, rd.get_scope())

    async def _respond(self, cycle: Any, plan: Any, out: Any, rd: RequestData) -> None:
        try:
            await self._send(cycle, plan, out, rd)
        except Exception as exc:
            await self._fail(cycle, exc, rd.get_scope())

    async def _background(self, cycle: Any, background: Any, rd: RequestData) -> None:
        """A Response's background tasks, after its bytes were written."""
        try:
            await background()
        except Exception as exc:
            await self._fail(cycle, exc, rd.get_scope())

    async def _finish_later(self, cycle: Any, plan: Any, rd: RequestData, handler: Any) -> None:
        try:
            await self._send(cycle, plan, plan.finish(await handler, rd), rd)
        except Exception as exc:
            await self._fail(cycle, exc, rd.get_scope())

    @staticmethod
    async def _send(cycle: Any, plan: Any, out: Any, rd: RequestData) -> None:
        if type(out) is tuple:
            cycle.write_simple(out[0], plan.content_type_line, out[1])
        elif type(out).__call__ is _plain_call():
            # PERF: a Response whose body is known up front (JSONResponse, PlainTextResponse,
            # RedirectResponse...) is written from its status, raw headers and body in one
            # transport.write; no scope and no ASGI message is built for it. Streaming and
            # file responses run their own __call__.
            cycle.write_response(out.status_code, out.raw_headers, out.body)
            if out.background is not None:
                await out.background()
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
            await self.app(cycle.scope(), cycle.receive, cycle.send)
        except Exception as exc:
            self._unhandled(cycle, exc)
            return
        if not cycle.response_complete and not cycle.disconnected:
            self._unhandled(cycle, RuntimeError("the app returned without completing a response"))

    @staticmethod
    def _unhandled(cycle: Any, exc: BaseException) -> None:
        if _is_disconnect(exc):
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


def _plain_call() -> Any:
    """``starlette.responses.Response.__call__``: what a Response with a ``body`` runs."""
    return sys.modules["starlette.responses"].Response.__call__


def _is_disconnect(exc: BaseException) -> bool:
    """Starlette's ClientDisconnect, asked of sys.modules: it cannot be raised before loading."""
    module = sys.modules.get("starlette.requests")
    return module is not None and isinstance(exc, module.ClientDisconnect)
