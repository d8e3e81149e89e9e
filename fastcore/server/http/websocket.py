"""WebSockets in fastcore's own server: one session per upgraded connection.

The HTTP protocol (both builds) spots ``Upgrade: websocket`` on a GET as its head completes
and hands the transport here (``start_session``). The WebSocket protocol itself (the
handshake checks, framing, masking, fragmentation, close handshake, ping/pong, size limits,
permessage-deflate) is ``websockets``' sans-I/O ``ServerProtocol``; this module only moves
bytes between it and the socket and turns its events into ASGI ``websocket.*`` messages for
the app (fastcore's ASGI entry, or any ASGI app), as uvicorn does.

What the session adds around the protocol:

- messages assembled from fragments, text checked as UTF-8 (1007 if not);
- a bounded queue of received messages: when the app does not keep up, reading from the
  socket pauses, so a client cannot grow the server's memory past ``ws_max_queue`` messages
  of at most ``ws_max_size`` bytes each;
- what the app sends in one turn of the loop goes out in one write (up to
  ``ws_write_limit`` bytes); ``send`` waits while the transport's buffer is above
  ``write_buffer_high``, so a client that never reads holds at most about
  ``write_buffer_high + ws_write_limit`` bytes (plus one message) of the server's memory;
- an idle keep-alive ping every ``ws_ping_interval`` seconds, closing with 1011 when no pong
  comes back within ``ws_ping_timeout``;
- server shutdown (SIGTERM) closes with 1001.
"""

from __future__ import annotations

import asyncio
import codecs
import collections
import logging
import os
import struct
from typing import Any

from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory
from websockets.frames import Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import State
from websockets.server import ServerProtocol

try:  # NOTE: websockets' C masking, built into its wheels; its pure fallback otherwise
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover
    from websockets.utils import apply_mask
from fastcore.exceptions import ClientDisconnected
from fastcore.server.contract import LaneApp

__all__ = ["WebSocketSession", "is_websocket_upgrade", "start_session"]

logger = logging.getLogger("fastcore.server")
_quiet = logging.getLogger("fastcore.server.websocket")  # websockets' own connection log

#: Bytes handed to the protocol at a time, so a full queue stops the parsing early.
_SLICE = 16384
#: Seconds a client has to answer our close frame before the connection is cut.
CLOSE_TIMEOUT = 10.0


def _frame_head(first: int, size: int) -> bytes:
    """The head of an unmasked frame (RFC 6455 5.2): ``first`` is FIN and the opcode."""
    if size < 126:
        return bytes((first, size))
    if size < 65536:
        return struct.pack("!BBH", first, 126, size)
    return struct.pack("!BBQ", first, 127, size)


def is_websocket_upgrade(state: Any, cycle: Any) -> bool:
    """A GET whose Upgrade header names websocket, to a path the app serves WebSockets on.

    For a FastCore app that is a WebSocket route or a mount; any other upgrade request is
    answered as plain HTTP (RFC 9110 7.8 lets a server ignore Upgrade), where uvicorn would
    hand it to the app and Starlette's router refuse it (403). Other ASGI apps get every
    WebSocket upgrade.
    """
    if cycle.method != "GET":
        return False
    if not any(
        name.lower() == b"upgrade" and b"websocket" in value.lower()
        for name, value in cycle.raw_headers
    ):
        return False
    app: LaneApp | None = state.scope_app
    if app is None:
        return True
    return app.serves_websocket(cycle.path)


def start_session(state: Any, transport: Any, cycle: Any, rest: bytes) -> WebSocketSession:
    """Take over ``transport`` from the HTTP protocol for the upgrade request ``cycle``."""
    session = WebSocketSession(state, cycle)
    transport.set_protocol(session)
    session.connection_made(transport)
    target = cycle.raw_path + (b"?" + cycle.query_string if cycle.query_string else b"")
    head = [b"GET ", target, b" HTTP/1.1\r\n"]
    for name, value in cycle.raw_headers:
        head += [name, b": ", value, b"\r\n"]
    head.append(b"\r\n")
    session.protocol.receive_data(b"".join(head))  # NOTE: the handshake; frames follow
    session._process()
    if rest:
        session.data_received(rest)
    return session


class WebSocketSession(asyncio.Protocol):
    """One WebSocket connection: the sans-I/O protocol, the socket and the ASGI app."""

    #: What the server's sweep reads: no HTTP phase, so no HTTP timeout applies.
    phase = "websocket"
    active = None
    pending = ()

    def __init__(self, state: Any, cycle: Any) -> None:
        config = state.config
        self.state = state
        self.loop: asyncio.AbstractEventLoop = state.loop
        self.app = state.app
        self.http_scope = cycle.scope()
        # NOTE: the limits are ServerConfig's ws_* fields (fastcore run --ws-* flags)
        extensions = [ServerPerMessageDeflateFactory()] if config.ws_per_message_deflate else []
        self.protocol = ServerProtocol(
            extensions=extensions, max_size=config.ws_max_size, logger=_quiet
        )
        self.max_queue: int = config.ws_max_queue
        self.ping_interval: float = config.ws_ping_interval
        self.ping_timeout: float = config.ws_ping_timeout
        self.write_limit: int = config.ws_write_limit
        self.transport: Any = None
        self.request: Request | None = None
        self.handshake: Response | None = None
        self.accepted = False
        self.answered = False  # the handshake has had its response (101 or a refusal)
        self.closed = False  # the TCP connection is gone
        self.close_code = 1006
        self.close_reason = ""
        self.connect_sent = False
        self.messages: collections.deque[dict[str, Any]] = collections.deque()
        self.waiter: asyncio.Future[None] | None = None
        self.reading_paused = False
        self.writing_paused = False
        self.drain_waiter: asyncio.Future[None] | None = None
        self.unread: memoryview = memoryview(b"")
        self.frame_left = 0  # bytes of a large frame still to give the protocol
        self.max_size: int = config.ws_max_size
        self.fragments: list[Any] = []  # str pieces of a text message, bytes of a binary one
        self.fragment_opcode: Opcode | None = None
        self.decoder: Any = None
        self.ping_handle: asyncio.TimerHandle | None = None
        self.pong_deadline: asyncio.TimerHandle | None = None
        self.task: asyncio.Task[None] | None = None
        self.denial: Response | None = None
        self.close_handle: asyncio.TimerHandle | None = None
        self.flush_handle: asyncio.Handle | None = None
        self.unflushed = 0  # payload bytes sent by the app and not yet written

    # -- asyncio.Protocol -----------------------------------------------------------------
    def connection_made(self, transport: Any) -> None:  # type: ignore[override]
        self.transport = transport
        self.state.connections.add(self)

    def data_received(self, data: bytes) -> None:
        if self.unread:
            data = bytes(self.unread) + data
        self.unread = memoryview(data)
        self._feed()

    def _feed(self) -> None:
        """Hand received bytes to the protocol, a frame at a time, while the app's queue has
        room.

        The rest waits (reading paused), so what a client sent that the app has not taken
        is at most ``max_queue`` messages plus one socket read, whatever it sends. Once the
        handshake is parsed the protocol is only ever given whole frames (a large one in
        slices, counted down in ``frame_left``), so it is always at a frame boundary when a
        frame starts, and the common frame (see ``_small_frame``) can be taken here.
        """
        unread = self.unread
        protocol = self.protocol
        while unread and len(self.messages) < self.max_queue and not self.closed:
            if self.frame_left:  # NOTE: the rest of a large frame the protocol is reading
                size = min(self.frame_left, _SLICE, len(unread))
                self.frame_left -= size
            elif protocol.state is State.CLOSING or protocol.state is State.CLOSED:
                size = _SLICE  # NOTE: websockets discards or refuses what follows
            else:
                size = self._small_frame(unread)
                if size < 0:
                    unread = unread[-size:]
                    continue
                if self.frame_left:
                    continue
                if size == 0:
                    break  # NOTE: the head or a small frame is incomplete: wait for more
            protocol.receive_data(bytes(unread[:size]))
            unread = unread[size:]
            self._process()
        self.unread = unread
        if (
            unread
            and len(self.messages) >= self.max_queue
            and not self.reading_paused
            and not self.closed
        ):
            self.reading_paused = True  # NOTE: the app is behind: stop reading the socket
            self.transport.pause_reading()

    def _small_frame(self, data: memoryview) -> int:
        """The frame at the start of ``data``: taken here (-its size), or how many bytes the
        protocol should be given (0: not all of it has arrived yet, or a large frame, now
        counted in ``frame_left``).

        PERF: websockets' generator parser was a third of an echo's server time. A frame is
        taken here only when nothing about it needs the protocol: a whole, masked, final
        text or binary frame of at most 16 KiB with no reserved bit, no extension
        negotiated, no fragmented message in progress, the connection open. Masking is
        websockets' C ``apply_mask``. Anything else (control frames, fragments, compressed
        or malformed frames) goes to the protocol whole, as it arrived.
        """
        have = len(data)
        if have < 2:
            return 0
        first, second = data[0], data[1]
        size = second & 0x7F
        head = 2
        if size == 126:
            if have < 4:
                return 0
            size, head = (data[2] << 8) | data[3], 4
        elif size == 127:
            if have < 10:
                return 0
            (size,) = struct.unpack_from("!Q", data, 2)
            head = 10
        if second & 0x80:
            head += 4
        total = head + size
        protocol = self.protocol
        if (
            (first == 0x81 or first == 0x82)
            and second & 0x80
            and size <= _SLICE
            and size <= self.max_size
            and protocol.state is State.OPEN
            and not protocol.extensions
            and protocol.current_size is None
        ):
            if have < total:
                return 0
            payload = apply_mask(data[head:total], bytes(data[head - 4 : head]))
            if first == 0x81:
                try:
                    self.messages.append(
                        {"type": "websocket.receive", "text": str(payload, "utf-8")}
                    )
                except UnicodeDecodeError as exc:
                    protocol.fail(1007, f"invalid UTF-8 at position {exc.start}")
                    self._flush()
            else:
                self.messages.append({"type": "websocket.receive", "bytes": payload})
            self._wake()
            return -total
        if total <= _SLICE:
            return total if have >= total else 0
        self.frame_left = total  # NOTE: a large frame: given in slices as it comes
        return 0

    def eof_received(self) -> bool | None:
        self.protocol.receive_eof()
        self._process()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.state.connections.discard(self)
        self._cancel_timers()
        self._wake()
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

    # -- what the server calls ------------------------------------------------------------
    def shutdown(self) -> None:
        """Server stopping: close with 1001 (going away); the client's echo ends the TCP."""
        if self.accepted and self.protocol.state is State.OPEN:
            self.protocol.send_close(1001, "server shutting down")
            self._flush()
        elif not self.accepted and self.task is None:
            self.abort()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def timeout(self) -> None:  # pragma: no cover - no HTTP phase, never swept
        self.abort()

    # -- the protocol's events ------------------------------------------------------------
    def _process(self) -> None:
        for event in self.protocol.events_received():
            if isinstance(event, Request):
                self._on_request(event)
            elif isinstance(event, Frame):
                self._on_frame(event)
        self._flush()

    def _on_request(self, request: Request) -> None:
        response = self.protocol.accept(request)
        if response.status_code != 101:
            # NOTE: a bad handshake (no key, wrong version...): answered here, the app never
            # sees it, as with uvicorn.
            self.protocol.send_response(response)
            return
        self.request, self.handshake = request, response
        self.task = self.loop.create_task(self._run())
        self.state.tasks.add(self.task)
        self.task.add_done_callback(self.state.tasks.discard)

    def _on_frame(self, frame: Frame) -> None:
        opcode = frame.opcode
        if frame.fin and (opcode is Opcode.TEXT or opcode is Opcode.BINARY):
            self._deliver_whole(frame)  # PERF: the usual case, one frame a message
            return
        if opcode in (Opcode.TEXT, Opcode.BINARY):
            self.fragment_opcode = opcode
            self.fragments = []
            if opcode is Opcode.TEXT:
                self.decoder = codecs.getincrementaldecoder("utf-8")()
        elif opcode is Opcode.PONG:
            if self.pong_deadline is not None:
                self.pong_deadline.cancel()
                self.pong_deadline = None
            return
        elif opcode is Opcode.CLOSE:
            close = self.protocol.close_rcvd
            if close is not None:
                self.close_code, self.close_reason = close.code, close.reason
            self._wake()
            return
        elif opcode is not Opcode.CONT:
            return  # PING: websockets answered it
        if not self._add_fragment(frame):
            return
        if frame.fin:
            self._deliver()

    def _add_fragment(self, frame: Frame) -> bool:
        if self.decoder is not None:
            try:
                self.fragments.append(self.decoder.decode(frame.data, frame.fin))
            except UnicodeDecodeError as exc:
                self.protocol.fail(1007, f"invalid UTF-8 at position {exc.start}")
                self.fragments = []
                return False
        else:
            self.fragments.append(bytes(frame.data))
        return True

    def _deliver_whole(self, frame: Frame) -> None:
        """An unfragmented message: decoded in one call, no incremental decoder."""
        self.fragments = []
        self.decoder = None
        if frame.opcode is Opcode.TEXT:
            try:
                text = str(frame.data, "utf-8")
            except UnicodeDecodeError as exc:
                self.protocol.fail(1007, f"invalid UTF-8 at position {exc.start}")
                return
            self.messages.append({"type": "websocket.receive", "text": text})
        else:
            self.messages.append({"type": "websocket.receive", "bytes": bytes(frame.data)})
        self._wake()

    def _deliver(self) -> None:
        message: dict[str, Any]
        if self.fragment_opcode is Opcode.TEXT:
            message = {"type": "websocket.receive", "text": "".join(self.fragments)}
        else:
            message = {"type": "websocket.receive", "bytes": b"".join(self.fragments)}
        self.fragments = []
        self.decoder = None
        self.messages.append(message)
        self._wake()

    def _flush(self) -> None:
        """Everything the protocol has to send, in one ``transport.write``.

        PERF: one write (a syscall when the socket has room) per batch, not per frame: it
        was 38% of an echo's server time when each message was written on its own.
        """
        self.flush_handle = None
        self.unflushed = 0
        out: list[bytes] = []
        for data in self.protocol.data_to_send():
            if self.closed:
                return
            if data:
                out.append(data)
                continue
            if out:
                self.transport.write(b"".join(out))
                out = []
            self.transport.close()  # NOTE: b"": websockets says the server ends the TCP
        if out and not self.closed:
            self.transport.write(out[0] if len(out) == 1 else b"".join(out))
        if self.protocol.state is State.CLOSING and self.close_handle is None:
            # NOTE: our close frame is out; a client that never answers it is cut off
            self.close_handle = self.loop.call_later(CLOSE_TIMEOUT, self.abort)

    def _wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- keep-alive -----------------------------------------------------------------------
    def _schedule_ping(self) -> None:
        if self.ping_interval and not self.closed:
            self.ping_handle = self.loop.call_later(self.ping_interval, self._ping)

    def _ping(self) -> None:
        if self.closed or self.protocol.state is not State.OPEN:
            return
        self.protocol.send_ping(os.urandom(4))
        self._flush()
        if self.ping_timeout and self.pong_deadline is None:
            self.pong_deadline = self.loop.call_later(self.ping_timeout, self._no_pong)
        self._schedule_ping()

    def _no_pong(self) -> None:
        self.pong_deadline = None
        if self.protocol.state is State.OPEN:
            self.protocol.fail(1011, "keepalive ping timeout")
            self._flush()

    def _cancel_timers(self) -> None:
        for handle in (self.ping_handle, self.pong_deadline, self.close_handle):
            if handle is not None:
                handle.cancel()
        self.ping_handle = self.pong_deadline = self.close_handle = None

    # -- the ASGI app ---------------------------------------------------------------------
    def scope(self) -> dict[str, Any]:
        scope = dict(self.http_scope)
        scope.pop("method", None)
        scope["type"] = "websocket"
        scope["scheme"] = "wss" if scope.get("scheme") == "https" else "ws"
        protocols: list[str] = []
        for name, value in scope["headers"]:
            if name.lower() == b"sec-websocket-protocol":
                protocols += [p.strip() for p in value.decode("latin-1").split(",") if p.strip()]
        scope["subprotocols"] = protocols
        scope["extensions"] = {"websocket.http.response": {}}
        return scope

    async def _run(self) -> None:
        try:
            await self.app(self.scope(), self.receive, self.send)
        except Exception as exc:
            if not (self.closed and isinstance(exc, OSError)):
                logger.error("Exception in WebSocket application", exc_info=exc)
            self._end(1011, "")
            return
        self._end(1000, "")

    def _end(self, code: int, reason: str) -> None:
        """The app returned: a handshake it never answered is refused, an open socket closed."""
        if self.closed:
            return
        if not self.accepted and not self.answered:
            status = 500 if code == 1011 else 403
            self._respond(self.protocol.reject(status, "WebSocket refused\n"))
        elif self.protocol.state is State.OPEN:
            self.protocol.send_close(code, reason)
        self._flush()

    async def receive(self) -> dict[str, Any]:
        if not self.connect_sent:
            self.connect_sent = True
            return {"type": "websocket.connect"}
        while not self.messages:
            if self.closed or self.protocol.state in (State.CLOSING, State.CLOSED):
                return {
                    "type": "websocket.disconnect",
                    "code": self.close_code,
                    "reason": self.close_reason,
                }
            self.waiter = self.loop.create_future()
            try:
                await self.waiter
            finally:
                self.waiter = None
        message = self.messages.popleft()
        if self.reading_paused and len(self.messages) < self.max_queue // 2 + 1:
            self._feed()
            if len(self.messages) < self.max_queue and not self.closed:
                self.reading_paused = False
                self.transport.resume_reading()
        return message

    async def send(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if self.closed:
            raise ClientDisconnected("the WebSocket client disconnected")
        if kind == "websocket.accept":
            self._accept(message)
        elif kind == "websocket.send":
            self._send_data(message)
            await self._drain()
        elif kind == "websocket.close":
            self._close(message)
        elif kind == "websocket.http.response.start":
            self._deny_start(message)
        elif kind == "websocket.http.response.body":
            self._deny_body(message)
        else:
            raise RuntimeError(f"unexpected ASGI message {kind!r} on a WebSocket")

    def _respond(self, response: Response) -> None:
        """The handshake's one answer: 101, or an HTTP response that ends the connection."""
        self.answered = True
        self.protocol.send_response(response)

    def _accept(self, message: dict[str, Any]) -> None:
        if self.accepted or self.answered or self.handshake is None:
            raise RuntimeError("websocket.accept sent twice, or after the handshake was answered")
        response = self.handshake
        subprotocol = message.get("subprotocol")
        if subprotocol:
            response.headers["Sec-WebSocket-Protocol"] = subprotocol
        for name, value in message.get("headers") or ():
            response.headers[name.decode("latin-1")] = value.decode("latin-1")
        self.accepted = True
        self._respond(response)
        self._flush()
        self._schedule_ping()

    def _send_data(self, message: dict[str, Any]) -> None:
        if not self.accepted:
            raise RuntimeError("websocket.send before websocket.accept")
        text = message.get("text")
        if text is not None:
            data, opcode = text.encode(), 0x81
        else:
            data, opcode = message.get("bytes") or b"", 0x82
        protocol = self.protocol
        if protocol.state is not State.OPEN:
            raise ClientDisconnected("the WebSocket is closing")
        if protocol.extensions:
            if opcode == 0x81:
                protocol.send_text(data)
            else:
                protocol.send_binary(data)
        else:
            # PERF: no extension negotiated: the server's frame (FIN, opcode, unmasked length,
            # payload) is built here and queued where websockets' send_frame queues its own,
            # in order with its pongs and close frames. Frame() and its serialize() were a
            # tenth of an echo's server time.
            protocol.writes.append(_frame_head(opcode, len(data)))
            protocol.writes.append(data)
        self._flush_soon(len(data))

    def _flush_soon(self, size: int) -> None:
        """Frames sent in one turn of the loop go out together, when the app yields.

        Past ``write_limit`` bytes waiting they go out at once, so that the transport's
        high-water mark (``pause_writing``) still stops an app that sends without yielding.
        """
        self.unflushed += size
        if self.unflushed >= self.write_limit:
            self._flush()
        elif self.flush_handle is None:
            self.flush_handle = self.loop.call_soon(self._flush)

    async def _drain(self) -> None:
        if self.writing_paused and not self.closed:
            self.drain_waiter = self.loop.create_future()
            try:
                await self.drain_waiter
            finally:
                self.drain_waiter = None

    def _close(self, message: dict[str, Any]) -> None:
        code = message.get("code") or 1000
        reason = message.get("reason") or ""
        if not isinstance(reason, str):  # NOTE: FastAPI's 1008 close passes the error list
            import json

            reason = json.dumps(reason)
        reason = reason.encode()[:123].decode("utf-8", "ignore")  # NOTE: RFC 6455: 123 bytes
        if not self.accepted:
            self._end(1008, "")  # NOTE: a close before accept refuses the handshake: 403
            return
        if self.protocol.state is State.OPEN:
            self.protocol.send_close(code, reason)
            self._flush()

    def _deny_start(self, message: dict[str, Any]) -> None:
        if self.accepted or self.answered:
            raise RuntimeError("a denial response after the handshake was answered")
        from websockets.datastructures import Headers

        headers = Headers()
        for name, value in message.get("headers") or ():
            headers[name.decode("latin-1")] = value.decode("latin-1")
        self.denial = Response(message["status"], "", headers, b"")

    def _deny_body(self, message: dict[str, Any]) -> None:
        denial = self.denial
        if denial is None:
            raise RuntimeError("websocket.http.response.body before its start")
        body = denial.body + message.get("body", b"")
        self.denial = Response(denial.status_code, denial.reason_phrase, denial.headers, body)
        if not message.get("more_body", False):
            response = self.denial
            if "Content-Length" not in response.headers:
                response.headers["Content-Length"] = str(len(response.body))
            import http

            phrase = http.HTTPStatus(response.status_code).phrase
            final = Response(response.status_code, phrase, response.headers, response.body)
            self._respond(final)
            self._flush()
