"""HTTP/1.1 over an asyncio transport: parsing, limits, keep-alive, pipelining and writing.

The pure twin of ``fastcore/server/http/_protocol_c.pyx``; both expose the same names. One
``HttpProtocol`` per connection feeds bytes to httptools (llhttp, strict: it rejects
what RFC 9112 says a server must, such as CL+TE and duplicate Content-Length), checks
what llhttp leaves to the server (sizes, Host, version), queues complete request heads
as ``RequestCycle``s and hands them, one at a time and in order, to the server's
``handler(cycle)``. The handler answers through the cycle: ``write_simple`` for a
whole response in one ``transport.write``, or the ASGI-shaped ``send``/``receive``.

Timeouts are not timers: the server's sweep compares each connection's ``since`` with a
coarse clock four times a second, so a request costs no ``call_later``.
"""

from __future__ import annotations

import asyncio
import collections
import socket
from typing import Any

import httptools

from fastcore.server.http.cycle import (
    BODY,
    HEAD,
    IDLE,
    RESPONDING,
    Connection,
    RequestCycle,
    Shared,
)
from fastcore.server.http.http11 import (
    HOST_CHARS,
    MAX_PIPELINE,
    ChunkWalk,
    Reject,
    address,
    body_offset,
    bytes_waiting,
    check_target,
    error_response,
    leading_lines,
    origin_path,
    status_line,
    stray_between,
    stray_lines,
)
from fastcore.server.http.lane import DirectLane

__all__ = [
    "BODY",
    "HEAD",
    "IDLE",
    "RESPONDING",
    "DirectLane",
    "HttpProtocol",
    "RequestCycle",
    "Shared",
    "status_line",
]

_METHODS: dict[bytes, str] = {}
_LINE_END = (10, 13)


def _rejection(exc: Exception) -> Reject:
    """What answers a parse failure: the Reject a callback raised, else a plain 400."""
    if isinstance(exc, Reject):
        return exc
    cause = exc.__context__
    if isinstance(exc, httptools.HttpParserCallbackError) and isinstance(cause, Reject):
        return cause
    return Reject(400, "Bad Request")


class HttpProtocol(Connection, asyncio.Protocol):
    """One client connection. ``state`` is the server's shared ``ServerState``."""

    def __init__(self, state: Any) -> None:
        # state, shared, loop, phase, since, closing, client, server, the transport's write
        Connection.__init__(self, state)
        # Limits copied once per connection, as the compiled build keeps them in C fields.
        config = state.config
        self.limit_request_line: int = config.limit_request_line
        self.limit_header_line: int = config.limit_header_line
        self.limit_header_count: int = config.limit_header_count
        self.limit_head_size: int = config.limit_head_size
        self.limit_body_size: int = config.limit_body_size
        self.write_buffer_high: int = config.write_buffer_high
        self.timeout_body: float = config.timeout_body
        self.limit_body_rate: int = config.limit_body_rate
        self.timeout_linger: float = config.timeout_linger
        self.transport: Any = None
        self.parser = httptools.HttpRequestParser(self)
        # PERF: bound methods looked up once per connection, not once per request
        self._feed = self.parser.feed_data
        self._get_version = self.parser.get_http_version
        self._get_method = self.parser.get_method
        self._keep_alive = self.parser.should_keep_alive
        self.pending: collections.deque[RequestCycle] = collections.deque()
        self.current: RequestCycle | None = None  # the request being parsed
        self.active: RequestCycle | None = None  # the request being answered
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.head_size = 0
        self.content_length = -1
        self.hosts = 0
        self.expect = False
        self.has_te = False
        self.reading_paused = False
        self.writing_paused = False
        self.drain_waiter: asyncio.Future[None] | None = None
        self.rejection: Reject | None = None
        self.serving = False
        #: Messages completed so far, and whether the current read carried body bytes.
        self.completed = 0
        self.fed_body = False
        #: CR/LF bytes met before a request line (stray_lines); the body's rate clock.
        self.blank = 0
        self.body_start = 0.0
        self.paused_at = 0.0
        #: A chunked body's framing, followed to bound its extensions; the read being fed.
        self.chunk_walk: ChunkWalk | None = None
        self.read_data: bytes | None = None
        self.read_completed = 0
        self.read_between = False
        self.linger: asyncio.TimerHandle | None = None

    # -- asyncio.Protocol -----------------------------------------------------------------
    def connection_made(self, transport: Any) -> None:  # type: ignore[override]
        self.transport = transport
        self._write = transport.write
        state = self.state
        if len(state.connections) >= state.config.limit_connections or state.shared.draining:
            transport.write(error_response(503, "Service Unavailable", state.shared.extra_headers))
            transport.close()
            self.closing = True
            return
        state.connections.add(self)
        self.client = address(transport.get_extra_info("peername"))
        self.server = address(transport.get_extra_info("sockname"))
        # NOTE: past the high-water mark the transport calls pause_writing: no further
        # pipelined request is served until it drains (bounded memory for a non-reader).
        transport.set_write_buffer_limits(high=self.write_buffer_high)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:  # pragma: no cover - platform dependent
                pass
        self.since = state.shared.now

    def connection_lost(self, exc: Exception | None) -> None:
        self.closing = True
        self.state.connections.discard(self)
        for cycle in (self.active, *self.pending):
            if cycle is not None:
                cycle.disconnected = True
                cycle.wake()
        self.pending.clear()
        if self.linger is not None:
            self.linger.cancel()
        waiter = self.drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def data_received(self, data: bytes) -> None:
        if self.closing:
            return  # NOTE: lingering after a refusal (or closed): read and discard
        if self.phase == IDLE:
            # NOTE: the first bytes of a request head start its deadline (no on_message_begin
            # callback: one Python call less per request).
            self.phase = HEAD
            self.since = self.shared.now
            self.head_size = 0
        between = self.read_between = self.current is None and not self.url
        # Between messages: empty lines before the request line (RFC 9112 2.2).
        if between and (data[0] == 13 or data[0] == 10 or self.blank) and not self._leading(data):
            return
        completed = self.read_completed = self.completed
        self.fed_body = False
        self.read_data = data
        try:
            self._feed(data)
            walk = self.chunk_walk
            if walk is not None and walk.walk(data):
                self.chunk_walk = None
        except httptools.HttpParserUpgrade as upgrade:
            if self._upgrade(data, upgrade.args[0]):
                return  # NOTE: the connection is a WebSocket session's now
        except (httptools.HttpParserError, Reject) as exc:
            self._reject(_rejection(exc))
            return
        finally:
            self.read_data = None
        if self.completed != completed:
            # PERF: the usual read, one request head and nothing after it, needs no scan for
            # stray lines (llhttp refuses a bare LF inside a head).
            if (
                not self.fed_body
                and not (
                    self.completed - completed == 1
                    and data.endswith(b"\r\n\r\n")
                    and len(data) > 4
                    and data[-5] not in _LINE_END
                )
                and not self._after_messages(data)
            ):
                return
        elif self.phase == HEAD and not self._head_within(data):
            return
        if self.active is None and self.pending:
            self._serve_pending()

    def _head_within(self, data: bytes) -> bool:
        """A head still incomplete after this read: False once it broke the head limit.

        NOTE: llhttp buffers an unfinished header, so its size is bounded here, not only
        once it is complete. A read that also completed messages is not counted: its bytes
        are theirs, mostly.
        """
        self.head_size += len(data)
        if self.head_size <= self.limit_head_size:
            return True
        self._reject(Reject(431, "Request Header Fields Too Large"))
        return False

    def _leading(self, data: bytes) -> bool:
        """False once stray lines before a request line were refused."""
        self.blank = stray_lines(data, self.blank)
        if self.blank >= 0:
            return True
        self.blank = 0
        self._reject(Reject(400, "Bad Request"))
        return False

    def _after_messages(self, data: bytes) -> bool:
        """A read of heads only that completed messages: refuse stray lines between them."""
        stray = stray_between(data)
        if stray >= 0:
            # NOTE: the requests of this read after the stray line never happened
            if self.current is not None and self.pending and self.pending[-1] is self.current:
                self.pending.pop()
                self.current = None
            for _ in range(self.completed - self.read_completed - stray):
                self.pending.pop()
            self._reject(Reject(400, "Bad Request"))
            return False
        if self.current is None and not self.url:
            self.blank = leading_lines(data)
        return True

    def _upgrade(self, data: bytes, offset: int) -> bool:
        """Hand an ``Upgrade: websocket`` GET to a WebSocket session; False if it is not one.

        Any other upgrade request is answered as plain HTTP, and the connection then closed,
        since what follows it is not HTTP/1.1.
        """
        cycle = self.pending[0] if len(self.pending) == 1 and self.active is None else None
        websocket = _websocket_module() if cycle is not None else None
        if websocket is None or not websocket.is_websocket_upgrade(self.state, cycle):
            last = self.pending[-1] if self.pending else self.active
            if last is not None:
                last.keep_alive = False
            self._pause_reading()
            return False
        self.pending.clear()
        self.closing = True
        self.state.connections.discard(self)
        websocket.start_session(self.state, self.transport, cycle, data[offset:])
        return True

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        waiter = self.drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        if self.closing:
            return
        if self.active is None and self.pending:
            self._serve_pending()
        if self.reading_paused and len(self.pending) <= MAX_PIPELINE // 2:
            self._resume_reading()

    def eof_received(self) -> bool | None:
        return None

    # -- httptools callbacks --------------------------------------------------------------
    def on_url(self, url: bytes) -> None:
        self.url += url
        if len(self.url) > self.limit_request_line:
            raise Reject(414, "URI Too Long")

    def on_header(self, name: bytes, value: bytes) -> None:
        size = len(name) + len(value)
        if size > self.limit_header_line:
            raise Reject(431, "Request Header Fields Too Large")
        headers = self.headers
        self.head_size += size + 4
        if len(headers) >= self.limit_header_count or self.head_size > self.limit_head_size:
            raise Reject(431, "Request Header Fields Too Large")
        name = name.lower()
        if name == b"host":
            self.hosts += 1
            if value.translate(None, HOST_CHARS):
                raise Reject(400, "Bad Request")  # SECURITY: RFC 9112 3.2, an invalid Host
        elif name == b"content-length":
            length = int(value)
            if length > self.limit_body_size:
                raise Reject(413, "Content Too Large")
            self.content_length = length
        elif name == b"expect" and value.lower() == b"100-continue":
            self.expect = True
        elif name == b"transfer-encoding":
            self.has_te = True
        headers.append((name, value))

    def on_headers_complete(self) -> None:
        version = self._get_version()
        if version != "1.1" and version != "1.0":
            raise Reject(505, "HTTP Version Not Supported")
        if self.hosts != 1 and (self.hosts > 1 or version == "1.1"):
            raise Reject(400, "Bad Request")
        method = self._get_method()
        name = _METHODS.get(method)
        if name is None:
            name = _METHODS[method] = method.decode("ascii")
        url = self.url
        query = b""
        mark = url.find(b"?")
        if mark >= 0:
            query = url[mark + 1 :]
            url = url[:mark]
        if url[:1] != b"/":
            url = origin_path(url, method)
        if b"%" in url or b"." in url:
            check_target(url)
        if self.has_te:
            if version == "1.0":
                # SECURITY: RFC 9112 6.1: an HTTP/1.0 message with Transfer-Encoding has
                # faulty framing; refused, as nothing after it can be trusted.
                raise Reject(400, "Bad Request")
            self._follow_chunks()
        keep_alive = self._keep_alive() and not self.shared.draining
        cycle = RequestCycle(self, name, url, query, self.headers, version, keep_alive)
        if self.expect and self.content_length != 0:
            cycle.expect_continue = True
        self.current = cycle
        self.pending.append(cycle)
        self.phase = RESPONDING

    def on_body(self, body: bytes) -> None:
        cycle = self.current
        assert cycle is not None
        self.fed_body = True
        now = self.shared.now
        if cycle.body_size == 0:
            self.body_start = now
        elif now - self.body_start > self.timeout_body and (
            cycle.body_size < (now - self.body_start - self.timeout_body) * self.limit_body_rate
        ):
            # NOTE: judged as bytes arrive; a client that stops altogether meets the sweep's
            # inactivity timeout instead.
            raise Reject(408, "Request Timeout")
        size = cycle.body_size + len(body)
        if size > self.limit_body_size:
            raise Reject(413, "Content Too Large")
        cycle.body_size = size
        if cycle.response_complete:
            return  # NOTE: answered already; the connection closes after this message
        cycle.chunks.append(body)
        cycle.buffered += len(body)
        self.since = self.shared.now
        if cycle.waiter is not None:
            cycle.wake()
        if cycle.buffered > self.write_buffer_high:
            self._pause_reading()

    def on_message_complete(self) -> None:
        cycle = self.current
        assert cycle is not None
        if self.chunk_walk is not None:
            self._walk_to_end()
        cycle.complete = True
        if cycle.waiter is not None:
            cycle.wake()
        self.current = None
        # NOTE: reset for the next message here, not in on_message_begin (no such callback)
        self.completed += 1
        self.url = b""
        self.headers = []
        self.content_length = -1
        self.hosts = 0
        self.head_size = 0
        self.expect = self.has_te = False
        if self.active is None and not self.pending:
            self.phase = IDLE
            self.since = self.shared.now
        else:
            self.phase = RESPONDING
        if len(self.pending) > MAX_PIPELINE:
            self._pause_reading()

    def _follow_chunks(self) -> None:
        """Start following a chunked body's framing where it starts in this read.

        NOTE: found only when nothing before it in the read had a body (heads alone, so the
        head ends can be counted); otherwise the extensions of that one body go unbounded.
        """
        data = self.read_data
        self.chunk_walk = None
        if data is None or self.fed_body:
            return
        heads = self.completed - self.read_completed + 1
        if heads == 1 and not self.read_between:
            return  # NOTE: the head began in an earlier read: its end may be split
        start = body_offset(data, heads)
        if start >= 0:
            self.chunk_walk = ChunkWalk(start)

    def _walk_to_end(self) -> None:
        walk, self.chunk_walk = self.chunk_walk, None
        if walk is not None and self.read_data is not None:
            walk.walk(self.read_data)

    # -- serving ----------------------------------------------------------------------------
    def _serve_pending(self) -> None:
        # NOTE: a loop, not recursion: a response finished inside handler() returns here
        # and the next pipelined request starts, however many are queued.
        if self.serving:
            return
        self.serving = True
        try:
            handler = self.state.handler
            while (
                self.active is None
                and self.pending
                and not self.closing
                and not self.writing_paused
            ):
                cycle = self.active = self.pending.popleft()
                handler(cycle)
        finally:
            self.serving = False

    def cycle_done(self, cycle: RequestCycle) -> None:
        """The response to ``cycle`` is complete: close, or go on with the next request."""
        if cycle is not self.active:
            return
        self.active = None
        if self.shared.access_log:
            self.state.log_access(self.client, cycle)
        if cycle.waiter is not None:
            cycle.wake()  # NOTE: a receive() still waiting now answers http.disconnect
        if not cycle.keep_alive or not cycle.complete:
            # NOTE: an unread body would be taken for the next request: close instead.
            self._close()
            return
        if self.writing_paused and self.pending:
            return  # NOTE: resume_writing serves the next one once the buffer drains
        if self.pending:
            if self.reading_paused and len(self.pending) <= MAX_PIPELINE // 2:
                self._resume_reading()
            self._serve_pending()
            return
        if self.rejection is not None:
            self._send_rejection()
            return
        if self.current is None:
            self.phase = IDLE
            self.since = self.shared.now
        if self.reading_paused:
            self._resume_reading()

    def body_consumed(self) -> None:
        if self.reading_paused:
            # NOTE: the time reading was paused is the handler's, not the client's
            self.body_start += self.shared.now - self.paused_at
            self._resume_reading()

    async def drain(self) -> None:
        if self.writing_paused and not self.closing:
            self.drain_waiter = self.loop.create_future()
            try:
                await self.drain_waiter
            finally:
                self.drain_waiter = None

    # -- errors, closing, shutdown ----------------------------------------------------------
    def _reject(self, rejection: Reject) -> None:
        """Answer a malformed request after the ones before it, then close: no smuggling."""
        self._pause_reading()
        self.rejection = rejection
        current, self.current = self.current, None
        active = self.active
        if active is not None and active is current:
            # The body of the request being answered broke a limit or the framing.
            active.disconnected = True
            active.wake()
            if active.response_started:
                self._close()
            else:
                active.response_started = active.response_complete = True
                self._send_rejection()
            return
        if current is not None and current in self.pending:
            self.pending.remove(current)  # NOTE: it never completed: it gets the error
        if self.active is None:
            if self.pending:
                self._serve_pending()  # the requests before it; cycle_done sends the error
            else:
                self._send_rejection()

    def _send_rejection(self) -> None:
        rejection = self.rejection
        assert rejection is not None
        self.write_raw(
            error_response(rejection.status, rejection.detail, self.shared.extra_headers)
        )
        self._close()

    def timeout(self) -> None:
        """Called by the server's sweep when the current phase has run out of time."""
        fresh = (
            self.phase != HEAD or self.shared.now - self.since < 2 * self.state.config.timeout_head
        )
        if fresh and bytes_waiting(self.transport):
            return  # NOTE: bytes that came in time, not read yet after a stalled loop
        active = self.active
        if active is None and self.phase == HEAD:
            self.write_raw(error_response(408, "Request Timeout", self.shared.extra_headers))
        elif active is not None and not active.response_started:
            # NOTE: the body stopped coming: the handler waiting for it sees a disconnect
            active.response_started = active.response_complete = True
            self.write_raw(error_response(408, "Request Timeout", self.shared.extra_headers))
        self._close()

    def shutdown(self) -> None:
        """Graceful stop: close now if idle, else after the response in progress.

        A request already arriving (part of a head, or bytes not read yet) is answered with
        ``Connection: close`` (the server is draining) instead of being cut off.
        """
        for cycle in self.pending:
            cycle.keep_alive = False
        if self.active is not None:
            self.active.keep_alive = False
        elif not self.pending and self.phase == IDLE and not bytes_waiting(self.transport):
            self._close()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()
        self.closing = True

    def _close(self) -> None:
        """Close as nginx does (lingering close): shut the write side after what is queued,
        then read and discard until the client closes or ``timeout_linger`` passes.

        SECURITY/NOTE: closing a socket with unread bytes makes the kernel send a reset,
        which discards what the client has not read yet: the 4xx it was about to get.
        """
        if self.closing:
            return
        self.closing = True
        transport = self.transport
        if not transport.can_write_eof():
            transport.close()
            return
        transport.write_eof()
        if self.reading_paused:
            self.reading_paused = False
            transport.resume_reading()
        self.linger = self.loop.call_later(self.timeout_linger, transport.close)

    def _pause_reading(self) -> None:
        if not self.reading_paused and not self.closing:
            self.reading_paused = True
            self.paused_at = self.shared.now
            self.transport.pause_reading()

    def _resume_reading(self) -> None:
        if self.reading_paused and not self.closing and self.rejection is None:
            self.reading_paused = False
            self.transport.resume_reading()


def _websocket_module() -> Any:
    """fastcore/server/http/websocket.py, or None when the websockets package is not installed."""
    try:
        from fastcore.server.http import websocket
    except ImportError:
        return None
    return websocket
