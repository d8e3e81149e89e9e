"""What the protocol calls for each request: the direct lane, and the paths beside it.

For an app that describes its routes to the server (a FastCore without middleware: the
``LaneApp`` of ``fastcore/server/contract.py``) the protocol's handler is the ``DirectLane``
(``fastcore/server/http/lane.py``, compiled as it is into ``_lane_c``), which serves simple
routes itself with no scope dict and no ASGI messages. ``Dispatch`` holds every other path,
in Python: routes with dependencies, Request parameters, forms or a body still arriving;
Response objects (written in one ``cycle.write_response``, their background tasks run
after it); exception handlers; a handler that suspends. Apps with middleware, 404s, mounts and
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

Everything here is typed against the contract: a route is its ``LaneSpec`` (the plan behind
it a ``GeneralPath``), the app's error handling an ``ErrorHandler``, the request's state a
``RequestState``; no name of the framework's own modules is imported.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from asyncio.tasks import _enter_task, _leave_task
from collections.abc import Callable, Coroutine, Generator
from types import ModuleType
from typing import TYPE_CHECKING, Any

from fastcore.server.contract import (
    AsgiApp,
    Cycle,
    ErrorHandler,
    LaneApp,
    LaneSpec,
    Receive,
    Rendered,
    RequestState,
    Send,
)

if TYPE_CHECKING:
    from starlette.background import BackgroundTask

    from fastcore.server.server import ServerState

__all__ = ["Dispatch"]

logger = logging.getLogger("fastcore.server")
_TEXT_TYPE = b"content-type: text/plain; charset=utf-8\r\n"
#: A coroutine of this module run for one request (what it yields is the event loop's).
Job = Coroutine[Any, Any, None]


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


async def _host(handover: asyncio.Future[tuple[Job, Any]]) -> object:
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

    def __init__(self, app: AsgiApp, state: ServerState, protocol: ModuleType) -> None:
        self.state = state
        self.loop = state.loop
        self.app = app
        self.on_error: ErrorHandler = _no_error_handler
        self.handler: Callable[[Cycle], None] = self.asgi
        #: No lane work in the thread pool (``LaneRoutes.idle``): what a graceful stop awaits.
        self.idle: Callable[[], bool] = _idle
        #: The Task eager coroutines run under (the lanes read it), and its handover future.
        self.host, self._handover = self._new_host()
        if isinstance(app, LaneApp):
            routes = app.lane_routes()
            self.on_error = routes.on_error
            self.idle = routes.idle
            if routes.whole_app is None:  # NOTE: middleware, telemetry: the ASGI entry
                self.handler = protocol.DirectLane(routes, self)

    def _new_host(self) -> tuple[asyncio.Task[object], asyncio.Future[tuple[Job, Any]]]:
        handover = self.loop.create_future()
        return self.loop.create_task(_host(handover)), handover

    def close(self) -> None:
        """At shutdown: the idle host Task ends (it never ran anything)."""
        if not self.host.done():
            self.host.cancel()

    def run(self, coro: Job) -> None:
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

    def adopt(self, coro: Job, yielded: Any) -> None:
        """``coro`` suspended under the host: the host drives it on; a new host waits."""
        host, handover = self.host, self._handover
        self.host, self._handover = self._new_host()
        handover.set_result((coro, yielded))
        self._track(host)

    def _track(self, task: asyncio.Task[object]) -> None:
        tasks = self.state.tasks
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    # -- called by the direct lane --------------------------------------------------------
    def asgi(self, cycle: Cycle) -> None:
        """Through the app's ASGI entry (404s, mounts, middleware, other ASGI apps)."""
        self.run(self._serve_asgi(cycle))

    def serve(self, cycle: Cycle, spec: LaneSpec, rd: RequestState) -> None:
        """A route the lane does not serve itself: the plan's general path."""
        rd.route = spec.route
        self.run(self._serve(cycle, spec, rd))

    def steps(self, cycle: Cycle, spec: LaneSpec, rd: RequestState, kwargs: dict[str, Any]) -> None:
        """A ``Fallback.STEPS`` route whose handler parameters the lane read (``kwargs``):
        its flat plan solves the dependencies, in one coroutine run eagerly."""
        rd.route = spec.route
        self.run(self._serve(cycle, spec, rd, kwargs))

    def fail(self, cycle: Cycle, exc: Exception, rd: RequestState) -> None:
        self.run(self._fail(cycle, exc, rd.get_scope()))

    def respond(self, cycle: Cycle, spec: LaneSpec, out: Rendered, rd: RequestState) -> None:
        rd.route = spec.route
        if not isinstance(out, tuple) and type(out).__call__ is _plain_call():
            # PERF: a returned Response with its body: written here, no coroutine, no scope
            try:
                cycle.write_response(out.status_code, out.raw_headers, out.body)
            except Exception as exc:
                self.fail(cycle, exc, rd)
                return
            if out.background is not None:
                self.run(self._background(cycle, out.background, rd))
            return
        self.run(self._respond(cycle, spec, out, rd))

    def later(
        self,
        cycle: Cycle,
        spec: LaneSpec,
        rd: RequestState,
        coro: Coroutine[Any, Any, Any],
        yielded: Any,
    ) -> None:
        """The handler suspended: finish it, and the response, in a Task."""
        rd.route = spec.route
        self.run(self._finish_later(cycle, spec, rd, _Resume(coro, yielded)))
        # NOTE: yielded is None when the lane could not start the coroutine (another Task
        # was running): _Resume then yields once (a loop turn) and starts it in this Task

    # -- coroutines -----------------------------------------------------------------------
    async def _serve(
        self,
        cycle: Cycle,
        spec: LaneSpec,
        rd: RequestState,
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        """The route's plan (its flat plan when the lane read ``kwargs``), then the answer."""
        plan = spec.general
        steps = spec.steps if kwargs is not None else None
        try:
            if spec.has_yield:
                # NOTE: ``async with spec.new_stack()`` written out (the stack's __aenter__
                # is only ``return self``): the same exits, one coroutine less per request
                stack = rd.stack = spec.new_stack()
                try:
                    if steps is not None:
                        out = await steps.run(rd, kwargs)  # type: ignore[arg-type]
                    elif spec.function_scoped:
                        out = await plan.render_function_scoped(rd)
                    else:
                        out = await plan.render(rd)
                    if isinstance(out, tuple):
                        cycle.write_simple(out[0], spec.content_type_line, out[1])
                    else:
                        await self._send(cycle, spec, out, rd)
                except BaseException as error:
                    if not await stack.__aexit__(type(error), error, error.__traceback__):
                        raise
                    # NOTE: as in RoutePlan.__call__: a yield dependency swallowed it.
                    raise plan.swallowed() from None
                await stack.__aexit__(None, None, None)
                return
            if steps is not None:
                out = await steps.run(rd, kwargs)  # type: ignore[arg-type]
            else:
                out = await plan.render(rd)
            if isinstance(out, tuple):  # PERF: the usual answer without _send's coroutine
                cycle.write_simple(out[0], spec.content_type_line, out[1])
            else:
                await self._send(cycle, spec, out, rd)
        except Exception as exc:
            await self._fail(cycle, exc, rd.get_scope())

    async def _respond(self, cycle: Cycle, spec: LaneSpec, out: Rendered, rd: RequestState) -> None:
        try:
            await self._send(cycle, spec, out, rd)
        except Exception as exc:
            await self._fail(cycle, exc, rd.get_scope())

    async def _background(self, cycle: Cycle, background: BackgroundTask, rd: RequestState) -> None:
        """A Response's background tasks, after its bytes were written."""
        try:
            await background()
        except Exception as exc:
            await self._fail(cycle, exc, rd.get_scope())

    async def _finish_later(
        self, cycle: Cycle, spec: LaneSpec, rd: RequestState, handler: _Resume
    ) -> None:
        try:
            await self._send(cycle, spec, spec.general.finish(await handler, rd), rd)
        except Exception as exc:
            await self._fail(cycle, exc, rd.get_scope())

    @staticmethod
    async def _send(cycle: Cycle, spec: LaneSpec, out: Rendered, rd: RequestState) -> None:
        if isinstance(out, tuple):
            cycle.write_simple(out[0], spec.content_type_line, out[1])
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

    async def _fail(self, cycle: Cycle, exc: Exception, scope: dict[str, Any]) -> None:
        """The app's exception handlers answer; what they re-raise is logged, then a 500."""
        try:
            await self.on_error(exc, scope, cycle.receive, cycle.send, cycle.response_started)
        except Exception as error:
            self._unhandled(cycle, error)

    async def _serve_asgi(self, cycle: Cycle) -> None:
        try:
            await self.app(cycle.scope(), cycle.receive, cycle.send)
        except Exception as exc:
            self._unhandled(cycle, exc)
            return
        if not cycle.response_complete and not cycle.disconnected:
            self._unhandled(cycle, RuntimeError("the app returned without completing a response"))

    @staticmethod
    def _unhandled(cycle: Cycle, exc: BaseException) -> None:
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


async def _no_error_handler(
    exc: Exception, scope: dict[str, Any], receive: Receive, send: Send, started: bool
) -> None:
    """An app that is not a ``LaneApp`` answers its own errors (its ASGI entry): none here."""
    raise exc


def _idle() -> bool:
    """An app the lane does not serve hands nothing to the pool outside its Tasks."""
    return True


def _plain_call() -> Callable[..., Any]:
    """``starlette.responses.Response.__call__``: what a Response with a ``body`` runs."""
    call: Callable[..., Any] = sys.modules["starlette.responses"].Response.__call__
    return call


def _is_disconnect(exc: BaseException) -> bool:
    """Starlette's ClientDisconnect, asked of sys.modules: it cannot be raised before loading."""
    module = sys.modules.get("starlette.requests")
    return module is not None and isinstance(exc, module.ClientDisconnect)
