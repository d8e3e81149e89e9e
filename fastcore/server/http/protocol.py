"""HTTP/1.1 over an asyncio transport: parsing, limits, keep-alive, pipelining and writing.

The pure twin of ``fastcore/server/http/_protocol_c.pyx``; both expose the same names. One
``HttpProtocol`` per connection feeds bytes to httptools (llhttp, strict: it rejects
what RFC 9112 says a server must, such as CL+TE and duplicate Content-Length), checks
what llhttp leaves to the server (sizes, Host, version), queues complete request heads
as ``RequestCycle``s and hands them, one at a time and in order, to the server's
``handler(cycle)``. The handler answers through the cycle: ``write_simple`` for a
whole response in one ``transport.write``, or the ASGI-shaped ``send``/``receive``.

Only this per-request part is written twice (the compiled one with C types, memchr checks
and a C call into the lane); the connection's state and everything off a request's usual
path (flow control, refusals, timeouts, shutdown, closing, upgrades) is ``Connection``
(``connection.py``, one source for both builds), which ``HttpProtocol`` extends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httptools

from fastcore.server.http.connection import BODY, HEAD, IDLE, RESPONDING, Connection, Shared
from fastcore.server.http.cycle import RequestCycle
from fastcore.server.http.http11 import (
    HOST_CHARS,
    MAX_PIPELINE,
    Reject,
    check_target,
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


def _lost(*_: Any) -> Any:
    """What a lost connection's parser methods became (nothing calls them after)."""
    raise ConnectionError("the connection is lost")


class HttpProtocol(Connection, asyncio.Protocol):
    """One client connection. ``state`` is the server's shared ``ServerState``."""

    def __init__(self, state: Any) -> None:
        Connection.__init__(self, state)  # the connection's state (connection.py)
        # Limits copied once per connection, as the compiled build keeps them in C fields.
        config = state.config
        self.limit_request_line: int = config.limit_request_line
        self.limit_header_line: int = config.limit_header_line
        self.limit_header_count: int = config.limit_header_count
        self.limit_head_size: int = config.limit_head_size
        self.limit_body_size: int = config.limit_body_size
        self.timeout_body: float = config.timeout_body
        self.limit_body_rate: int = config.limit_body_rate
        parser = httptools.HttpRequestParser(self)
        self.parser: httptools.HttpRequestParser | None = parser
        # PERF: bound methods looked up once per connection, not once per request
        self._feed: Callable[[bytes], None] = parser.feed_data
        self._get_version: Callable[[], str] = parser.get_http_version
        self._get_method: Callable[[], bytes] = parser.get_method
        self._keep_alive: Callable[[], bool] = parser.should_keep_alive
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.head_size = 0
        self.content_length = -1
        self.hosts = 0
        self.expect = False
        self.has_te = False
        #: CR/LF bytes met before a request line (stray_lines).
        self.blank = 0

    # -- asyncio.Protocol -----------------------------------------------------------------
    def connection_lost(self, exc: Exception | None) -> None:
        """As a connection's, then the parser let go.

        The parser's callbacks are this protocol's bound methods, and it is this protocol's:
        a reference cycle (15 objects a connection) that only a full garbage collection
        frees, so a worker's memory grew with every closed connection until one ran (about
        1.4 MiB of peak RSS over one bench-load round). Nothing parses once the connection
        is lost (``data_received`` is not called again; a running handler's cycle never
        reaches the parser).
        """
        Connection.connection_lost(self, exc)
        self.parser = None
        self._feed = self._get_version = self._get_method = self._keep_alive = _lost

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
        # PERF: __new__ and _setup, as the compiled build makes it (__init__ is a frame more)
        cycle = RequestCycle.__new__(RequestCycle)
        cycle._setup(self, name, url, query, self.headers, version, keep_alive)
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

    # -- serving ----------------------------------------------------------------------------
    def _serve_pending(self) -> None:
        # NOTE: a loop, not recursion: a response finished inside handler() returns here
        # and the next pipelined request starts, however many are queued.
        if self.serving:
            return
        self.serving = True
        try:
            handler = self.state.handler
            # PERF: the lane's serve called directly (its __call__ is one Python frame more)
            lane = handler if type(handler) is DirectLane else None
            while (
                self.active is None
                and self.pending
                and not self.closing
                and not self.writing_paused
            ):
                cycle = self.active = self.pending.popleft()
                if lane is not None:
                    lane.serve(cycle)
                else:
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
