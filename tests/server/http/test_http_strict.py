"""Request-target and framing strictness (issue 14, item 6), over real sockets, both builds.

What a careful origin server refuses with 400 and a close, each choice argued against RFC 9112
in docs/server.md ("Request strictness"): the request pipelined behind the refused one is never
answered, and the server goes on serving.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import pytest

from tests.support.rawhttp import Conn, build, request
from tests.support.server_thread import run_server

SMUGGLED = b"GET /items/666 HTTP/1.1\r\nHost: x\r\n\r\n"
CHUNKED = b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"

REFUSED: list[tuple[str, bytes]] = [
    ("asterisk-get", b"GET * HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("asterisk-post", b"POST * HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"),
    ("pct-nul", b"GET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("pct-bad-hex", b"GET /a%zzb HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("pct-truncated", b"GET /a%4 HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("pct-at-end", b"GET /a% HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("dots-above-root", b"GET /../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("dots-climb-later", b"GET /a/../../b HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("dots-encoded", b"GET /%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("dots-encoded-slash", b"GET /a/..%2f..%2fb HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("dots-absolute-form", b"GET http://x/../b HTTP/1.1\r\nHost: x\r\n\r\n"),
    (
        "te-on-http10",
        b"POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    ),
    ("long-chunk-extension", CHUNKED + b"3;" + b"e" * 20000 + b"\r\nabc\r\n0\r\n\r\n"),
    (
        "many-chunk-extensions",
        CHUNKED + (b"1;" + b"e" * 200 + b"\r\na\r\n") * 200 + b"0\r\n\r\n",
    ),
    ("bare-lf-before-request", b"\n" + build("GET", "/items/1")),
    ("crlf-lf-before-request", b"\r\n\n" + build("GET", "/items/1")),
    ("two-empty-lines-before-request", b"\r\n\r\n" + build("GET", "/items/1")),
]


@pytest.fixture(scope="module")
def port(protocol_impl: ModuleType) -> Iterator[int]:
    with run_server(protocol_impl, limit_body_size=100_000) as port:
        yield port


@pytest.mark.parametrize("data", [c[1] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_refused_with_400_and_a_close(port: int, data: bytes) -> None:
    with Conn(port) as conn:
        conn.send(data + SMUGGLED)
        resp = conn.read_final()
        assert resp.status == 400, (resp.status, resp.body)
        assert resp.header("connection") == "close"
        conn.assert_closed()
    assert request(port, "GET", "/items/1").status == 200


@pytest.mark.parametrize("data", [c[1] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_refused_behind_a_valid_request_in_the_same_write(port: int, data: bytes) -> None:
    with Conn(port) as conn:
        conn.send(build("GET", "/items/2") + data + SMUGGLED)
        assert conn.read_final().body == b'{"id":2,"q":""}'
        assert conn.read_final().status == 400
        conn.assert_closed()


ACCEPTED: list[tuple[str, bytes, int]] = [
    # NOTE: OPTIONS * asks about the server itself (RFC 9112 3.2.4); the app answers it.
    ("asterisk-options", b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 404),
    ("pct-slash", b"GET /items/%31 HTTP/1.1\r\nHost: x\r\n\r\n", 200),
    ("dots-inside", b"GET /a/../items/4 HTTP/1.1\r\nHost: x\r\n\r\n", 404),
    ("dot-segment", b"GET /./items/4 HTTP/1.1\r\nHost: x\r\n\r\n", 404),
    ("dots-in-a-name", b"GET /items/..5 HTTP/1.1\r\nHost: x\r\n\r\n", 422),
    ("dots-in-the-query", b"GET /items/4?q=/../.. HTTP/1.1\r\nHost: x\r\n\r\n", 200),
    ("short-chunk-extensions", CHUNKED + b'3;a=b;c="d"\r\nabc\r\n0\r\n\r\n', 200),
    ("one-empty-line-before-request", b"\r\n" + build("GET", "/items/1"), 200),
]


@pytest.mark.parametrize(
    ("data", "status"), [c[1:] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED]
)
def test_accepted_and_the_connection_lives_on(port: int, data: bytes, status: int) -> None:
    with Conn(port) as conn:
        conn.send(data)
        assert conn.read_final().status == status
        assert conn.request("GET", "/items/5").body == b'{"id":5,"q":""}'


def test_one_empty_line_between_pipelined_requests_is_ignored(port: int) -> None:
    with Conn(port) as conn:
        conn.send(build("GET", "/items/1") + b"\r\n" + build("GET", "/items/2"))
        assert conn.read_final().body == b'{"id":1,"q":""}'
        assert conn.read_final().body == b'{"id":2,"q":""}'


def test_one_empty_line_after_a_post_body_is_ignored(port: int) -> None:
    """RFC 9112 2.2: old HTTP/1.0 clients send an extra CRLF after a POST body."""
    with Conn(port) as conn:
        conn.send(build("POST", "/echo", b"abc") + b"\r\n" + build("GET", "/items/2"))
        assert conn.read_final().body == b"abc"
        assert conn.read_final().body == b'{"id":2,"q":""}'


def test_empty_lines_split_across_reads(port: int) -> None:
    with Conn(port) as conn:
        conn.send(build("GET", "/items/1") + b"\r\n")
        assert conn.read_final().status == 200
        conn.send(b"\r\n" + build("GET", "/items/2"))
        assert conn.read_final().status == 400
        conn.assert_closed()


@pytest.mark.parametrize("path", ["/crlf-value", "/lf-value", "/crlf-name", "/crlf-stream"])
def test_crlf_in_a_response_header_is_500_and_a_close(port: int, path: str) -> None:
    with Conn(port) as conn:
        conn.send(build("GET", path) + SMUGGLED)
        resp = conn.read_final()
        assert resp.status == 500, resp.raw_head
        assert b"x-injected" not in resp.raw_head.lower()
        assert resp.header("connection") == "close"
        conn.assert_closed()
