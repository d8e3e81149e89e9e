# cython: language_level=3, binding=True, boundscheck=False, wraparound=False, auto_pickle=False
# PERF: docs/benchmarks.md ("Compiled twins") has the figures (bench/micro/test_bench_server.py).
"""HTTP/1.1 over an asyncio transport: the compiled build of ``fastcore.server.http.protocol``.

The same classes, attributes and behaviour as the pure twin (read its docstring for the
design); here they are extension types, so the httptools callbacks and the lane run
without interpreter frames or attribute dicts. The request cycle and the response writer
are one source for both builds: ``cycle.py``, compiled as ``_cycle_c`` (its C fields in
``_cycle_c.pxd``); ``HttpProtocol`` extends its ``Connection``, whose C fields and methods
the cycle calls. What is not on the per-request path (error bodies, header checks,
percent-decoding) is shared with the twin through ``fastcore.server.http.http11``.
"""

from libc.string cimport memchr

import collections
import socket

import httptools

from fastcore.server.http import http11
from fastcore.server.http._cycle_c cimport Connection, RequestCycle, Shared
from fastcore.server.http.http11 import (
    HOST_CHARS,
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

cdef enum:
    P_IDLE = 0
    P_HEAD = 1
    P_BODY = 2
    P_RESPONDING = 3

IDLE = P_IDLE
HEAD = P_HEAD
BODY = P_BODY
RESPONDING = P_RESPONDING

# The cycle's types (cycle.py, compiled as _cycle_c) in this module's namespace as well, as
# the pure protocol re-exports them: a cimport binds their C names only.
globals().update(RequestCycle=RequestCycle, Shared=Shared)

cdef dict _METHODS = {}
# PERF: http11's limit as a C global: no module-dict lookup per request.
cdef int _MAX_PIPELINE = http11.MAX_PIPELINE
_HttpParserCallbackError = httptools.HttpParserCallbackError
_HttpParserUpgrade = httptools.HttpParserUpgrade
_HttpParserError = httptools.HttpParserError


cdef char _HOST_OK[256]
for _c in range(256):
    _HOST_OK[_c] = 0
for _c in HOST_CHARS:
    _HOST_OK[_c] = 1


cdef inline bint _valid_host(bytes value):
    # PERF: a table lookup per byte; bytes.translate with a delete set built its table on
    # every call (4% of a request in perf).
    cdef const unsigned char* data = <const unsigned char*><char*>value
    cdef Py_ssize_t i
    for i in range(len(value)):
        if not _HOST_OK[data[i]]:
            return False
    return True


cdef inline bint _ends_one_head(bytes data):
    # PERF: the usual read, one request head and nothing after it, needs no scan for stray
    # lines (llhttp refuses a bare LF inside a head): it ends with CRLF CRLF after a byte
    # that is neither CR nor LF.
    cdef const unsigned char* p = <const unsigned char*><char*>data
    cdef Py_ssize_t n = len(data)
    return (
        n > 4
        and p[n - 1] == 10
        and p[n - 2] == 13
        and p[n - 3] == 10
        and p[n - 4] == 13
        and p[n - 5] != 10
        and p[n - 5] != 13
    )


include "_lane_c.pxi"


cdef class HttpProtocol(Connection):
    """One client connection. ``state`` is the server's shared ``ServerState``."""

    # Inherited from Connection (cycle.py, _cycle_c.pxd): state, shared, loop, phase,
    # since, closing, client, server and the transport's write.
    cdef public object transport
    cdef public object parser
    cdef public object pending
    cdef public RequestCycle current
    cdef public RequestCycle active
    cdef public bytes url
    cdef public list headers
    cdef public Py_ssize_t head_size
    cdef public Py_ssize_t content_length
    cdef public int hosts
    cdef public bint expect
    cdef public bint has_te
    cdef public bint reading_paused
    cdef public bint writing_paused
    cdef public object drain_waiter
    cdef public object rejection
    cdef public bint serving
    # Limits, copied from the state once per connection: C integers on the hot path.
    cdef Py_ssize_t limit_request_line
    cdef Py_ssize_t limit_header_line
    cdef Py_ssize_t limit_header_count
    cdef Py_ssize_t limit_head_size
    cdef Py_ssize_t limit_body_size
    cdef Py_ssize_t write_buffer_high
    cdef Py_ssize_t limit_body_rate
    cdef double timeout_body
    cdef double timeout_linger
    cdef object handler
    # Messages completed so far, and whether the current read carried body bytes.
    cdef Py_ssize_t completed
    cdef bint fed_body
    # CR/LF bytes met before a request line (stray_lines); the body's rate clock.
    cdef int blank
    cdef double body_start
    cdef double paused_at
    # A chunked body's framing, followed to bound its extensions; the read being fed.
    cdef object chunk_walk
    cdef object read_data
    cdef Py_ssize_t read_completed
    cdef bint read_between
    cdef object linger
    # Bound methods looked up once per connection, not once per request.
    cdef object _get_version
    cdef object _get_method
    cdef object _keep_alive
    cdef object _feed

    def __init__(self, state):
        Connection.__init__(self, state)
        self.transport = None
        self.parser = httptools.HttpRequestParser(self)
        self._get_version = self.parser.get_http_version
        self._get_method = self.parser.get_method
        self._keep_alive = self.parser.should_keep_alive
        self._feed = self.parser.feed_data
        self.pending = collections.deque()
        self.current = None
        self.active = None
        self.url = b""
        self.headers = []
        self.content_length = -1
        self.drain_waiter = None
        self.rejection = None
        config = state.config
        self.limit_request_line = config.limit_request_line
        self.limit_header_line = config.limit_header_line
        self.limit_header_count = config.limit_header_count
        self.limit_head_size = config.limit_head_size
        self.limit_body_size = config.limit_body_size
        self.write_buffer_high = config.write_buffer_high
        self.limit_body_rate = config.limit_body_rate
        self.timeout_body = config.timeout_body
        self.timeout_linger = config.timeout_linger
        self.handler = state.handler

    # -- asyncio.Protocol -----------------------------------------------------------------
    def connection_made(self, transport):
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

    def connection_lost(self, exc):
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

    def data_received(self, bytes data):
        cdef const unsigned char* first
        cdef Py_ssize_t completed
        if self.closing:
            return  # NOTE: lingering after a refusal (or closed): read and discard
        if self.phase == P_IDLE:
            # NOTE: the first bytes of a request head start its deadline (no on_message_begin
            # callback: one Python call less per request).
            self.phase = P_HEAD
            self.since = self.shared.now
            self.head_size = 0
        self.read_between = self.current is None and len(self.url) == 0
        if self.read_between:
            # Between messages: empty lines before the request line (RFC 9112 2.2).
            first = <const unsigned char*><char*>data
            if first[0] == 13 or first[0] == 10 or self.blank:
                self.blank = stray_lines(data, self.blank)
                if self.blank < 0:
                    self.blank = 0
                    self._reject(Reject(400, "Bad Request"))
                    return
        completed = self.read_completed = self.completed
        self.fed_body = False
        self.read_data = data
        try:
            self._feed(data)
            walk = self.chunk_walk
            if walk is not None and walk.walk(data):
                self.chunk_walk = None
        except _HttpParserCallbackError as exc:
            cause = exc.__context__
            if isinstance(cause, Reject):
                self._reject(cause)
            else:
                self._reject(Reject(400, "Bad Request"))
            return
        except _HttpParserUpgrade as upgrade:
            if self._upgrade(data, upgrade.args[0]):
                return  # NOTE: the connection is a WebSocket session's now
        except _HttpParserError:
            self._reject(Reject(400, "Bad Request"))
            return
        except Reject as exc:
            self._reject(exc)
            return
        finally:
            self.read_data = None
        if self.completed != completed:
            if (
                not self.fed_body
                and not (self.completed - completed == 1 and _ends_one_head(data))
                and not self._after_messages(data)
            ):
                return
        elif self.phase == P_HEAD:
            # NOTE: a head still incomplete after this chunk; llhttp buffers an unfinished
            # header, so its size is bounded here, not only once it is complete. A read
            # that also completed messages is not counted: its bytes are theirs, mostly.
            self.head_size += len(data)
            if self.head_size > self.limit_head_size:
                self._reject(Reject(431, "Request Header Fields Too Large"))
                return
        if self.active is None and self.pending:
            self._serve_pending()

    cdef bint _after_messages(self, bytes data):
        """A read of heads only that completed messages: refuse stray lines between them."""
        cdef Py_ssize_t stray = stray_between(data)
        if stray >= 0:
            # NOTE: the requests of this read after the stray line never happened
            if self.current is not None and self.pending and (
                self.pending[len(self.pending) - 1] is self.current
            ):
                self.pending.pop()
                self.current = None
            for _ in range(self.completed - self.read_completed - stray):
                self.pending.pop()
            self._reject(Reject(400, "Bad Request"))
            return False
        if self.current is None and len(self.url) == 0:
            self.blank = leading_lines(data)
        return True

    def _upgrade(self, data, offset):
        """Hand an ``Upgrade: websocket`` GET to a WebSocket session; False if it is not one.

        Any other upgrade request is answered as plain HTTP, and the connection then closed,
        since what follows it is not HTTP/1.1.
        """
        cycle = self.pending[0] if len(self.pending) == 1 and self.active is None else None
        websocket = _websocket_module() if cycle is not None else None
        if websocket is None or not websocket.is_websocket_upgrade(self.state, cycle):
            last = self.pending[len(self.pending) - 1] if self.pending else self.active
            if last is not None:
                last.keep_alive = False
            self._pause_reading()
            return False
        self.pending.clear()
        self.closing = True
        self.state.connections.discard(self)
        websocket.start_session(self.state, self.transport, cycle, data[offset:])
        return True

    def pause_writing(self):
        self.writing_paused = True

    def resume_writing(self):
        self.writing_paused = False
        waiter = self.drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        if self.closing:
            return
        if self.active is None and self.pending:
            self._serve_pending()
        if self.reading_paused and len(self.pending) <= _MAX_PIPELINE // 2:
            self._resume_reading()

    def eof_received(self):
        return None

    # -- httptools callbacks --------------------------------------------------------------
    def on_url(self, bytes url):
        self.url += url
        if len(self.url) > self.limit_request_line:
            raise Reject(414, "URI Too Long")

    def on_header(self, bytes name, bytes value):
        cdef Py_ssize_t size = len(name) + len(value)
        cdef Py_ssize_t length
        if size > self.limit_header_line:
            raise Reject(431, "Request Header Fields Too Large")
        self.head_size += size + 4
        if len(self.headers) >= self.limit_header_count or self.head_size > self.limit_head_size:
            raise Reject(431, "Request Header Fields Too Large")
        name = name.lower()
        if name == b"host":
            self.hosts += 1
            if not _valid_host(value):
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
        self.headers.append((name, value))

    def on_headers_complete(self):
        version = self._get_version()
        if version != "1.1" and version != "1.0":
            raise Reject(505, "HTTP Version Not Supported")
        if self.hosts != 1 and (self.hosts > 1 or version == "1.1"):
            raise Reject(400, "Bad Request")
        method = self._get_method()
        name = _METHODS.get(method)
        if name is None:
            name = _METHODS[method] = method.decode("ascii")
        cdef bytes url = self.url
        cdef bytes query = b""
        cdef const char* data = url
        cdef Py_ssize_t size = len(url)
        cdef const char* mark = <const char*>memchr(data, 63, size)  # "?"
        if mark != NULL:
            query = url[mark - data + 1 :]
            url = url[: mark - data]
        if size == 0 or data[0] != 47:  # "/"
            url = origin_path(url, method)
        data = url
        size = len(url)
        if memchr(data, 37, size) != NULL or memchr(data, 46, size) != NULL:  # "%" "."
            check_target(url)
        if self.has_te:
            if version == "1.0":
                # SECURITY: RFC 9112 6.1: an HTTP/1.0 message with Transfer-Encoding has
                # faulty framing; refused, as nothing after it can be trusted.
                raise Reject(400, "Bad Request")
            self._follow_chunks()
        keep_alive = self._keep_alive() and not self.shared.draining
        # PERF: tp_new and a C call: no argument parsing (~0.1 µs less than calling the class)
        cdef RequestCycle cycle = RequestCycle.__new__(RequestCycle)
        cycle._setup(self, name, url, query, self.headers, version, keep_alive)
        if self.expect and self.content_length != 0:
            cycle.expect_continue = True
        self.current = cycle
        self.pending.append(cycle)
        self.phase = P_RESPONDING

    def on_body(self, bytes body):
        cdef RequestCycle cycle = self.current
        cdef Py_ssize_t size = cycle.body_size + len(body)
        cdef double now = self.shared.now
        self.fed_body = True
        if cycle.body_size == 0:
            self.body_start = now
        elif now - self.body_start > self.timeout_body and (
            cycle.body_size < (now - self.body_start - self.timeout_body) * self.limit_body_rate
        ):
            # NOTE: judged as bytes arrive; a client that stops altogether meets the sweep's
            # inactivity timeout instead.
            raise Reject(408, "Request Timeout")
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

    def on_message_complete(self):
        cdef RequestCycle cycle = self.current
        if self.chunk_walk is not None:
            self._walk_to_end()
        cycle.complete = True
        if cycle.waiter is not None:
            cycle.wake()
        self.current = None
        self.completed += 1
        self._next_message()
        if self.active is None and not self.pending:
            self.phase = P_IDLE
            self.since = self.shared.now
        else:
            self.phase = P_RESPONDING
        if len(self.pending) > _MAX_PIPELINE:
            self._pause_reading()

    cdef _next_message(self):
        self.url = b""
        self.headers = []
        self.content_length = -1
        self.hosts = 0
        self.head_size = 0
        self.expect = False
        self.has_te = False

    cdef _follow_chunks(self):
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

    cdef _walk_to_end(self):
        walk = self.chunk_walk
        self.chunk_walk = None
        if walk is not None and self.read_data is not None:
            walk.walk(self.read_data)

    # -- serving ----------------------------------------------------------------------------
    cdef _serve_pending(self):
        # NOTE: a loop, not recursion: a response finished inside handler() returns here
        # and the next pipelined request starts, however many are queued.
        if self.serving:
            return
        self.serving = True
        try:
            handler = self.handler
            if handler is None:
                handler = self.handler = self.state.handler
            lane = handler if type(handler) is DirectLane else None
            while (
                self.active is None
                and self.pending
                and not self.closing
                and not self.writing_paused
            ):
                cycle = self.active = self.pending.popleft()
                if lane is not None:
                    (<DirectLane>lane).serve(cycle)
                else:
                    handler(cycle)
        finally:
            self.serving = False

    cpdef cycle_done(self, RequestCycle cycle):
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
            if self.reading_paused and len(self.pending) <= _MAX_PIPELINE // 2:
                self._resume_reading()
            self._serve_pending()
            return
        if self.rejection is not None:
            self._send_rejection()
            return
        if self.current is None:
            self.phase = P_IDLE
            self.since = self.shared.now
        if self.reading_paused:
            self._resume_reading()

    def body_consumed(self):
        if self.reading_paused:
            # NOTE: the time reading was paused is the handler's, not the client's
            self.body_start += self.shared.now - self.paused_at
            self._resume_reading()

    async def drain(self):
        if self.writing_paused and not self.closing:
            self.drain_waiter = self.loop.create_future()
            try:
                await self.drain_waiter
            finally:
                self.drain_waiter = None

    # -- errors, closing, shutdown ----------------------------------------------------------
    def _reject(self, rejection):
        """Answer a malformed request after the ones before it, then close: no smuggling."""
        self._pause_reading()
        self.rejection = rejection
        current = self.current
        self.current = None
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

    def _send_rejection(self):
        rejection = self.rejection
        self.write_raw(error_response(rejection.status, rejection.detail, self.shared.extra_headers))
        self._close()

    def timeout(self):
        """Called by the server's sweep when the current phase has run out of time."""
        if self.phase != P_HEAD or self.shared.now - self.since < 2 * self.state.config.timeout_head:
            if bytes_waiting(self.transport):
                return  # NOTE: bytes that came in time, not read yet after a stalled loop
        active = self.active
        if active is None and self.phase == P_HEAD:
            self.write_raw(error_response(408, "Request Timeout", self.shared.extra_headers))
        elif active is not None and not active.response_started:
            # NOTE: the body stopped coming: the handler waiting for it sees a disconnect
            active.response_started = active.response_complete = True
            self.write_raw(error_response(408, "Request Timeout", self.shared.extra_headers))
        self._close()

    def shutdown(self):
        """Graceful stop: close now if idle, else after the response in progress.

        A request already arriving (part of a head, or bytes not read yet) is answered with
        ``Connection: close`` (the server is draining) instead of being cut off.
        """
        for cycle in self.pending:
            cycle.keep_alive = False
        if self.active is not None:
            self.active.keep_alive = False
        elif not self.pending and self.phase == P_IDLE and not bytes_waiting(self.transport):
            self._close()

    def abort(self):
        if self.transport is not None:
            self.transport.abort()
        self.closing = True

    def _close(self):
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

    def _pause_reading(self):
        if not self.reading_paused and not self.closing:
            self.reading_paused = True
            self.paused_at = self.shared.now
            self.transport.pause_reading()

    def _resume_reading(self):
        if self.reading_paused and not self.closing and self.rejection is None:
            self.reading_paused = False
            self.transport.resume_reading()


def _websocket_module():
    """fastcore/server/http/websocket.py, or None when the websockets package is not installed."""
    try:
        from fastcore.server.http import websocket
    except ImportError:
        return None
    return websocket
