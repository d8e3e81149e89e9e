"""``GZipMiddleware``: gzip response bodies for clients that accept it.

JSON and HTML shrink several times over, which is worth a few hundred microseconds of CPU
on anything but a tiny body; tiny bodies (under ``minimum_size``) are sent as they are,
because gzip's own framing would eat the saving. Streaming responses are compressed chunk by
chunk and flushed each time, so a client sees every chunk when the app sends it.
Behaviour follows Starlette's class of the same name (1.5+): same thresholds, exclusions,
``Vary`` and ``Content-Length`` handling, and the same compressed bytes.
"""

from __future__ import annotations

import zlib
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

from fastcore.concurrency import run_in_threadpool
from fastcore.datastructures import MutableHeaders

__all__ = ["DEFAULT_EXCLUDED_CONTENT_TYPES", "GZipMiddleware"]

Scope = MutableMapping[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Never compressed: server-sent events (a client must see each event at once) and formats
#: that are compressed already, where gzip costs CPU for nothing. Extend, don't replace.
DEFAULT_EXCLUDED_CONTENT_TYPES = (
    "application/grpc",
    "application/gzip",
    "application/x-gzip",
    "application/zip",
    "audio/*",
    "font/woff",
    "font/woff2",
    "image/avif",
    "image/gif",
    "image/jpeg",
    "image/png",
    "image/webp",
    "text/event-stream",
    "video/*",
)

# NOTE: wbits 31 writes the gzip wrapper with mtime 0, so equal bodies give equal bytes.
_GZIP_WBITS = 31
_WAITING, _PASSING, _IDENTITY, _COMPRESSING = range(4)


class GZipMiddleware:
    """Compress responses when the request's ``Accept-Encoding`` mentions ``gzip``.

    Left alone: bodies under ``minimum_size`` bytes (unless streamed), responses that already
    have a ``Content-Encoding``, partial content (206) and ``exclude_content_types`` (matched
    on the media type, case-insensitively; ``type/*`` entries match a whole family).
    ``Vary: Accept-Encoding`` is added to every response that could have been compressed,
    so caches keep the two variants apart. Chunks of ``thread_minimum_size`` bytes or more
    are compressed in the thread pool so one large body does not stall the event loop.
    """

    def __init__(
        self,
        app: ASGIApp,
        minimum_size: int = 500,
        compresslevel: int = 9,
        thread_minimum_size: int = 128 * 1024,
        *,
        exclude_content_types: Sequence[str] = DEFAULT_EXCLUDED_CONTENT_TYPES,
    ) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self.compresslevel = compresslevel
        self.thread_minimum_size = thread_minimum_size
        self.exclude_content_types = tuple(exclude_content_types)
        lowered = [t.strip().lower() for t in exclude_content_types]
        self._excluded = frozenset(t for t in lowered if not t.endswith("/*"))
        self._excluded_families = tuple(t[:-1] for t in lowered if t.endswith("/*"))
        # PERF: an app sends few distinct content types; parsing one costs ~0.5 us a response.
        self._decided: dict[bytes, bool] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accept = b""
        for key, value in scope.get("headers", ()):
            if key == b"accept-encoding":
                accept = bytes(value)
                break
        await self.app(scope, receive, _Responder(self, send, b"gzip" in accept))

    def is_excluded(self, content_type: str) -> bool:
        """True when responses of this ``Content-Type`` must not be compressed."""
        media = content_type.partition(";")[0].strip().lower()
        return media in self._excluded or media.startswith(self._excluded_families)

    def leaves_alone(self, start: Message) -> bool:
        """True for a response start that must pass untouched, whatever its size."""
        if start.get("status") == 206:
            return True
        content_type = None
        for key, value in start.get("headers", ()):
            if key == b"content-encoding":
                return True
            if key == b"content-type" and content_type is None:
                content_type = bytes(value)
        if content_type is None:
            return False
        excluded = self._decided.get(content_type)
        if excluded is None:
            excluded = self.is_excluded(content_type.decode("latin-1"))
            if len(self._decided) < 256:
                self._decided[content_type] = excluded
        return excluded


class _Responder:
    """The ``send`` one request's app sees: holds the start until the first body decides."""

    __slots__ = ("accepts", "compressor", "middleware", "send", "start", "state")

    def __init__(self, middleware: GZipMiddleware, send: Send, accepts: bool) -> None:
        self.middleware = middleware
        self.send = send
        self.accepts = accepts
        self.state = _WAITING
        self.start: Message | None = None
        self.compressor: Any = None

    async def __call__(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            if self.middleware.leaves_alone(message):
                self.state = _PASSING
                await self.send(message)
            else:
                self.start = message
            return
        if kind != "http.response.body" or self.state == _PASSING:
            await self._release_start()
            await self.send(message)
        elif self.state == _WAITING:
            await self._first_body(message)
        elif self.state == _COMPRESSING:
            await self._send_compressed(message)
        else:
            await self.send(message)

    async def _release_start(self) -> None:
        """Send the held start unchanged (before a message we do not compress, like pathsend)."""
        start, self.start = self.start, None
        if start is not None:
            self.state = _PASSING
            await self.send(start)

    async def _first_body(self, message: Message) -> None:
        start, self.start = self.start, None
        assert start is not None, "http.response.body before http.response.start"
        body = message.get("body", b"")
        more = message.get("more_body", False)
        if not more and len(body) < self.middleware.minimum_size:
            self.state = _PASSING
            await self.send(start)
            await self.send(message)
            return
        start.setdefault("headers", [])
        headers = MutableHeaders(scope=start)
        headers.add_vary_header("Accept-Encoding")
        if not self.accepts:
            self.state = _IDENTITY
            await self.send(start)
            await self.send(message)
            return
        headers["Content-Encoding"] = "gzip"
        self.state = _COMPRESSING
        if more:
            # NOTE: the compressed length is unknown until the end; the server chunks it.
            del headers["Content-Length"]
            await self.send(start)
            await self._send_compressed(message)
            return
        data = await self._compress(body, final=True)
        headers["Content-Length"] = str(len(data))
        await self.send(start)
        await self.send({"type": "http.response.body", "body": data})

    async def _send_compressed(self, message: Message) -> None:
        more = message.get("more_body", False)
        data = await self._compress(message.get("body", b""), final=not more)
        if more:
            await self.send({"type": "http.response.body", "body": data, "more_body": True})
        else:
            await self.send({"type": "http.response.body", "body": data})

    async def _compress(self, body: bytes, final: bool) -> bytes:
        if self.compressor is None:
            level = self.middleware.compresslevel
            self.compressor = zlib.compressobj(level, zlib.DEFLATED, _GZIP_WBITS)
        if len(body) >= self.middleware.thread_minimum_size:
            return await run_in_threadpool(_deflate, self.compressor, body, final)
        return _deflate(self.compressor, body, final)


def _deflate(compressor: Any, body: bytes, final: bool) -> bytes:
    """Compress one chunk and flush: fully at the end, else so the client can decode it now."""
    mode = zlib.Z_FINISH if final else zlib.Z_SYNC_FLUSH
    return bytes(compressor.compress(body) + compressor.flush(mode))
