# cython: language_level=3, binding=True, boundscheck=False, wraparound=False, auto_pickle=False
# PERF: docs/benchmarks.md ("Compiled twins") has the figures (bench/micro/test_bench_server.py).
"""HTTP/1.1 over an asyncio transport: the compiled build of ``fastcore.server.http.protocol``.

The same classes, attributes and behaviour as the pure twin (read its docstring for the
design); here they are extension types, so the httptools callbacks and the lane run
without interpreter frames or attribute dicts. Only this per-request part is twinned:
the connection's state and cold paths (``connection.py``, compiled as ``_connection_c``)
the request cycle with its writer (``cycle.py``, compiled as ``_cycle_c``) and the lane
(``lane.py``, compiled as ``_lane_c``) are one source for both builds, their C declarations
in the ``.pxd`` files beside them. What is not on the per-request path (error
bodies, target checks, percent-decoding) is shared through ``http11``.
"""

from libc.string cimport memchr

import httptools

from fastcore.server.http import http11
from fastcore.server.http._connection_c cimport Connection, Shared
from fastcore.server.http._cycle_c cimport RequestCycle
from fastcore.server.http._lane_c cimport DirectLane
from fastcore.server.http.http11 import (
    HOST_CHARS,
    Reject,
    check_target,
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

# The one-source types (cycle.py, connection.py, lane.py) in this module's namespace as well,
# as the pure protocol re-exports them: a cimport binds their C names only.
globals().update(DirectLane=DirectLane, RequestCycle=RequestCycle, Shared=Shared)

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


def _lost(*_):
    """What a lost connection's parser methods became (nothing calls them after)."""
    raise ConnectionError("the connection is lost")


cdef class HttpProtocol(Connection):
    """One client connection. ``state`` is the server's shared ``ServerState``."""

    # The connection's state and its cold paths are Connection's (connection.py, compiled
    # as _connection_c: C fields); here are the parser's fields and the per-request path.
    cdef public object parser
    cdef public bytes url
    cdef public list headers
    cdef public Py_ssize_t head_size
    cdef public Py_ssize_t content_length
    cdef public int hosts
    cdef public bint expect
    cdef public bint has_te
    # Limits, copied from the state once per connection: C integers on the hot path.
    cdef Py_ssize_t limit_request_line
    cdef Py_ssize_t limit_header_line
    cdef Py_ssize_t limit_header_count
    cdef Py_ssize_t limit_head_size
    cdef Py_ssize_t limit_body_size
    cdef Py_ssize_t limit_body_rate
    cdef double timeout_body
    cdef object handler
    # CR/LF bytes met before a request line (stray_lines).
    cdef int blank
    # Bound methods looked up once per connection, not once per request.
    cdef object _get_version
    cdef object _get_method
    cdef object _keep_alive
    cdef object _feed

    def __init__(self, state):
        Connection.__init__(self, state)
        self.parser = httptools.HttpRequestParser(self)
        self._get_version = self.parser.get_http_version
        self._get_method = self.parser.get_method
        self._keep_alive = self.parser.should_keep_alive
        self._feed = self.parser.feed_data
        self.url = b""
        self.headers = []
        self.content_length = -1
        config = state.config
        self.limit_request_line = config.limit_request_line
        self.limit_header_line = config.limit_header_line
        self.limit_header_count = config.limit_header_count
        self.limit_head_size = config.limit_head_size
        self.limit_body_size = config.limit_body_size
        self.limit_body_rate = config.limit_body_rate
        self.timeout_body = config.timeout_body
        self.handler = state.handler

    # -- asyncio.Protocol -----------------------------------------------------------------
    def connection_lost(self, exc):
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

    # -- serving ----------------------------------------------------------------------------
    cpdef _serve_pending(self):
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

    cpdef cycle_done(self, done):
        """The response to ``cycle`` is complete: close, or go on with the next request."""
        cdef RequestCycle cycle = done
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
