# cython: annotation_typing=False, boundscheck=True, wraparound=True
# (compiled with Python's indexing; the annotations are mypy's only: the C types are in
# _connection_c.pxd)
"""One client connection's state and its life apart from parsing, for both protocol builds.

One source: Cython compiles this file as ``fastcore.server.http._connection_c`` (pure-Python
mode, its C fields in ``_connection_c.pxd``). ``Connection`` is the base class of
``HttpProtocol`` in both builds: it holds the connection's fields and what is not on a
request's usual path (accepting and losing the transport, flow control, refusing a request,
timeouts, shutdown, the lingering close, handing an upgrade to a WebSocket session, following
a chunked body's framing). The subclasses, ``protocol.py`` and ``_protocol_c.pyx``, keep only
the per-request part: feeding httptools, its callbacks, and serving the queued cycles
(``_serve_pending``, ``cycle_done``), where the compiled build's C types and memchr checks
make it ~2x faster than the same code run by the interpreter. A ``RequestCycle`` reaches its
connection through these fields and ``write_raw``/``cycle_done``: C calls when compiled.

Timeouts are not timers: the server's sweep compares each connection's ``since`` with a
coarse clock four times a second, so a request costs no ``call_later``.
"""

from __future__ import annotations

import asyncio
import collections
import socket
from typing import TYPE_CHECKING, Any

from fastcore.server.http.http11 import (
    MAX_PIPELINE,
    ChunkWalk,
    Reject,
    address,
    body_offset,
    bytes_waiting,
    error_response,
)

if TYPE_CHECKING:
    from fastcore.server.http.cycle import RequestCycle

__all__ = ["BODY", "HEAD", "IDLE", "RESPONDING", "Connection", "Shared"]

# Connection phases, read by the server's timeout sweep.
IDLE = 0  # between requests: the keep-alive timeout applies
HEAD = 1  # reading a request head: the head deadline applies
BODY = 2  # reading a body the handler waits for: the body inactivity timeout applies
RESPONDING = 3  # the handler has everything it asked for: no timeout


class Shared:
    """What every connection of a worker reads per request; the server writes it."""

    __slots__ = ("access_log", "draining", "extra_headers", "now")

    def __init__(self) -> None:
        self.now = 0.0
        self.extra_headers = b""
        self.draining = False
        self.access_log = False


class Connection:
    """One client connection. ``state`` is the server's shared ``ServerState``."""

    def __init__(self, state: Any) -> None:
        self.state = state
        self.shared: Shared = state.shared
        self.loop: asyncio.AbstractEventLoop = state.loop
        config = state.config
        self.write_buffer_high: int = config.write_buffer_high
        self.timeout_linger: float = config.timeout_linger
        self.transport: Any = None
        self._write: Any = None  # the transport's write, bound once per connection
        self.pending: collections.deque[RequestCycle] = collections.deque()
        self.current: RequestCycle | None = None  # the request being parsed
        self.active: RequestCycle | None = None  # the request being answered
        self.phase = IDLE
        self.since = state.shared.now
        self.closing = False
        self.reading_paused = False
        self.writing_paused = False
        self.drain_waiter: asyncio.Future[None] | None = None
        self.rejection: Reject | None = None
        self.serving = False
        #: Messages completed so far, and whether the current read carried body bytes.
        self.completed = 0
        self.fed_body = False
        #: The body's rate clock, and when reading was last paused.
        self.body_start = 0.0
        self.paused_at = 0.0
        #: A chunked body's framing, followed to bound its extensions; the read being fed.
        self.chunk_walk: ChunkWalk | None = None
        self.read_data: bytes | None = None
        self.read_completed = 0
        self.read_between = False
        self.linger: asyncio.TimerHandle | None = None
        self.client: tuple[str, int] | None = None
        self.server: tuple[str, int] | None = None

    # -- what the subclass serves -----------------------------------------------------------
    def _serve_pending(self) -> None:
        """Serve the queued cycles in order (``HttpProtocol``: the per-request path)."""
        raise NotImplementedError

    def cycle_done(self, cycle: RequestCycle) -> None:
        """The response to ``cycle`` is complete (``HttpProtocol`` decides what follows)."""
        raise NotImplementedError

    # -- asyncio.Protocol -----------------------------------------------------------------
    def connection_made(self, transport: Any) -> None:
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

    # -- a chunked body's framing -------------------------------------------------------------
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

    # -- writing and flow control -----------------------------------------------------------
    def write_raw(self, data: bytes) -> None:
        if not self.closing:
            self._write(data)

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

    def _pause_reading(self) -> None:
        if not self.reading_paused and not self.closing:
            self.reading_paused = True
            self.paused_at = self.shared.now
            self.transport.pause_reading()

    def _resume_reading(self) -> None:
        if self.reading_paused and not self.closing and self.rejection is None:
            self.reading_paused = False
            self.transport.resume_reading()

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


def _websocket_module() -> Any:
    """fastcore/server/http/websocket.py, or None when the websockets package is not installed."""
    try:
        from fastcore.server.http import websocket
    except ImportError:
        return None
    return websocket
