"""Response classes with Starlette's names, signatures and header rules, encoded by msgspec.

A handler that builds ``JSONResponse(...)`` or ``FileResponse(...)`` for FastAPI gets the same
status, headers and body bytes from fastcore; each class is also an ASGI app, so it can be
returned from middleware or mounted as is. Only JSON encoding changes engine (msgspec instead
of ``json.dumps``), with the same compact, non-ASCII-escaping output.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import stat
import sys
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any, Literal, Union
from urllib.parse import quote

from fastcore._lazy import lazy_attributes
from fastcore.background import BackgroundTask
from fastcore.datastructures import URL, Headers, MutableHeaders
from fastcore.encoders import encode_json

if TYPE_CHECKING:
    import http.cookies

    from fastcore.sse import EventSourceResponse

# PERF: http.cookies (set_cookie), mimetypes, email.utils, hashlib (FileResponse) and secrets
# (multipart ranges) are imported where they are used: together with what they pull in
# (calendar, quopri, the email package, hmac, random, the mimetypes table) they cost a
# worker ~1 MiB of RSS at import, for responses most apps never build.

__all__ = [
    "EventSourceResponse",
    "FileResponse",
    "HTMLResponse",
    "JSONResponse",
    "PlainTextResponse",
    "RedirectResponse",
    "Response",
    "StreamingResponse",
]

Scope = Mapping[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Content = Union[str, bytes, memoryview]
ContentStream = Union[AsyncIterable[Content], Iterable[Content]]

_NO_LENGTH_STATUS = frozenset({204, 304})
_SAMESITE = frozenset({"strict", "lax", "none"})


class Response:
    """A complete response whose body is known up front; ``render`` turns content into bytes."""

    media_type: str | None = None
    charset = "utf-8"

    def __init__(
        self,
        content: Any = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        self.status_code = status_code
        if media_type is not None:
            self.media_type = media_type
        self.background = background
        self.body = self.render(content)
        self.init_headers(headers)

    def render(self, content: Any) -> bytes:
        if content is None:
            return b""
        if isinstance(content, bytes):
            return content
        if isinstance(content, memoryview):
            return content.tobytes()
        if isinstance(content, str):
            return content.encode(self.charset)
        # NOTE: str() would quietly send a repr; Starlette fails here too (on .encode).
        raise TypeError(
            f"{type(self).__name__} content must be str or bytes, not {type(content).__name__}; "
            "use JSONResponse for data"
        )

    def init_headers(self, headers: Mapping[str, str] | None = None) -> None:
        """Build ``raw_headers``: the caller's, then content-length and content-type if absent."""
        raw: list[tuple[bytes, bytes]] = []
        if headers:
            raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        names = {k for k, _ in raw}
        body: bytes | None = getattr(self, "body", None)
        status = self.status_code
        if (
            body is not None
            and b"content-length" not in names
            and status >= 200
            and status not in _NO_LENGTH_STATUS
        ):
            raw.append((b"content-length", str(len(body)).encode("latin-1")))
        content_type = self.media_type
        if content_type is not None and b"content-type" not in names:
            if content_type.startswith("text/") and "charset=" not in content_type.lower():
                content_type += "; charset=" + self.charset
            raw.append((b"content-type", content_type.encode("latin-1")))
        self.raw_headers = raw

    @property
    def headers(self) -> MutableHeaders:
        # NOTE: built on first use; the view edits raw_headers in place.
        headers: MutableHeaders | None = self.__dict__.get("_headers")
        if headers is None or headers.raw is not self.raw_headers:
            headers = self.__dict__["_headers"] = MutableHeaders(raw=self.raw_headers)
        return headers

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: int | None = None,
        expires: datetime | str | int | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
        partitioned: bool = False,
    ) -> None:
        """Append a ``Set-Cookie`` header formatted by the standard library, as Starlette does."""
        import http.cookies  # PERF: lazy, see the note at the top

        cookie: http.cookies.SimpleCookie = http.cookies.SimpleCookie()
        cookie[key] = value
        morsel = cookie[key]
        if max_age is not None:
            morsel["max-age"] = max_age  # type: ignore[assignment]
        if expires is not None:
            if isinstance(expires, datetime):
                from email.utils import format_datetime  # PERF: lazy, see the note at the top

                expires = format_datetime(expires, usegmt=True)
            morsel["expires"] = expires  # type: ignore[assignment]
        if path is not None:
            morsel["path"] = path
        if domain is not None:
            morsel["domain"] = domain
        if secure:
            morsel["secure"] = True  # type: ignore[assignment]
        if httponly:
            morsel["httponly"] = True  # type: ignore[assignment]
        if samesite is not None:
            if samesite.lower() not in _SAMESITE:
                raise ValueError("samesite must be either 'strict', 'lax' or 'none'")
            morsel["samesite"] = samesite
        if partitioned:
            if sys.version_info < (3, 14):
                raise ValueError("Partitioned cookies are only supported in Python 3.14 and above.")
            morsel["partitioned"] = True  # type: ignore[assignment]  # pragma: no cover
        value_out = cookie.output(header="").strip()
        self.raw_headers.append((b"set-cookie", value_out.encode("latin-1")))

    def delete_cookie(
        self,
        key: str,
        path: str = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
        partitioned: bool = False,
    ) -> None:
        """Expire the cookie now; path and domain must match the ones it was set with."""
        self.set_cookie(
            key,
            max_age=0,
            expires=0,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # NOTE: HEAD gets the body too, as in Starlette; servers drop it on the wire.
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        await send({"type": "http.response.body", "body": self.body})
        if self.background is not None:
            await self.background()


class HTMLResponse(Response):
    media_type = "text/html"


class PlainTextResponse(Response):
    media_type = "text/plain"


class JSONResponse(Response):
    """JSON rendered by msgspec: same bytes as Starlette's compact ``json.dumps`` for JSON data.

    Beyond what ``json.dumps`` accepts, dataclasses, enums, sets, UUIDs, dates, Decimals,
    msgspec Structs and pydantic models encode too (datetimes in msgspec's RFC 3339 form).
    """

    media_type = "application/json"

    def __init__(
        self,
        content: Any,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        super().__init__(content, status_code, headers, media_type, background)

    def render(self, content: Any) -> bytes:
        return encode_json(content)


class RedirectResponse(Response):
    """An empty response with a ``location`` header, percent-quoted like Starlette's."""

    def __init__(
        self,
        url: str | URL,
        status_code: int = 307,
        headers: Mapping[str, str] | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        super().__init__(b"", status_code=status_code, headers=headers, background=background)
        self.headers["location"] = quote(str(url), safe=":/%#?=@[]!$&'()*+,;")


_DONE = object()


async def _iterate_in_thread(iterable: Iterable[Content]) -> AsyncIterator[Content]:
    """Pull a blocking iterator from the thread pool so the loop keeps serving others."""
    loop = asyncio.get_running_loop()
    ctx = contextvars.copy_context()
    iterator = iter(iterable)

    def pull() -> Any:
        return ctx.run(next, iterator, _DONE)

    while True:
        chunk = await loop.run_in_executor(None, pull)
        if chunk is _DONE:
            return
        yield chunk


def _spec_version(scope: Scope) -> tuple[int, ...]:
    version = scope.get("asgi", {}).get("spec_version", "2.0")
    return tuple(int(part) for part in str(version).split("."))


async def _wait_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _until_disconnect(work: Awaitable[None], receive: Receive) -> None:
    """Run ``work`` but stop it when the client goes away (servers before ASGI spec 2.4)."""
    worker = asyncio.ensure_future(work)
    listener = asyncio.ensure_future(_wait_disconnect(receive))
    try:
        await asyncio.wait((worker, listener), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (worker, listener):
            task.cancel()
        await asyncio.gather(worker, listener, return_exceptions=True)
    error = None if worker.cancelled() else worker.exception()
    if error is not None:
        raise error


class StreamingResponse(Response):
    """A body produced chunk by chunk; sync iterators are pulled in a worker thread."""

    body_iterator: AsyncIterable[Content]

    def __init__(
        self,
        content: ContentStream,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        if isinstance(content, AsyncIterable):
            self.body_iterator = content
        else:
            self.body_iterator = _iterate_in_thread(content)
        self.status_code = status_code
        if media_type is not None:
            self.media_type = media_type
        self.background = background
        self.init_headers(headers)

    async def stream_response(self, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        async for chunk in self.body_iterator:
            if isinstance(chunk, str):
                chunk = chunk.encode(self.charset)
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # NOTE: a client that leaves mid-stream ends the stream, but the background task still
        # runs (Starlette skips it on ASGI 2.4 servers): it usually releases what fed the stream.
        if _spec_version(scope) >= (2, 4):
            try:
                await self.stream_response(send)
            except OSError:
                pass
        else:
            await _until_disconnect(self.stream_response(send), receive)
        if self.background is not None:
            await self.background()


class _RangeError(Exception):
    def __init__(self, status: int, message: str = "") -> None:
        self.status = status
        self.message = message


def _one_range(part: str, size: int) -> tuple[int, int] | None:
    part = part.strip()
    if "-" not in part or part == "-":
        return None
    start_s, end_s = (s.strip() for s in part.split("-", 1))
    try:
        if not start_s:
            return max(size - int(end_s), 0), size
        start = int(start_s)
        end = int(end_s) + 1 if end_s and int(end_s) < size else size
    except ValueError:
        return None
    return start, end


def _merge_ranges(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    ranges = sorted(ranges)
    merged = [ranges[0]]
    for start, end in ranges[1:]:
        last_start, last_end = merged[-1]
        if start <= last_end:
            merged[-1] = (last_start, max(last_end, end))
        else:
            merged.append((start, end))
    return merged


def _parse_range(header: str, size: int, max_ranges: int) -> list[tuple[int, int]]:
    """Byte ranges asked for, as half-open intervals; ``[]`` means send the whole file."""
    units, sep, spec = header.partition("=")
    if not sep:
        raise _RangeError(400, "Malformed range header.")
    if units.strip().lower() != "bytes":
        raise _RangeError(400, "Only support bytes range")
    parts = spec.split(",")
    if len(parts) > max_ranges:
        return []
    ranges = [r for r in (_one_range(p, size) for p in parts) if r is not None]
    if not ranges:
        raise _RangeError(400, "Range header: range must be requested")
    if any(not 0 <= start < size for start, _ in ranges):
        raise _RangeError(416)
    if any(start >= end for start, end in ranges):
        raise _RangeError(400, "Range header: start must be less than end")
    return ranges if len(ranges) == 1 else _merge_ranges(ranges)


class FileResponse(Response):
    """A file from disk, streamed in chunks read in a thread, with Starlette's headers.

    Range requests (single and multipart) are answered with 206, as ``accept-ranges`` promises.
    """

    chunk_size = 64 * 1024
    max_ranges = 100

    def __init__(
        self,
        path: str | os.PathLike[str],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
        filename: str | None = None,
        stat_result: os.stat_result | None = None,
        method: str | None = None,
        content_disposition_type: str = "attachment",
    ) -> None:
        self.path = path
        self.status_code = status_code
        self.filename = filename
        # NOTE: kept from older Starlette; a HEAD request is also recognised from the scope.
        self.send_header_only = method is not None and method.upper() == "HEAD"
        if media_type is None:
            from mimetypes import guess_type  # PERF: lazy, see the note at the top

            media_type = guess_type(filename or path)[0] or "application/octet-stream"
        self.media_type = media_type
        self.background = background
        self.init_headers(headers)
        self.headers.setdefault("accept-ranges", "bytes")
        if filename is not None:
            self.headers.setdefault(
                "content-disposition", _content_disposition(content_disposition_type, filename)
            )
        self.stat_result = stat_result
        if stat_result is not None:
            self.set_stat_headers(stat_result)

    def set_stat_headers(self, stat_result: os.stat_result) -> None:
        import hashlib  # PERF: lazy, see the note at the top
        from email.utils import formatdate

        tag = f"{stat_result.st_mtime}-{stat_result.st_size}".encode()
        etag = hashlib.md5(tag, usedforsecurity=False).hexdigest()
        self.headers.setdefault("content-length", str(stat_result.st_size))
        self.headers.setdefault("last-modified", formatdate(stat_result.st_mtime, usegmt=True))
        self.headers.setdefault("etag", f'"{etag}"')

    async def _stat(self) -> os.stat_result:
        if self.stat_result is not None:
            return self.stat_result
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(None, os.stat, self.path)
        except FileNotFoundError:
            raise RuntimeError(f"File at path {self.path} does not exist.") from None
        self.set_stat_headers(result)
        if not stat.S_ISREG(result.st_mode):
            raise RuntimeError(f"File at path {self.path} is not a file.")
        return result

    def _ranges(self, scope: Scope, size: int) -> list[tuple[int, int]]:
        headers = Headers(raw=list(scope.get("headers", ())))
        header = headers.get("range")
        if (
            header is None
            or self.status_code != 200
            or scope.get("method", "GET").upper() not in ("GET", "HEAD")
        ):
            return []
        if_range = headers.get("if-range")
        if if_range is not None and not self._if_range_matches(if_range):
            return []
        return _parse_range(header, size, self.max_ranges)

    def _if_range_matches(self, if_range: str) -> bool:
        if if_range.startswith("W/"):
            return False
        return if_range in (self.headers.get("last-modified"), self.headers.get("etag"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        size = (await self._stat()).st_size
        head_only = self.send_header_only or scope.get("method", "").upper() == "HEAD"
        try:
            ranges = self._ranges(scope, size)
        except _RangeError as exc:
            await _range_error(exc, size)(scope, receive, send)
            return
        if not ranges:
            await self._send_whole(scope, send, head_only)
        elif len(ranges) == 1:
            await self._send_single(send, ranges[0], size, head_only)
        else:
            await self._send_multi(send, ranges, size, head_only)
        if self.background is not None:
            await self.background()

    async def _start(self, send: Send, status: int, raw: list[tuple[bytes, bytes]]) -> None:
        await send({"type": "http.response.start", "status": status, "headers": raw})

    async def _send_whole(self, scope: Scope, send: Send, head_only: bool) -> None:
        await self._start(send, self.status_code, self.raw_headers)
        if head_only:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        elif "http.response.pathsend" in scope.get("extensions", {}):
            await send({"type": "http.response.pathsend", "path": str(self.path)})
        else:
            async with _FileReader(self.path) as reader:
                await reader.send_span(send, 0, None, self.chunk_size, last=True)

    async def _send_single(
        self, send: Send, span: tuple[int, int], size: int, head_only: bool
    ) -> None:
        start, end = span
        headers = self.headers.mutablecopy()
        headers["content-range"] = f"bytes {start}-{end - 1}/{size}"
        headers["content-length"] = str(end - start)
        await self._start(send, 206, headers.raw)
        if head_only:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        async with _FileReader(self.path) as reader:
            await reader.send_span(send, start, end, self.chunk_size, last=True)

    async def _send_multi(
        self, send: Send, ranges: list[tuple[int, int]], size: int, head_only: bool
    ) -> None:
        from secrets import token_hex  # PERF: lazy, see the note at the top

        boundary = token_hex(13)
        content_type = self.headers.get("content-type", "application/octet-stream")
        part_heads = [
            (
                f"--{boundary}\r\nContent-Type: {content_type}\r\n"
                f"Content-Range: bytes {start}-{end - 1}/{size}\r\n\r\n"
            ).encode("latin-1")
            for start, end in ranges
        ]
        tail = f"--{boundary}--".encode("latin-1")
        length = sum(len(h) + (e - s) + 2 for h, (s, e) in zip(part_heads, ranges, strict=True))
        headers = self.headers.mutablecopy()
        headers["content-type"] = f"multipart/byteranges; boundary={boundary}"
        headers["content-length"] = str(length + len(tail))
        await self._start(send, 206, headers.raw)
        if head_only:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        async with _FileReader(self.path) as reader:
            for head, (start, end) in zip(part_heads, ranges, strict=True):
                await send({"type": "http.response.body", "body": head, "more_body": True})
                await reader.send_span(send, start, end, self.chunk_size, last=False)
                await send({"type": "http.response.body", "body": b"\r\n", "more_body": True})
        await send({"type": "http.response.body", "body": tail, "more_body": False})


def _content_disposition(disposition: str, filename: str) -> str:
    quoted = quote(filename)
    if quoted != filename:
        # NOTE: RFC 5987 form, so non-ASCII names survive latin-1 header encoding.
        return f"{disposition}; filename*=utf-8''{quoted}"
    return f'{disposition}; filename="{filename}"'


def _range_error(exc: _RangeError, size: int) -> Response:
    if exc.status == 416:
        return PlainTextResponse(status_code=416, headers={"Content-Range": f"bytes */{size}"})
    return PlainTextResponse(exc.message, status_code=400)


class _FileReader:
    """An open file whose blocking reads run in the thread pool."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = path
        self.file: IO[bytes] | None = None

    async def __aenter__(self) -> _FileReader:
        loop = asyncio.get_running_loop()
        self.file = await loop.run_in_executor(None, open, self.path, "rb")
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.file is not None:
            self.file.close()

    async def send_span(
        self, send: Send, start: int, end: int | None, chunk_size: int, *, last: bool
    ) -> None:
        """Send bytes ``[start, end)`` (to end of file when ``end`` is None) as body chunks."""
        assert self.file is not None
        loop = asyncio.get_running_loop()
        file = self.file
        if start:
            await loop.run_in_executor(None, file.seek, start)
        while True:
            want = chunk_size if end is None else min(chunk_size, end - start)
            chunk = await loop.run_in_executor(None, file.read, want)
            start += len(chunk)
            done = len(chunk) < chunk_size if end is None else (start >= end or not chunk)
            if end is not None and not chunk and start < end:
                raise RuntimeError(f"File at path {self.path} is shorter than expected.")
            await send(
                {"type": "http.response.body", "body": chunk, "more_body": not (done and last)}
            )
            if done:
                return


# NOTE: FastAPI users import EventSourceResponse from here too; fastcore/sse.py (PEP 562).
__getattr__, __dir__ = lazy_attributes(globals(), {"EventSourceResponse": "fastcore.sse"})
