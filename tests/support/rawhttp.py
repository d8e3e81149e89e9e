"""A tiny, strict HTTP/1.1 client over a raw socket, for tests that must control every byte.

It sends exactly the bytes it is given and parses what comes back by the book (status line,
CRLF-terminated headers, Content-Length or chunked body), so a malformed, split or extra
response shows up as a failure instead of being smoothed over. Every socket operation has a
timeout: a test never hangs on a server that stops answering.
"""

from __future__ import annotations

import socket
import time

__all__ = [
    "TIMEOUT",
    "Closed",
    "Conn",
    "HTTPResponse",
    "ProtocolError",
    "build",
    "chunked",
    "connect",
    "request",
]

#: Seconds any single wait on the socket may take before the test fails.
TIMEOUT = 5.0


class ProtocolError(AssertionError):
    """The server sent bytes that are not a valid HTTP/1.1 response."""


class Closed(AssertionError):
    """The connection closed (or was reset) before a whole response arrived."""


class HTTPResponse:
    """One parsed response: status, headers in order (names lowercased) and body bytes."""

    def __init__(
        self,
        version: str,
        status: int,
        reason: str,
        headers: list[tuple[str, str]],
        body: bytes,
        chunked: bool,
        raw_head: bytes,
    ) -> None:
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.chunked = chunked
        self.raw_head = raw_head

    def header(self, name: str) -> str | None:
        """The only value of ``name``; fails if the header is repeated."""
        values = self.header_all(name)
        if len(values) > 1:
            raise ProtocolError(f"header {name!r} repeated: {values!r}")
        return values[0] if values else None

    def header_all(self, name: str) -> list[str]:
        name = name.lower()
        return [v for k, v in self.headers if k == name]

    def __repr__(self) -> str:
        return f"<HTTPResponse {self.status} {self.headers!r} body={self.body[:80]!r}>"


class Conn:
    """One client connection; responses are read from an internal buffer in order."""

    def __init__(self, port: int, timeout: float = TIMEOUT) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self.buf = bytearray()
        self.eof = False
        #: Largest single recv and a pause before each: a slow reader, for flow control tests.
        self.recv_size = 1 << 20
        self.read_delay = 0.0

    # -- plumbing ---------------------------------------------------------------------------

    def __enter__(self) -> Conn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self, size: int = 65536) -> bool:
        """Read more bytes into the buffer; False at end of stream (FIN or reset)."""
        if self.eof:
            return False
        if self.read_delay:
            time.sleep(self.read_delay)
        try:
            data = self.sock.recv(min(size, self.recv_size))
        except ConnectionResetError:
            data = b""
        except TimeoutError:
            raise TimeoutError(
                f"no bytes from the server within {self.sock.gettimeout()} s; "
                f"buffered so far: {bytes(self.buf[:200])!r}"
            ) from None
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def _read_line(self) -> bytes:
        while True:
            end = self.buf.find(b"\r\n")
            if end >= 0:
                line = bytes(self.buf[:end])
                del self.buf[: end + 2]
                return line
            if not self._fill():
                raise Closed(f"connection closed inside a line: {bytes(self.buf)!r}")

    def _read_exact(self, size: int) -> bytes:
        while len(self.buf) < size:
            if not self._fill(max(65536, size - len(self.buf))):
                raise Closed(f"connection closed after {len(self.buf)} of {size} body bytes")
        data = bytes(self.buf[:size])
        del self.buf[:size]
        return data

    # -- responses --------------------------------------------------------------------------

    def read_head(self) -> tuple[str, int, str, list[tuple[str, str]], bytes]:
        """Status line and headers of the next response (interim ones included)."""
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                raise Closed(f"connection closed before a response head: {bytes(self.buf)!r}")
        end = self.buf.index(b"\r\n\r\n")
        raw_head = bytes(self.buf[: end + 4])
        status_line = self._read_line()
        parts = status_line.split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
            raise ProtocolError(f"bad status line {status_line!r}")
        if len(parts[1]) != 3:
            raise ProtocolError(f"bad status code in {status_line!r}")
        version, status = parts[0].decode(), int(parts[1])
        reason = parts[2].decode("latin-1") if len(parts) == 3 else ""
        headers: list[tuple[str, str]] = []
        while True:
            line = self._read_line()
            if not line:
                break
            if b"\n" in line or b"\r" in line or b"\0" in line:
                raise ProtocolError(f"control character in header line {line!r}")
            name, sep, value = line.partition(b":")
            if not sep or not name or name != name.strip() or b" " in name:
                raise ProtocolError(f"bad header line {line!r}")
            headers.append((name.decode("latin-1").lower(), value.strip(b" \t").decode("latin-1")))
        return version, status, reason, headers, raw_head

    def read_response(self, method: str = "GET") -> HTTPResponse:
        """The next response, interim (1xx) ones included; ``method`` decides if a body follows."""
        version, status, reason, headers, raw_head = self.read_head()
        resp = HTTPResponse(version, status, reason, headers, b"", False, raw_head)
        lengths = resp.header_all("content-length")
        codings = [
            c.strip().lower() for v in resp.header_all("transfer-encoding") for c in v.split(",")
        ]
        if lengths and codings:
            raise ProtocolError(f"both Content-Length and Transfer-Encoding: {headers!r}")
        if len(lengths) > 1:
            raise ProtocolError(f"repeated Content-Length: {lengths!r}")
        if status < 200 or status in (204, 304) or method == "HEAD":
            return resp
        if codings:
            if codings != ["chunked"]:
                raise ProtocolError(f"unexpected transfer coding {codings!r}")
            resp.chunked = True
            resp.body = self._read_chunked()
        elif lengths:
            if not lengths[0].isdigit():
                raise ProtocolError(f"bad Content-Length {lengths[0]!r}")
            resp.body = self._read_exact(int(lengths[0]))
        else:
            resp.body = self.read_until_close()
        return resp

    def read_final(self, method: str = "GET") -> HTTPResponse:
        """The next final response, skipping interim (1xx) ones."""
        while True:
            resp = self.read_response(method)
            if resp.status >= 200:
                return resp

    def _read_chunked(self) -> bytes:
        body = bytearray()
        while True:
            line = self._read_line()
            size_text = line.split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise ProtocolError(f"bad chunk size line {line!r}") from None
            if size == 0:
                while self._read_line():  # trailers, up to the empty line
                    pass
                return bytes(body)
            body += self._read_exact(size)
            if self._read_exact(2) != b"\r\n":
                raise ProtocolError("chunk data not followed by CRLF")

    def read_until_close(self, timeout: float | None = None) -> bytes:
        """Every remaining byte up to end of stream; fails if the stream stays open too long."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while not self.eof:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"connection still open; buffered {bytes(self.buf[:200])!r}")
            self.sock.settimeout(left)
            try:
                self._fill()
            finally:
                self.sock.settimeout(self.timeout)
        data = bytes(self.buf)
        self.buf.clear()
        return data

    def assert_closed(self, timeout: float = 2.0) -> None:
        """The server closes the connection (soon) and sends nothing more."""
        rest = self.read_until_close(timeout)
        assert rest == b"", f"bytes after the expected end of the connection: {rest[:300]!r}"

    def is_open(self, wait: float = 0.2) -> bool:
        """True when, within ``wait`` seconds, the server neither closed nor sent anything."""
        if self.eof:
            return False
        if self.buf:
            return True
        self.sock.settimeout(wait)
        try:
            return self._fill()
        except TimeoutError:
            return True
        finally:
            self.sock.settimeout(self.timeout)

    def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: list[tuple[str, str]] | None = None,
    ) -> HTTPResponse:
        """Send one well-formed HTTP/1.1 request and read its final response."""
        self.send(build(method, path, body, headers))
        return self.read_final(method)


def build(
    method: str, path: str, body: bytes = b"", headers: list[tuple[str, str]] | None = None
) -> bytes:
    """The bytes of a well-formed HTTP/1.1 request (Host and Content-Length added if absent)."""
    headers = list(headers or [])
    names = {k.lower() for k, _ in headers}
    if "host" not in names:
        headers.insert(0, ("Host", "127.0.0.1"))
    if body and "content-length" not in names and "transfer-encoding" not in names:
        headers.append(("Content-Length", str(len(body))))
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
    return head.encode("latin-1") + b"\r\n" + body


def chunked(*parts: bytes, trailers: bytes = b"") -> bytes:
    """A chunked body of ``parts`` (an empty part would end it, so none may be empty)."""
    assert all(parts), "an empty chunk ends the body"
    out = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts)
    return out + b"0\r\n" + trailers + b"\r\n"


def connect(port: int, timeout: float = TIMEOUT) -> Conn:
    return Conn(port, timeout)


def request(
    port: int,
    method: str,
    path: str,
    body: bytes = b"",
    headers: list[tuple[str, str]] | None = None,
) -> HTTPResponse:
    """One request on a fresh connection."""
    with Conn(port) as conn:
        return conn.request(method, path, body, headers)
