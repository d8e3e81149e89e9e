# cython: annotation_typing=False, boundscheck=True, wraparound=True
# (compiled with Python's indexing; the annotations are mypy's only: the C types are in
# _cycle_c.pxd)
"""A request and its response on one connection, and the state all connections share.

Part of the protocol's surface (``fastcore.server.http.protocol`` re-exports these names).
One source for both builds: Cython compiles this file as ``fastcore.server.http._cycle_c``
(pure-Python mode, as aiohttp builds its WebSocket reader), with the C types of its classes,
fields and hot methods in ``_cycle_c.pxd`` beside it. The few C-level spots (memchr header
checks, which statuses carry a body) are names imported from ``http11`` and ``_status`` here
and cimported under the same names from ``_http11_c`` there, so each call site is written
once. Kept apart from the connection (``connection.Connection``, which ``HttpProtocol``
extends) so that each file holds one job.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from fastcore._status import body_allowed
from fastcore.exceptions import ClientDisconnected
from fastcore.server.http.connection import BODY
from fastcore.server.http.http11 import (
    CHUNK_END,
    CLOSE_END,
    CONTINUE,
    CRLF,
    KEEP_END,
    LENGTH_LINES,
    STATUS_LINES,
    check_header,
    decode_path,
    status_line,
)

if TYPE_CHECKING:
    from collections.abc import MutableMapping

    from fastcore.server.http.protocol import HttpProtocol

__all__ = ["RequestCycle"]

_LENGTH_CACHE = len(LENGTH_LINES)


class RequestCycle:
    """One request and its response: what the handler reads and how it answers."""

    # NOTE: compiled, these are the extension type's C fields (_cycle_c.pxd)
    __slots__ = (
        "_pending_start",
        "body_delivered",
        "body_size",
        "buffered",
        "chunked",
        "chunks",
        "complete",
        "continue_sent",
        "disconnected",
        "expect_continue",
        "head_only",
        "http_version",
        "keep_alive",
        "method",
        "path",
        "protocol",
        "query_string",
        "raw_headers",
        "raw_path",
        "response_complete",
        "response_started",
        "status",
        "waiter",
    )

    def __init__(
        self,
        protocol: HttpProtocol,
        method: str,
        raw_path: bytes,
        query_string: bytes,
        raw_headers: list[tuple[bytes, bytes]],
        http_version: str,
        keep_alive: bool,
    ) -> None:
        self._setup(protocol, method, raw_path, query_string, raw_headers, http_version, keep_alive)

    def _setup(
        self,
        protocol: HttpProtocol,
        method: str,
        raw_path: bytes,
        query_string: bytes,
        raw_headers: list[tuple[bytes, bytes]],
        http_version: str,
        keep_alive: bool,
    ) -> None:
        # PERF: compiled, the protocol makes a cycle with tp_new and this C call (no argument
        # parsing: ~0.1 µs less than calling the class)
        self.protocol = protocol
        self.method = method
        self.raw_path = raw_path
        self.path = (
            raw_path.decode("utf-8", "surrogateescape")
            if b"%" not in raw_path
            else decode_path(raw_path)
        )
        self.query_string = query_string
        self.raw_headers = raw_headers
        self.http_version = http_version
        self.keep_alive = keep_alive
        self.head_only = method == "HEAD"
        self.expect_continue = False
        self.continue_sent = False
        self.chunks: list[bytes] = []
        self.body_size = 0
        self.buffered = 0
        self.body_delivered = False
        self.complete = False
        self.disconnected = False
        self.waiter: asyncio.Future[None] | None = None
        self.response_started = False
        self.response_complete = False
        self.chunked = False
        self.status = 0
        self._pending_start: tuple[int, list[tuple[bytes, bytes]]] | None = None

    def scope(self) -> dict[str, Any]:
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

    def abort(self) -> None:
        """Close the connection: the response cannot be completed."""
        self.protocol.abort()

    # -- the request body ---------------------------------------------------------------
    async def receive(self) -> dict[str, Any]:
        """ASGI ``receive``: the body as it arrives, then ``http.disconnect``."""
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
                self.protocol.write_raw(CONTINUE)
            await self._wait()

    def take_body(self) -> bytes | None:
        """The whole body if it has all arrived (then ``receive`` has nothing more), else None."""
        if not self.complete or self.body_delivered:
            return None
        chunks = self.chunks
        self.chunks = []
        self.buffered = 0
        self.body_delivered = True
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    async def _wait(self) -> None:
        protocol = self.protocol
        if not self.complete:
            protocol.phase = BODY
            protocol.since = protocol.shared.now
        self.waiter = protocol.loop.create_future()
        try:
            await self.waiter
        finally:
            self.waiter = None

    def wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- the response -------------------------------------------------------------------
    def write_simple(self, status: int, content_type: bytes, body: bytes) -> None:
        """A whole response in one write: status, ``content_type`` header line, body."""
        protocol = self.protocol
        if self.response_started:
            raise RuntimeError("the response has already started")
        self.response_started = self.response_complete = True
        self.status = status
        if not self.keep_alive or not self.complete:
            # NOTE: a body still arriving is not read: the connection closes after this
            end = CLOSE_END
        elif self.http_version == "1.1":
            end = CRLF
        else:
            end = KEEP_END
        line = STATUS_LINES.get(status) or status_line(status)
        if not body_allowed(status):
            data = b"".join((line, content_type, protocol.shared.extra_headers, end))
        else:
            size = len(body)
            # PERF: one join instead of five concatenations, cached length lines
            length = (
                LENGTH_LINES[size] if size < _LENGTH_CACHE else b"content-length: %d\r\n" % size
            )
            data = b"".join(
                (
                    line,
                    content_type,
                    length,
                    protocol.shared.extra_headers,
                    end,
                    b"" if self.head_only else body,
                )
            )
        if not protocol.closing:
            protocol._write(data)  # NOTE: write_raw inlined
        protocol.cycle_done(self)

    def write_response(
        self, status: int, headers: list[tuple[bytes, bytes]], body: bytes | memoryview
    ) -> None:
        """A Response whose body is known (status, raw headers, body): one write, no messages.

        The same checks and head as ``send``'s two messages; fastcore's server calls it for
        returned JSONResponse, PlainTextResponse, RedirectResponse... objects.
        """
        if self.response_started or self._pending_start is not None:
            raise RuntimeError("the response has already started")
        try:
            for name, value in headers:
                check_header(name, value)
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

    async def send(self, message: MutableMapping[str, Any]) -> None:
        """ASGI ``send``: ``http.response.start`` then ``http.response.body`` messages."""
        kind = message["type"]
        if kind == "http.response.start":
            if self.response_started or self._pending_start is not None:
                raise RuntimeError("http.response.start sent twice")
            headers = list(message.get("headers", ()))
            try:
                for name, value in headers:
                    check_header(name, value)
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

    async def _send_body(self, body: bytes, more: bool) -> None:
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
            protocol.write_raw(CHUNK_END)
        self.response_complete = True
        protocol.cycle_done(self)

    def _head(self, body: bytes | memoryview, more: bool) -> bytes:
        assert self._pending_start is not None
        status, headers = self._pending_start
        self.status = status
        self.response_started = True
        if not more and not self.complete:
            self.keep_alive = False  # NOTE: the unread rest of the body ends the connection
        parts = [status_line(status)]
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

    def _body_allowed(self) -> bool:
        return body_allowed(self.status)

    async def _send_file(self, path: str) -> None:
        loop = self.protocol.loop
        with open(path, "rb") as handle:
            while True:
                chunk = await loop.run_in_executor(None, handle.read, 256 * 1024)
                if not chunk:
                    break
                await self._send_body(chunk, True)
        await self._send_body(b"", False)
