"""``BaseHTTPMiddleware``: middleware written as ``dispatch(request, call_next) -> Response``.

This is the style ``@app.middleware("http")`` uses and many FastAPI apps have: easy to
write, at the price of a task per request (the app runs beside ``dispatch`` so that
``call_next`` can return as soon as the response starts). Pure ASGI middleware is cheaper;
this class exists so that such code runs unchanged. Behaviour follows Starlette's class:

- ``call_next(request)`` returns a streaming ``Response`` carrying the app's status and
  headers; its body is the app's, chunk by chunk, and may be replaced or wrapped.
- An exception the app raises before it starts responding comes out of ``call_next``;
  one raised later (while streaming, or in a background task) comes out of the middleware,
  unless ``dispatch`` already saw it.
- A body ``dispatch`` read with ``await request.body()`` is handed to the app again.
- Once the response is sent the app sees ``http.disconnect``; the middleware returns when
  the app (with its background tasks) is done.
- Like Starlette's, context variables the app sets are not seen by ``dispatch``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any, TypeVar

from fastcore.concurrency import run_in_threadpool
from fastcore.requests import Request
from fastcore.responses import Response, StreamingResponse

__all__ = [
    "BaseHTTPMiddleware",
    "DispatchFunction",
    "RequestResponseEndpoint",
    "http_middleware_decorator",
]

Scope = MutableMapping[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
RequestResponseEndpoint = Callable[[Request], Awaitable[Response]]
DispatchFunction = Callable[[Request, RequestResponseEndpoint], Awaitable[Response]]
F = TypeVar("F", bound=DispatchFunction)

_END: Message = {"type": "fastcore.end"}


class BaseHTTPMiddleware:
    """Subclass and override ``dispatch``, or pass ``dispatch=`` a coroutine function."""

    def __init__(self, app: ASGIApp, dispatch: DispatchFunction | None = None) -> None:
        self.app = app
        self.dispatch_func: DispatchFunction = self.dispatch if dispatch is None else dispatch

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)  # type: ignore[arg-type]
        downstream = _Downstream(self.app, scope, receive, request)
        try:
            response = await self.dispatch_func(request, downstream.call_next)
            await response(scope, receive, send)
        except BaseException:
            await downstream.abandon()
            raise
        await downstream.finish()

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        raise NotImplementedError("override dispatch() or pass dispatch= to BaseHTTPMiddleware")


class _StreamingResponse(StreamingResponse):
    """What ``call_next`` returns: the app's status and headers, its body as it comes."""

    def __init__(
        self, start: Message, body: AsyncIterator[bytes], info: dict[str, Any] | None
    ) -> None:
        super().__init__(body, status_code=start["status"])
        self.raw_headers = list(start.get("headers", ()))
        self.info = info

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:  # type: ignore[override]
        if self.info is not None:
            await send({"type": "http.response.debug", "info": self.info})
        await self.stream_response(send)
        if self.background is not None:
            await self.background()


class _Downstream:
    """The app running beside ``dispatch``: its messages, its body and its end.

    The app's ``send`` hands each message over and waits until it is taken, so a slow
    client slows the app instead of buffering its whole body here.
    """

    def __init__(self, app: ASGIApp, scope: Scope, receive: Receive, request: Request) -> None:
        self.app = app
        self.scope = scope
        self.outer_receive = receive
        self.request = request
        self.queue: asyncio.Queue[Message] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.body_replayed = False
        self.error_seen = False

    async def call_next(self, request: Request) -> Response:
        if self.task is not None:
            raise RuntimeError("call_next() can be called only once per request")
        self.task = asyncio.ensure_future(self._run())
        message = await self._next_message()
        info = None
        if message["type"] == "http.response.debug":
            info = message.get("info")
            message = await self._next_message()
        if message["type"] != "http.response.start":
            raise RuntimeError(f"expected http.response.start, got {message['type']!r}")
        return _StreamingResponse(message, self._body(), info)

    async def _run(self) -> None:
        try:
            await self.app(self.scope, self._receive, self._send)
        finally:
            self.queue.put_nowait(_END)

    async def _send(self, message: Message) -> None:
        if self.closed.done():
            return  # NOTE: the response went out already; what the app still sends is moot.
        self.queue.put_nowait(message)
        await self.queue.join()

    async def _receive(self) -> Message:
        body = self.request._body
        if body is not None and not self.body_replayed:
            self.body_replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        if self.closed.done():
            return {"type": "http.disconnect"}
        task = asyncio.ensure_future(self.outer_receive())
        await asyncio.wait((task, self.closed), return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            return task.result()
        task.cancel()
        await asyncio.wait((task,))  # NOTE: settled now, not left pending on the loop
        return {"type": "http.disconnect"}

    async def _next_message(self) -> Message:
        """The app's next message; its exception, or an error if it ended without answering."""
        message = await self.queue.get()
        self.queue.task_done()
        if message is not _END:
            return message
        self.queue.put_nowait(_END)  # NOTE: later reads see the end too
        self._raise_app_error()
        raise RuntimeError("No response returned.")

    async def _body(self) -> AsyncIterator[bytes]:
        while True:
            message = await self._next_message()
            if message["type"] == "http.response.pathsend":
                # NOTE: the body may be rewritten here, so the file is read rather than
                # passed on by path; rare (servers offering pathsend, FileResponse).
                yield await run_in_threadpool(Path(message["path"]).read_bytes)
                return
            if message["type"] != "http.response.body":
                continue
            body = message.get("body", b"")
            if body:
                yield bytes(body)
            if not message.get("more_body", False):
                return

    def _raise_app_error(self) -> None:
        task = self.task
        if task is not None and task.done() and not task.cancelled():
            error = task.exception()
            if error is not None and not self.error_seen:
                self.error_seen = True
                raise error

    def _close(self) -> None:
        if not self.closed.done():
            self.closed.set_result(None)
        # NOTE: release an app waiting for its last message to be taken.
        while not self.queue.empty():
            self.queue.get_nowait()
            self.queue.task_done()

    async def finish(self) -> None:
        """After the response: let the app (and its background tasks) end; raise what it raised."""
        self._close()
        if self.task is None:
            return
        if not self.task.done():
            await asyncio.wait((self.task,))
        self._raise_app_error()

    async def abandon(self) -> None:
        """``dispatch`` failed: stop the app if it still runs."""
        self._close()
        task = self.task
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait((task,))
        if task is not None and task.done() and not task.cancelled():
            task.exception()  # NOTE: retrieved, so asyncio does not log it as never seen


def http_middleware_decorator(
    add_middleware: Callable[..., None], middleware_type: str
) -> Callable[[F], F]:
    """The body of FastAPI's ``@app.middleware("http")``: register ``func`` as a dispatch.

    ``app.middleware`` passes its ``add_middleware``, so the middleware lands in the same
    chain, in the same order, as ``add_middleware(BaseHTTPMiddleware, dispatch=func)``.
    """
    if middleware_type != "http":
        raise ValueError('Currently only middleware("http") is supported.')

    def decorator(func: F) -> F:
        add_middleware(BaseHTTPMiddleware, dispatch=func)
        return func

    return decorator
