# Shared and RequestCycle, compiled: included into _protocol_c.pyx (one extension module, so
# the connection and the lane read the cycle's C fields). The pure build is
# fastcore/server/http/cycle.py; both behave the same.


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
            "scheme": state.scheme,
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
        # srvfeat: --root-path and --proxy-headers (fastcore/server/proxy.py); None when off
        if state.scope_hook is not None:
            state.scope_hook(scope)
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
        if not self.keep_alive or not self.complete:
            # NOTE: a body still arriving is not read: the connection closes after this
            end = _CLOSE_END
        elif self.http_version == "1.1":
            end = _CRLF
        else:
            end = _KEEP_END
        if not _status_has_body(status):
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

    def write_response(self, int status, list headers, bytes body):
        """A Response whose body is known (status, raw headers, body): one write, no messages.

        The same checks and head as ``send``'s two messages; fastcore's server calls it for
        returned JSONResponse, PlainTextResponse, RedirectResponse... objects.
        """
        if self.response_started or self._pending_start is not None:
            raise RuntimeError("the response has already started")
        try:
            for name, value in headers:
                _check_header(name, value)
        except ValueError:
            self.keep_alive = False  # SECURITY: the 500 that follows closes the connection
            raise
        status_line(status)  # NOTE: validates the status before anything is sent
        self._pending_start = (status, headers)
        head = self._head(body, False)
        if body and not self.head_only and self._body_allowed():
            head += body
        self.response_complete = True
        self.protocol.write_raw(head)
        self.protocol.cycle_done(self)

    async def send(self, message):
        """ASGI ``send``: ``http.response.start`` then ``http.response.body`` messages."""
        kind = message["type"]
        if kind == "http.response.start":
            if self.response_started or self._pending_start is not None:
                raise RuntimeError("http.response.start sent twice")
            headers = list(message.get("headers", ()))
            try:
                for name, value in headers:
                    _check_header(name, value)
            except ValueError:
                self.keep_alive = False  # SECURITY: the 500 that follows closes the connection
                raise
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
        if more and self.disconnected:
            # NOTE: ASGI 2.4: the client is gone, so a streamed body stops (and its generator)
            raise ClientDisconnected("the client disconnected")
        protocol = self.protocol
        if not self.response_started:
            if self._pending_start is None:
                raise RuntimeError("http.response.body sent before http.response.start")
            head = self._head(body, more)
            if not more:
                # PERF: a whole response (a Response object's one body message): one write
                if body and not self.head_only and self._body_allowed():
                    head += body
                self.response_complete = True
                protocol.write_raw(head)
                protocol.cycle_done(self)
                return
            protocol.write_raw(head)
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
        if not more and not self.complete:
            self.keep_alive = False  # NOTE: the unread rest of the body ends the connection
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
        return _status_has_body(self.status)

    async def _send_file(self, path):
        loop = self.protocol.loop
        with open(path, "rb") as handle:
            while True:
                chunk = await loop.run_in_executor(None, handle.read, 256 * 1024)
                if not chunk:
                    break
                await self._send_body(chunk, True)
        await self._send_body(b"", False)
