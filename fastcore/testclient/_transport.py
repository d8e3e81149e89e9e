"""The httpx transport that hands each request to the ASGI app on the client's own loop.

httpx builds the request (URL joining, params, headers, cookies, ``files=``/``data=``/``json=``,
auth, redirects) and reads the response (decoding, ``iter_lines``, ``raise_for_status``); this
transport only turns the request into ASGI ``http.*`` messages and the app's answer back into
an ``httpx.Response``. The app runs as a task on the client's loop. ``handle_request`` returns
once the response has started (as Starlette's does); an app that answers without suspending has
finished by then, and its body is read at once. A streamed body (``more_body``) is read on
demand: the app may run one chunk ahead of its reader, then waits until the reader takes it, so
an endless stream read with ``client.stream`` is fine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import httpx

from fastcore.testclient._loop import Runner
from fastcore.testclient._scope import ASGIApp, Message, ScopeMaker

if TYPE_CHECKING:
    from fastcore.testclient._websocket import WebSocketTestSession

__all__ = ["Transport", "Upgrade"]


class Upgrade(Exception):
    """Raised for a ``ws://`` request: carries the WebSocket session out of httpx's ``send``."""

    def __init__(self, session: WebSocketTestSession) -> None:
        super().__init__("WebSocket upgrade")
        self.session = session


class _Exchange:
    """One request on the ASGI channel: ``receive``/``send`` for the app, chunks for the reader."""

    def __init__(self, request: httpx.Request, head: bool) -> None:
        self.request: httpx.Request | None = request
        self.head = head
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []
        self.trailers: list[tuple[bytes, bytes]] = []
        self.debug: dict[str, Any] | None = None
        self.started = self.body_done = self.complete = self.finished = False
        self.trailers_expected = False
        self.error: BaseException | None = None
        self.task: asyncio.Task[None] | None = None
        self._body: Iterator[bytes] | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._resume: asyncio.Future[None] | None = None
        self._done: asyncio.Event | None = None

    # -- the app's side ---------------------------------------------------------------------

    async def receive(self) -> Message:
        request = self.request
        if request is not None:
            if self._body is None:
                # NOTE: a body of known length (bytes, form, multipart) is one message, as
                # under Starlette's client; an iterator without length arrives chunk by chunk.
                headers = request.headers
                if "content-length" in headers or "transfer-encoding" not in headers:
                    self.request = None
                    return {"type": "http.request", "body": request.read(), "more_body": False}
                self._body = iter(request.stream)  # type: ignore[arg-type]
            for chunk in self._body:
                data = chunk.encode() if isinstance(chunk, str) else bytes(chunk)
                return {"type": "http.request", "body": data, "more_body": True}
            self.request = self._body = None
            return {"type": "http.request", "body": b"", "more_body": False}
        # NOTE: like a real client, it disconnects only once the response is complete.
        if not self.complete:
            if self._done is None:
                self._done = asyncio.Event()
            await self._done.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.body":
            await self._body_message(message)
        elif kind == "http.response.start":
            if self.started:
                raise AssertionError('Received multiple "http.response.start" messages.')
            self.started = True
            self.status = message["status"]
            self.headers = list(message.get("headers", ()))
            self.trailers_expected = bool(message.get("trailers", False))
            self._wake()
        elif kind == "http.response.trailers":
            if not self.trailers_expected:
                raise AssertionError(
                    'Received "http.response.trailers" without declaring trailers.'
                )
            if not self.body_done:
                raise AssertionError('Received "http.response.trailers" before body completed.')
            self.trailers.extend(message.get("headers", ()))
            if not message.get("more_trailers", False):
                self._complete()
        elif kind == "http.response.pathsend":
            with open(message["path"], "rb") as file:
                self._add(file.read())
            self.body_done = True
            self._complete()
        elif kind == "http.response.debug":
            self.debug = message.get("info")

    async def _body_message(self, message: Message) -> None:
        if not self.started:
            raise AssertionError('Received "http.response.body" without "http.response.start".')
        if self.body_done:
            raise AssertionError('Received "http.response.body" after response completed.')
        self._add(message.get("body", b""))
        if not message.get("more_body", False):
            self.body_done = True
            if not self.trailers_expected:
                self._complete()
        else:
            self._wake()
            if len(self.chunks) > 1:
                # NOTE: the reader has not taken the previous chunk yet: wait for it, as a
                # server waits for its socket to drain. One chunk of slack (Starlette's client
                # has none) lets an app finish the response before it sees the loop again.
                self._resume = asyncio.get_running_loop().create_future()
                await self._resume

    def _add(self, body: bytes) -> None:
        if body and not self.head:
            self.chunks.append(bytes(body))

    def _complete(self) -> None:
        self.complete = True
        if self._done is not None:
            self._done.set()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _run(self, app: ASGIApp, scope: dict[str, Any]) -> None:
        try:
            await app(scope, self.receive, self.send)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # NOTE: handed to the test by the transport
            self.error = exc
        finally:
            self.finished = True
            self._wake()

    # -- the reader's side (coroutines run on the client's loop) -----------------------------

    async def _wait(self) -> None:
        self._waiter = asyncio.get_running_loop().create_future()
        await self._waiter
        self._waiter = None

    def begin(self, app: ASGIApp, scope: dict[str, Any], runner: Runner) -> None:
        """Start the app; return once it has started its response (or finished)."""
        loop = runner.inline()
        if loop is None:
            runner.run(self._begin(app, scope))
            return
        # PERF: inline, the app's task is driven directly: two loop turns for a whole
        # response instead of four with a coroutine waiting on it.
        self.task = loop.create_task(self._run(app, scope))
        while not self.finished and not self.started:
            waiter = self._waiter = loop.create_future()
            loop.run_until_complete(waiter)
        self._waiter = None

    async def _begin(self, app: ASGIApp, scope: dict[str, Any]) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run(app, scope))
        while not self.finished and not self.started:
            await self._wait()

    async def next_chunk(self) -> bytes | None:
        """The next part of a streamed body, or None once the app has finished."""
        while not self.chunks:
            if self.finished:
                return None
            resume = self._resume
            if resume is not None and not resume.done():
                resume.set_result(None)
            await self._wait()
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data

    async def abort(self) -> None:
        """The reader closed the response early: cancel the app and let it clean up."""
        task = self.task
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait((task,))


class _ResponseStream(httpx.SyncByteStream):
    """A streamed response body: each read runs the app on to its next chunk."""

    def __init__(self, transport: Transport, exchange: _Exchange) -> None:
        self._transport = transport
        self._exchange = exchange

    def __iter__(self) -> Iterator[bytes]:
        exchange, run = self._exchange, self._transport.runner.run
        if exchange.chunks:
            data = b"".join(exchange.chunks)
            exchange.chunks.clear()
            yield data
        while (more := run(exchange.next_chunk())) is not None:
            yield more

    def close(self) -> None:
        self._transport.finish(self._exchange)


class Transport(httpx.BaseTransport):
    """Drives the app for every request of one ``TestClient``."""

    def __init__(
        self,
        app: ASGIApp,
        runner: Runner,
        scopes: ScopeMaker,
        raise_server_exceptions: bool,
    ) -> None:
        self.app = app
        self.runner = runner
        self.scopes = scopes
        self.raise_server_exceptions = raise_server_exceptions
        self._open: set[_Exchange] = set()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme in ("ws", "wss"):
            from fastcore.testclient._websocket import WebSocketTestSession

            session = WebSocketTestSession(self.app, self.scopes.websocket(request), self.runner)
            raise Upgrade(session)
        exchange = _Exchange(request, request.method == "HEAD")
        exchange.begin(self.app, self.scopes.http(request), self.runner)
        if not exchange.started:
            error = exchange.error
            if self.raise_server_exceptions:
                raise error or AssertionError("TestClient did not receive any response.")
            return httpx.Response(500, stream=httpx.ByteStream(b""), request=request)
        if exchange.finished:
            self._raise(exchange)
            stream: httpx.SyncByteStream = httpx.ByteStream(b"".join(exchange.chunks))
        else:
            self._open.add(exchange)
            stream = _ResponseStream(self, exchange)
        response = httpx.Response(
            exchange.status, headers=exchange.headers, stream=stream, request=request
        )
        self._extensions(response, exchange)
        return response

    @staticmethod
    def _extensions(response: httpx.Response, exchange: _Exchange) -> None:
        if exchange.trailers_expected:
            response.extensions["http.response.trailers"] = exchange.trailers
        debug = exchange.debug
        if debug is not None:
            response.extensions["http.response.debug"] = debug
            # NOTE: Starlette's templates report what they rendered; tests read these two.
            if "template" in debug:
                response.template = debug["template"]  # type: ignore[attr-defined]
            if "context" in debug:
                response.context = debug["context"]  # type: ignore[attr-defined]

    def _raise(self, exchange: _Exchange) -> None:
        error = exchange.error
        if error is not None and self.raise_server_exceptions:
            exchange.error = None
            raise error

    def finish(self, exchange: _Exchange) -> None:
        """A streamed response was closed: stop the app if it still runs, raise what it raised."""
        if exchange not in self._open:
            return
        self._open.discard(exchange)
        if not exchange.finished:
            self.runner.run(exchange.abort())
        self._raise(exchange)

    def close(self) -> None:
        """Stop the apps of responses still open (a stream never read to its end)."""
        while self._open:
            exchange = self._open.pop()
            if not exchange.finished:
                self.runner.run(exchange.abort())
