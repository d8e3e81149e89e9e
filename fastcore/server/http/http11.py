"""HTTP/1.1 facts and helpers shared by both builds of the protocol, off the hot path.

Both ``fastcore.server.http.protocol`` and ``fastcore.server.http._protocol_c`` import these, so a
rejection, an error body or a header check is defined once.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CHUNK_END",
    "CHUNK_EXT_LIMIT",
    "CLOSE_END",
    "CONTINUE",
    "CRLF",
    "HOST_CHARS",
    "KEEP_END",
    "LENGTH_LINES",
    "MAX_PIPELINE",
    "REASONS",
    "STATUS_LINES",
    "ChunkWalk",
    "Reject",
    "address",
    "ascii_int",
    "body_offset",
    "bytes_waiting",
    "check_header",
    "check_target",
    "decode_path",
    "error_response",
    "leading_lines",
    "origin_path",
    "status_line",
    "stray_between",
    "stray_lines",
]

REASONS = {
    100: "Continue",
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    206: "Partial Content",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    304: "Not Modified",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    408: "Request Timeout",
    409: "Conflict",
    410: "Gone",
    411: "Length Required",
    412: "Precondition Failed",
    413: "Content Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    416: "Range Not Satisfiable",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    505: "HTTP Version Not Supported",
}
#: What a Host value may hold (RFC 3986 reg-name, IP literals, port); anything else is a 400.
HOST_CHARS = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%!$&'()*+,;=:[]"
#: The status lines built so far, by status code: the one cache both builds' writers read
#: (the compiled one through a C reference to this dict), filled by ``status_line``.
STATUS_LINES: dict[int, bytes] = {}
_JSON_TYPE = b"content-type: application/json\r\n"


def status_line(status: int) -> bytes:
    """``HTTP/1.1 <status> <reason>\\r\\n``, built once per status code."""
    line = STATUS_LINES.get(status)
    if line is None:
        if not 100 <= status <= 999:
            raise ValueError(f"invalid HTTP status code {status!r}")
        reason = REASONS.get(status, "")
        line = STATUS_LINES[status] = b"HTTP/1.1 %d %s\r\n" % (status, reason.encode("ascii"))
    return line


# PERF: the usual statuses are in the cache from the start, so a writer's dict lookup finds
# them without a call into status_line.
for _status in (200, 201, 204, 400, 404, 422, 500):
    status_line(_status)
del _status

#: The byte strings both builds' writers put together (the compiled one copies each into a
#: typed C global at import).
CONTINUE = status_line(100) + b"\r\n"  # the interim answer to ``Expect: 100-continue``
CRLF = b"\r\n"
CHUNK_END = b"0\r\n\r\n"  # the last chunk of a chunked body, with no trailers
KEEP_END = b"connection: keep-alive\r\n\r\n"  # the end of an HTTP/1.0 head that keeps alive
CLOSE_END = b"connection: close\r\n\r\n"
#: ``content-length: <n>\\r\\n`` for the small bodies, by length.
LENGTH_LINES = [b"content-length: %d\r\n" % n for n in range(1024)]
#: How many complete requests may wait behind the one being answered before reading pauses.
MAX_PIPELINE = 32


class Reject(Exception):
    """A request the server answers with an error status and a closed connection."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def error_response(status: int, detail: str, extra: bytes) -> bytes:
    body = b'{"detail":"' + detail.encode("ascii") + b'"}'
    return b"".join(
        (
            status_line(status),
            _JSON_TYPE,
            b"content-length: %d\r\n" % len(body),
            extra,
            b"connection: close\r\n\r\n",
            body,
        )
    )


def check_header(name: bytes, value: bytes) -> None:
    """Refuse a response header holding CR, LF or NUL (the compiled writer checks with memchr
    first and calls this only to raise the same error)."""
    # SECURITY: a CR or LF from the app would split the response; NUL is never valid.
    # PERF: six ``in`` tests, no loop over a tuple: it runs for every header of a Response
    if (
        b"\r" in name
        or b"\n" in name
        or b"\0" in name
        or b"\r" in value
        or b"\n" in value
        or b"\0" in value
    ):
        raise ValueError(f"invalid character in response header {name!r}: {value!r}")


def ascii_int(raw: str, low: int, high: int) -> int | None:
    """``raw`` as an int if it is an optional ``-`` and 1 to 18 ASCII digits with a value
    within ``low..high``, else None (the lane's own reading of an int parameter; anything
    else is the parameter's extractor's to read or refuse). Compiled, ``_http11_c``'s C loop."""
    if raw.isascii():
        digits = raw[1:] if raw[:1] == "-" else raw
        if digits.isdigit() and len(digits) <= 18:
            number = int(raw)
            if low <= number <= high:
                return number
    return None


def decode_path(raw: bytes) -> str:
    if b"%" not in raw:
        return raw.decode("utf-8", "surrogateescape")
    from urllib.parse import unquote_to_bytes

    return unquote_to_bytes(raw).decode("utf-8", "surrogateescape")


def origin_path(url: bytes, method: bytes) -> bytes:
    """The path of an absolute-form target (``http://host/path``); ``*`` stays as it is.

    SECURITY: RFC 9112 3.2.4: the asterisk-form is only for a server-wide OPTIONS.
    """
    if url == b"*":
        if method != b"OPTIONS":
            raise Reject(400, "Bad Request")
        return url
    scheme = url.find(b"://")
    if scheme < 0:
        raise Reject(400, "Bad Request")
    slash = url.find(b"/", scheme + 3)
    return url[slash:] if slash >= 0 else b"/"


_HEX = frozenset(b"0123456789abcdefABCDEF")


def check_target(path: bytes) -> None:
    """Refuse a path with a bad percent-escape, an encoded NUL, or dot-segments above the root.

    Called only for a path holding ``%`` or ``.`` (the protocol checks that first, in C when
    compiled). SECURITY: ``%00`` ends a string in C and in most file APIs; an invalid escape
    means something between client and server disagrees about the bytes (RFC 3986 2.1); a
    ``..`` climbing above ``/`` (RFC 3986 5.2.4 removes it silently) aims at paths the app
    never routes, such as files next to a static directory. Dots that stay inside the path
    (``/a/../b``) are left to the app, as RFC 9112 asks for no normalisation.
    """
    at = path.find(b"%")
    while at >= 0:
        pair = path[at + 1 : at + 3]
        if len(pair) != 2 or pair[0] not in _HEX or pair[1] not in _HEX or pair == b"00":
            raise Reject(400, "Bad Request")
        at = path.find(b"%", at + 3)
    decoded = path
    if b"%" in path:
        from urllib.parse import unquote_to_bytes

        decoded = unquote_to_bytes(path)
    if b".." not in decoded:
        return
    depth = 0
    for segment in decoded.split(b"/")[1:]:
        if segment == b"..":
            depth -= 1
            if depth < 0:
                raise Reject(400, "Bad Request")
        elif segment not in (b"", b"."):
            depth += 1


def stray_lines(data: bytes, seen: int) -> int:
    """What the empty lines at the start of ``data`` leave: -1 refused, 0 a request begins.

    ``seen`` counts CR and LF bytes already met before this read (2 per CRLF). SECURITY:
    RFC 9112 2.2 says a server SHOULD ignore at least one empty line (CRLF) before a request
    line, which old clients send after a POST body; one is ignored, a second (or a bare LF,
    which some parsers take for a line end and others do not) is refused, so no front end
    and fastcore can disagree about where a request begins. Returns the new count while
    ``data`` holds nothing else.
    """
    for byte in data:
        if byte == 13:
            if seen % 2:
                return -1
        elif byte == 10:
            if not seen % 2:
                return -1
        else:
            return 0 if not seen % 2 else -1
        seen += 1
        if seen > 2:
            return -1
    return seen


def stray_between(data: bytes) -> int:
    """In a read of request heads only: -1, or how many heads end before a refused stray line
    (a bare LF, or a second empty line) between two of them."""
    at = data.find(b"\n\n")
    second = data.find(b"\r\n\r\n\r\n\r\n")
    if second >= 0 and (at < 0 or second < at):
        at = second
    if at < 0:
        return -1
    heads = 0
    end = data.find(b"\r\n\r\n")
    while 0 <= end <= at:
        heads += 1
        end = data.find(b"\r\n\r\n", end + 4)
    return heads


def leading_lines(data: bytes) -> int:
    """CR and LF bytes that end ``data`` after its last head (a body-free read), past the
    head's own blank line: the empty lines the next read continues, for ``stray_lines``."""
    end = len(data)
    start = end
    while start > 0 and data[start - 1] in (10, 13):
        start -= 1
    return max(end - start - 4, 0)


#: Most bytes of chunk extensions one request may carry (past 18 bytes per size line); more
#: is 400. SECURITY: llhttp skips extensions without bounding them, so an endless one would
#: hold a connection on a body that never grows (CVE-2024-22019 in Node.js: 16 KiB there too).
CHUNK_EXT_LIMIT = 16384


class ChunkWalk:
    """Follows a chunked body's framing beside llhttp, to bound its chunk extensions.

    llhttp has checked the syntax; this only finds each size line (``pos``: where the next
    one starts, relative to the next read) and counts its length, across reads.
    """

    __slots__ = ("ext", "head", "length", "pos")

    def __init__(self, pos: int) -> None:
        self.pos = pos
        self.head = b""
        self.length = 0
        self.ext = 0

    def walk(self, data: bytes) -> bool:
        """Follow the framing through ``data``; True once the last chunk is reached."""
        pos, size_of = self.pos, len(data)
        while pos < size_of:
            eol = data.find(b"\n", pos)
            end = size_of if eol < 0 else eol
            self.length += end - pos
            if len(self.head) < 24:
                self.head += data[pos : min(end, pos + 24)]
            if self.ext + self.length - 18 > CHUNK_EXT_LIMIT:
                raise Reject(400, "Bad Request")
            if eol < 0:
                self.pos = 0
                return False
            try:
                size = int(self.head.split(b";", 1)[0].strip(b" \t\r"), 16)
            except ValueError:
                return True  # NOTE: lost the framing (cannot happen after llhttp): stop
            self.ext += max(self.length - 18, 0)
            self.head, self.length = b"", 0
            if size == 0:
                return True
            pos = eol + 1 + size + 2
        self.pos = pos - size_of
        return False


def body_offset(data: bytes, heads: int) -> int:
    """Where the body after the ``heads``-th head end in ``data`` starts; -1 if not there."""
    pos = 0
    for _ in range(heads):
        end = data.find(b"\r\n\r\n", pos)
        if end < 0:
            return -1
        pos = end + 4
    return pos


def bytes_waiting(transport: Any) -> bool:
    """Whether the kernel holds bytes from this client that the loop has not read yet.

    The server's sweep may run right after a stalled loop, before the reads that were due:
    those bytes arrived in time, so a deadline is not judged before they are read.
    """
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is None:
        return False
    try:
        import fcntl
        import termios

        count = fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0\0\0\0")
    except (ImportError, OSError, ValueError, AttributeError):
        return False  # NOTE: no FIONREAD here (Windows): deadlines as the sweep sees them
    return bool(int.from_bytes(count, "little"))


def address(name: Any) -> tuple[str, int] | None:
    if isinstance(name, tuple) and len(name) >= 2:
        return (str(name[0]), int(name[1]))
    return None
