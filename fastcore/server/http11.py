"""HTTP/1.1 facts and helpers shared by both builds of the protocol, off the hot path.

Both ``fastcore._pure.protocol`` and ``fastcore._speedups.protocol`` import these, so a
rejection, an error body or a header check is defined once.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "HOST_CHARS",
    "REASONS",
    "Reject",
    "address",
    "check_header",
    "decode_path",
    "error_response",
    "origin_path",
    "status_line",
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
_STATUS_LINES: dict[int, bytes] = {}
_JSON_TYPE = b"content-type: application/json\r\n"


def status_line(status: int) -> bytes:
    """``HTTP/1.1 <status> <reason>\\r\\n``, built once per status code."""
    line = _STATUS_LINES.get(status)
    if line is None:
        if not 100 <= status <= 999:
            raise ValueError(f"invalid HTTP status code {status!r}")
        reason = REASONS.get(status, "")
        line = _STATUS_LINES[status] = b"HTTP/1.1 %d %s\r\n" % (status, reason.encode("ascii"))
    return line


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
    # SECURITY: a CR or LF from the app would split the response; NUL is never valid.
    for part in (name, value):
        if b"\r" in part or b"\n" in part or b"\0" in part:
            raise ValueError(f"invalid character in response header {name!r}: {value!r}")


def decode_path(raw: bytes) -> str:
    if b"%" not in raw:
        return raw.decode("utf-8", "surrogateescape")
    from urllib.parse import unquote_to_bytes

    return unquote_to_bytes(raw).decode("utf-8", "surrogateescape")


def origin_path(url: bytes) -> bytes:
    """The path of an absolute-form target (``http://host/path``); ``*`` stays as it is."""
    if url == b"*":
        return url
    scheme = url.find(b"://")
    if scheme < 0:
        raise Reject(400, "Bad Request")
    slash = url.find(b"/", scheme + 3)
    return url[slash:] if slash >= 0 else b"/"


def address(name: Any) -> tuple[str, int] | None:
    if isinstance(name, tuple) and len(name) >= 2:
        return (str(name[0]), int(name[1]))
    return None
