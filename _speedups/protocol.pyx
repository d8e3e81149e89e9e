# cython: language_level=3, binding=True, boundscheck=False, wraparound=False, auto_pickle=False
# PERF: a request's server-side work (protocol + lane + handler + encode), fed in memory,
# median µs per request, CPython 3.11 (bench/micro/test_bench_server.py, one run):
#                 floor   compiled   pure
#   plaintext      1.00     1.55     3.55
#   json           1.12     1.64     3.62
#   user           1.60     2.39     4.90
#   post-item      1.68     2.54     5.27
#   route-99       1.64     2.07     4.46
# Under wrk (make bench-load, docs/benchmarks.md) that is 0.91-1.01 of the floor's req/s.
"""HTTP/1.1 over an asyncio transport: the compiled build of ``fastcore._pure.protocol``.

The same classes, attributes and behaviour as the pure twin (read its docstring for the
design); here they are extension types, so the httptools callbacks, the request cycle's
fields and the response writer run without interpreter frames or attribute dicts. What
is not on the per-request path (error bodies, header checks, percent-decoding) is shared
with the twin through ``fastcore.server.http11``.
"""

from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.string cimport memchr

import collections
import socket

import httptools

from fastcore.server.http11 import (
    HOST_CHARS,
    Reject,
    address,
    check_header,
    decode_path,
    error_response,
    origin_path,
    status_line,
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

cdef dict _METHODS = {}
cdef dict _STATUS_LINES = {}
cdef bytes _CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
cdef bytes _CHUNK_END = b"0\r\n\r\n"
cdef bytes _KEEP_END = b"connection: keep-alive\r\n\r\n"
cdef bytes _CRLF = b"\r\n"
cdef bytes _CLOSE_END = b"connection: close\r\n\r\n"
cdef int _MAX_PIPELINE = 32
cdef Py_ssize_t _LENGTH_CACHE = 1024
cdef list _LENGTH_LINES = [b"content-length: %d\r\n" % n for n in range(_LENGTH_CACHE)]
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


cdef inline bytes _status_line(int status):
    line = _STATUS_LINES.get(status)
    if line is None:
        line = _STATUS_LINES[status] = status_line(status)
    return <bytes>line


cdef class Shared:
    """What every connection of a worker reads per request, as C fields; the server writes it."""

    cdef public double now
    cdef public bytes extra_headers
    cdef public bint draining
    cdef public bint access_log

    def __init__(self):
        self.extra_headers = b""


cdef class RequestCycle:
    """One request and its response: what the handler reads and how it answers."""

    cdef public HttpProtocol protocol
    cdef public str method
    cdef public bytes raw_path
    cdef public str path
    cdef public bytes query_string
    cdef public list raw_headers
    cdef public str http_version
    cdef public bint keep_alive
    cdef public bint head_only
    cdef public bint expect_continue
    cdef public bint continue_sent
    cdef public list chunks
    cdef public Py_ssize_t body_size
    cdef public Py_ssize_t buffered
    cdef public bint body_delivered
    cdef public bint complete
    cdef public bint disconnected
    cdef public object waiter
    cdef public bint response_started
    cdef public bint response_complete
    cdef public bint chunked
    cdef public int status
    cdef public object _pending_start

    def __init__(
        self,
        HttpProtocol protocol,
        str method,
        bytes raw_path,
        bytes query_string,
        list raw_headers,
        str http_version,
        bint keep_alive,
    ):
        self._setup(protocol, method, raw_path, query_string, raw_headers, http_version, keep_alive)

    @staticmethod
    cdef RequestCycle fill(
        HttpProtocol protocol,
        str method,
        bytes raw_path,
        bytes query_string,
        list raw_headers,
        str http_version,
        bint keep_alive,
    ):
        # PERF: the protocol's constructor: no argument parsing, ~0.1 µs less than calling
        # the class (tp_new alone, then C field stores).
        cdef RequestCycle self = RequestCycle.__new__(RequestCycle)
        self._setup(protocol, method, raw_path, query_string, raw_headers, http_version, keep_alive)
        return self

    cdef inline void _setup(
        self,
        HttpProtocol protocol,
        str method,
        bytes raw_path,
        bytes query_string,
        list raw_headers,
        str http_version,
        bint keep_alive,
    ):
        self.protocol = protocol
        self.method = method
        self.raw_path = raw_path
        cdef const char* data = raw_path
        cdef Py_ssize_t size = len(raw_path)
        if memchr(data, 37, size) != NULL:  # "%"
            self.path = decode_path(raw_path)
        else:
            self.path = PyUnicode_DecodeUTF8(data, size, "surrogateescape")
        self.query_string = query_string
        self.raw_headers = raw_headers
        self.http_version = http_version
        self.keep_alive = keep_alive
        self.head_only = method == "HEAD"
        self.chunks = []

    def scope(self):
        """The ASGI scope of this request, for the ASGI path and for code that asks for one."""
        protocol = self.protocol
        state = protocol.state
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": self.http_version,
            "server": protocol.server,
            "client": protocol.client,
            "scheme": "http",
            "method": self.method,
            "root_path": state.root_path,
            "path": self.path,
            "raw_path": self.raw_path,
            "query_string": self.query_string,
            "headers": self.raw_headers,
            "state": state.lifespan_state.copy(),
        }
        if state.scope_app is not None:
            scope["app"] = state.scope_app
        return scope

    def abort(self):
        """Close the connection: the response cannot be completed."""
        self.protocol.abort()

    # -- the request body ---------------------------------------------------------------
    async def receive(self):
        """ASGI ``receive``: the body as it arrives, then ``http.disconnect``."""
        cdef list chunks
        while True:
            if self.chunks:
                chunks = self.chunks
                body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
                self.chunks = []
                self.buffered = 0
                more = not self.complete
                if more:
                    self.protocol.body_consumed()
                else:
                    self.body_delivered = True
                return {"type": "http.request", "body": body, "more_body": more}
            if self.disconnected or self.response_complete:
                return {"type": "http.disconnect"}
            if self.complete and not self.body_delivered:
                self.body_delivered = True
                return {"type": "http.request", "body": b"", "more_body": False}
            if self.expect_continue and not self.continue_sent and not self.complete:
                self.continue_sent = True
                self.protocol.write_raw(_CONTINUE)
            await self._wait()

    def take_body(self):
        """The whole body if it has all arrived (then ``receive`` has nothing more), else None."""
        if not self.complete or self.body_delivered:
            return None
        cdef list chunks = self.chunks
        self.chunks = []
        self.buffered = 0
        self.body_delivered = True
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    async def _wait(self):
        protocol = self.protocol
        if not self.complete:
            protocol.phase = P_BODY
            protocol.since = protocol.shared.now
        self.waiter = protocol.loop.create_future()
        try:
            await self.waiter
        finally:
            self.waiter = None

    def wake(self):
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- the response -------------------------------------------------------------------
    def write_simple(self, int status, bytes content_type, bytes body):
        """A whole response in one write: status, ``content_type`` header line, body."""
        cdef HttpProtocol protocol = self.protocol
        cdef bytes end
        cdef Py_ssize_t size
        if self.response_started:
            raise RuntimeError("the response has already started")
        self.response_started = self.response_complete = True
        self.status = status
        if not self.keep_alive:
            end = _CLOSE_END
        elif self.http_version == "1.1":
            end = _CRLF
        else:
            end = _KEEP_END
        if status < 200 or status == 204 or status == 304:
            data = b"".join(
                (_status_line(status), content_type, protocol.shared.extra_headers, end)
            )
        else:
            size = len(body)
            # PERF: one join instead of five concatenations, cached length lines: ~0.15 µs
            length = _LENGTH_LINES[size] if size < _LENGTH_CACHE else b"content-length: %d\r\n" % size
            data = b"".join(
                (
                    _status_line(status),
                    content_type,
                    length,
                    protocol.shared.extra_headers,
                    end,
                    b"" if self.head_only else body,
                )
            )
        protocol.write_raw(data)
        protocol.cycle_done(self)

    async def send(self, message):
        """ASGI ``send``: ``http.response.start`` then ``http.response.body`` messages."""
        kind = message["type"]
        if kind == "http.response.start":
            if self.response_started or self._pending_start is not None:
                raise RuntimeError("http.response.start sent twice")
            headers = list(message.get("headers", ()))
            for name, value in headers:
                check_header(name, value)
            self._pending_start = (message["status"], headers)
            status_line(message["status"])  # NOTE: validates the status before anything is sent
        elif kind == "http.response.body":
            await self._send_body(message.get("body", b""), message.get("more_body", False))
        elif kind == "http.response.pathsend":
            await self._send_file(message["path"])
        else:
            raise RuntimeError(f"unexpected ASGI message {kind!r}")

    async def _send_body(self, body, more):
        if self.response_complete:
            if not body and not more:
                return
            raise RuntimeError("the response has already completed")
        protocol = self.protocol
        if not self.response_started:
            if self._pending_start is None:
                raise RuntimeError("http.response.body sent before http.response.start")
            protocol.write_raw(self._head(body, more))
        if body and not self.head_only and self._body_allowed():
            if self.chunked:
                protocol.write_raw(b"%x\r\n%b\r\n" % (len(body), body))
            else:
                protocol.write_raw(body)
        if more:
            await protocol.drain()
            return
        if self.chunked and not self.head_only:
            protocol.write_raw(_CHUNK_END)
        self.response_complete = True
        protocol.cycle_done(self)

    def _head(self, body, more):
        status, headers = self._pending_start
        self.status = status
        self.response_started = True
        parts = [_status_line(status)]
        has_length = False
        for name, value in headers:
            lname = name.lower()
            if lname == b"content-length":
                has_length = True
            elif lname == b"connection" and value.lower() == b"close":
                self.keep_alive = False
                continue
            parts.append(b"%b: %b\r\n" % (name, value))
        if not has_length and self._body_allowed():
            if not more:
                parts.append(b"content-length: %d\r\n" % len(body))
            elif self.http_version == "1.1":
                self.chunked = True
                parts.append(b"transfer-encoding: chunked\r\n")
            else:
                self.keep_alive = False  # NOTE: HTTP/1.0 without a length: the close ends the body
        parts.append(self.protocol.shared.extra_headers)
        if not self.keep_alive:
            parts.append(b"connection: close\r\n")
        elif self.http_version != "1.1":
            parts.append(b"connection: keep-alive\r\n")
        parts.append(b"\r\n")
        return b"".join(parts)

    cpdef bint _body_allowed(self):
        cdef int status = self.status
        return not (status < 200 or status == 204 or status == 304)

    async def _send_file(self, path):
        loop = self.protocol.loop
        with open(path, "rb") as handle:
            while True:
                chunk = await loop.run_in_executor(None, handle.read, 256 * 1024)
                if not chunk:
                    break
                await self._send_body(chunk, True)
        await self._send_body(b"", False)


include "lane.pxi"


cdef class HttpProtocol:
    """One client connection. ``state`` is the server's shared ``ServerState``."""

    cdef public object state
    cdef public Shared shared
    cdef public object loop
    cdef public object transport
    cdef public object parser
    cdef public object pending
    cdef public RequestCycle current
    cdef public RequestCycle active
    cdef public int phase
    cdef public double since
    cdef public bytes url
    cdef public list headers
    cdef public Py_ssize_t head_size
    cdef public Py_ssize_t content_length
    cdef public int hosts
    cdef public bint expect
    cdef public bint has_te
    cdef public bint closing
    cdef public bint reading_paused
    cdef public bint writing_paused
    cdef public object drain_waiter
    cdef public object rejection
    cdef public bint serving
    cdef public object client
    cdef public object server
    # Limits, copied from the state once per connection: C integers on the hot path.
    cdef Py_ssize_t limit_request_line
    cdef Py_ssize_t limit_header_line
    cdef Py_ssize_t limit_header_count
    cdef Py_ssize_t limit_head_size
    cdef Py_ssize_t limit_body_size
    cdef Py_ssize_t write_buffer_high
    cdef object handler
    # Bound methods looked up once per connection, not once per request.
    cdef object _get_version
    cdef object _get_method
    cdef object _keep_alive
    cdef object _feed
    cdef object _write

    def __init__(self, state):
        self.state = state
        self.shared = state.shared
        self.loop = state.loop
        self.transport = None
        self.parser = httptools.HttpRequestParser(self)
        self._get_version = self.parser.get_http_version
        self._get_method = self.parser.get_method
        self._keep_alive = self.parser.should_keep_alive
        self._feed = self.parser.feed_data
        self.pending = collections.deque()
        self.current = None
        self.active = None
        self.phase = P_IDLE
        self.since = state.shared.now
        self.url = b""
        self.headers = []
        self.content_length = -1
        self.drain_waiter = None
        self.rejection = None
        self.client = None
        self.server = None
        self.limit_request_line = state.limit_request_line
        self.limit_header_line = state.limit_header_line
        self.limit_header_count = state.limit_header_count
        self.limit_head_size = state.limit_head_size
        self.limit_body_size = state.limit_body_size
        self.write_buffer_high = state.write_buffer_high
        self.handler = state.handler

    # -- asyncio.Protocol -----------------------------------------------------------------
    def connection_made(self, transport):
        self.transport = transport
        self._write = transport.write
        state = self.state
        if len(state.connections) >= state.limit_connections or state.shared.draining:
            transport.write(error_response(503, "Service Unavailable", state.shared.extra_headers))
            transport.close()
            self.closing = True
            return
        state.connections.add(self)
        self.client = address(transport.get_extra_info("peername"))
        self.server = address(transport.get_extra_info("sockname"))
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
        waiter = self.drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def data_received(self, bytes data):
        if self.closing:
            return
        if self.phase == P_IDLE:
            # NOTE: the first bytes of a request head start its deadline (no on_message_begin
            # callback: one Python call less per request).
            self.phase = P_HEAD
            self.since = self.shared.now
            self.head_size = 0
        try:
            self._feed(data)
        except _HttpParserCallbackError as exc:
            cause = exc.__context__
            if isinstance(cause, Reject):
                self._reject(cause)
            else:
                self._reject(Reject(400, "Bad Request"))
            return
        except _HttpParserUpgrade:
            # NOTE: no protocol upgrades (WebSockets are not served): answer the request
            # as plain HTTP and close, since what follows is not HTTP/1.1.
            last = self.pending[len(self.pending) - 1] if self.pending else self.active
            if last is not None:
                last.keep_alive = False
            self._pause_reading()
        except _HttpParserError:
            self._reject(Reject(400, "Bad Request"))
            return
        if self.phase == P_HEAD:
            # NOTE: a head still incomplete after this chunk; llhttp buffers an unfinished
            # header, so its size is bounded here, not only once it is complete.
            self.head_size += len(data)
            if self.head_size > self.limit_head_size:
                self._reject(Reject(431, "Request Header Fields Too Large"))
                return
        if self.active is None and self.pending:
            self._serve_pending()

    def pause_writing(self):
        self.writing_paused = True

    def resume_writing(self):
        self.writing_paused = False
        waiter = self.drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

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
            url = origin_path(url)
        # SECURITY: RFC 9112 6.1: an HTTP/1.0 message with Transfer-Encoding has faulty
        # framing: it is answered, then the connection closes.
        keep_alive = (
            self._keep_alive()
            and not self.shared.draining
            and not (self.has_te and version == "1.0")
        )
        cycle = RequestCycle.fill(self, name, url, query, self.headers, version, keep_alive)
        if self.expect and self.content_length != 0:
            cycle.expect_continue = True
        self.current = cycle
        self.pending.append(cycle)
        self.phase = P_RESPONDING

    def on_body(self, bytes body):
        cdef RequestCycle cycle = self.current
        cdef Py_ssize_t size = cycle.body_size + len(body)
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
        cycle.complete = True
        if cycle.waiter is not None:
            cycle.wake()
        self.current = None
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
        self.expect = False
        self.has_te = False

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
            while self.active is None and self.pending and not self.closing:
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
            self._resume_reading()

    cpdef write_raw(self, bytes data):
        if not self.closing:
            self._write(data)

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
        active = self.active
        if active is None and self.phase == P_HEAD:
            self.write_raw(error_response(408, "Request Timeout", self.shared.extra_headers))
        elif active is not None and not active.response_started:
            # NOTE: the body stopped coming: the handler waiting for it sees a disconnect
            active.response_started = active.response_complete = True
            self.write_raw(error_response(408, "Request Timeout", self.shared.extra_headers))
        self._close()

    def shutdown(self):
        """Graceful stop: close now if idle, else after the response in progress."""
        for cycle in self.pending:
            cycle.keep_alive = False
        if self.active is not None:
            self.active.keep_alive = False
        elif not self.pending:
            self._close()

    def abort(self):
        if self.transport is not None:
            self.transport.abort()
        self.closing = True

    def _close(self):
        if not self.closing:
            self.closing = True
            self.transport.close()

    def _pause_reading(self):
        if not self.reading_paused and not self.closing:
            self.reading_paused = True
            self.transport.pause_reading()

    def _resume_reading(self):
        if self.reading_paused and not self.closing and self.rejection is None:
            self.reading_paused = False
            self.transport.resume_reading()
