"""fastcore's server over real sockets: keep-alive, pipelining, bodies both ways, HEAD, headers,
errors in handlers and clients that go away. Every test runs with the compiled and pure protocol.
"""

import email.utils
import hashlib
import json
import re
import socket
import time
from types import ModuleType

from tests.support.http_app import pattern
from tests.support.rawhttp import Conn, build, chunked, request
from tests.support.server_thread import run_server

IMF_FIXDATE = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$"
)


def _json(resp) -> object:
    return json.loads(resp.body)


def _served(port: int) -> None:
    """A fresh connection still gets an answer."""
    resp = request(port, "GET", "/hello")
    assert (resp.status, _json(resp)) == (200, {"hello": "world"})


# -- persistent connections -----------------------------------------------------------------


def test_keep_alive_serves_many_requests_on_one_connection(port: int) -> None:
    with Conn(port) as conn:
        for i in range(20):
            resp = conn.request("GET", f"/items/{i}?q=k")
            assert resp.status == 200
            assert _json(resp) == {"id": i, "q": "k"}
            assert (resp.header("connection") or "").lower() != "close"
        resp = conn.request("POST", "/echo", b"after twenty")
        assert resp.body == b"after twenty"
        assert conn.is_open()


def test_http10_closes_by_default(port: int) -> None:
    with Conn(port) as conn:
        conn.send(b"GET /hello HTTP/1.0\r\n\r\n")
        resp = conn.read_final()
        assert resp.status == 200
        assert _json(resp) == {"hello": "world"}
        conn.assert_closed()


def test_http10_keeps_alive_when_asked(port: int) -> None:
    with Conn(port) as conn:
        for _ in range(3):
            conn.send(b"GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            resp = conn.read_final()
            assert resp.status == 200
            # NOTE: an HTTP/1.0 client only keeps the connection if the response says so
            # (ApacheBench -k, for one), and needs a length to find the end of the body.
            assert "keep-alive" in (resp.header("connection") or "").lower()
            assert resp.header("content-length") == str(len(resp.body))
        assert conn.is_open()


def test_connection_close_is_honoured(port: int) -> None:
    with Conn(port) as conn:
        resp = conn.request("GET", "/hello", headers=[("Connection", "close")])
        assert resp.status == 200
        assert (resp.header("connection") or "").lower() == "close"
        conn.assert_closed()


def test_connection_close_after_keep_alive_requests(port: int) -> None:
    with Conn(port) as conn:
        assert conn.request("GET", "/hello").status == 200
        resp = conn.request("POST", "/echo", b"last", headers=[("Connection", "close")])
        assert resp.body == b"last"
        conn.assert_closed()


def test_hundred_pipelined_requests_in_one_write_are_answered_in_order(port: int) -> None:
    requests = []
    for i in range(100):
        if i % 3 == 0:
            requests.append(build("POST", "/echo", f"body-{i}".encode()))
        elif i % 3 == 1:
            requests.append(build("GET", f"/items/{i}?q=p{i}"))
        else:
            requests.append(build("GET", "/sync" if i % 2 else "/stream?n=2"))
    with Conn(port) as conn:
        conn.send(b"".join(requests))
        for i in range(100):
            resp = conn.read_final()
            assert resp.status == 200, (i, resp)
            if i % 3 == 0:
                assert resp.body == f"body-{i}".encode()
            elif i % 3 == 1:
                assert _json(resp) == {"id": i, "q": f"p{i}"}
            elif i % 2:
                assert _json(resp) == {"thread": True}
            else:
                assert resp.body == b"chunk-0\nchunk-1\n"
        assert conn.is_open()


def test_pipelined_requests_behind_a_slow_one_wait_their_turn(port: int) -> None:
    with Conn(port) as conn:
        conn.send(
            build("GET", "/slow?delay=0.3") + build("GET", "/items/1") + build("GET", "/items/2")
        )
        assert _json(conn.read_final()) == {"slept": 0.3}
        assert _json(conn.read_final()) == {"id": 1, "q": ""}
        assert _json(conn.read_final()) == {"id": 2, "q": ""}


# -- request bodies -------------------------------------------------------------------------


def test_content_length_body(port: int) -> None:
    with Conn(port) as conn:
        item = {"name": "pen", "price": 1.5, "tags": ["a", "b"]}
        resp = conn.request(
            "POST", "/items", json.dumps(item).encode(), [("Content-Type", "application/json")]
        )
        assert (resp.status, _json(resp)) == (200, item)
        resp = conn.request(
            "POST", "/items", b'{"name": 1}', [("Content-Type", "application/json")]
        )
        assert resp.status == 422
        assert _json(resp)["detail"][0]["loc"][0] == "body"
        resp = conn.request("POST", "/echo", b"x" * 100_000)
        assert resp.body == b"x" * 100_000


def test_empty_content_length_body(port: int) -> None:
    with Conn(port) as conn:
        resp = conn.request("POST", "/echo", headers=[("Content-Length", "0")])
        assert (resp.status, resp.body) == (200, b"")
        assert conn.request("GET", "/hello").status == 200


def test_unread_body_is_skipped_before_the_next_request(port: int) -> None:
    with Conn(port) as conn:
        conn.send(build("POST", "/ignore", b"GET /items/666 HTTP/1.1\r\nHost: x\r\n\r\n" * 50))
        conn.send(
            build(
                "POST",
                "/ignore",
                chunked(b"GET /items/667 HTTP/1.1\r\n\r\n"),
                [("Transfer-Encoding", "chunked")],
            )
        )
        conn.send(build("GET", "/items/1"))
        assert _json(conn.read_final()) == {"ignored": True}
        assert _json(conn.read_final()) == {"ignored": True}
        assert _json(conn.read_final()) == {"id": 1, "q": ""}
        assert conn.is_open()


def test_chunked_body_with_extensions_and_trailers(port: int) -> None:
    body = (
        b"5;name=value\r\nhello\r\n"
        b"1;ext\r\n \r\n"
        b"A\r\n0123456789\r\n"
        b"0\r\nX-Trailer: yes\r\nX-Other: 1\r\n\r\n"
    )
    with Conn(port) as conn:
        resp = conn.request("POST", "/echo", body, [("Transfer-Encoding", "chunked")])
        assert (resp.status, resp.body) == (200, b"hello 0123456789")
        assert conn.request("GET", "/hello").status == 200


def test_chunked_body_in_tiny_writes(port: int) -> None:
    parts = [bytes([65 + i]) * (i + 1) for i in range(20)]
    data = build("POST", "/echo", chunked(*parts), [("Transfer-Encoding", "chunked")])
    with Conn(port) as conn:
        for i in range(0, len(data), 7):
            conn.send(data[i : i + 7])
            if i % 70 == 0:
                time.sleep(0.002)
        resp = conn.read_final()
        assert (resp.status, resp.body) == (200, b"".join(parts))


def test_chunked_uppercase_hex_and_leading_zeros(port: int) -> None:
    body = b"00A\r\n" + b"a" * 10 + b"\r\n1F\r\n" + b"b" * 31 + b"\r\n0000\r\n\r\n"
    with Conn(port) as conn:
        resp = conn.request("POST", "/echo", body, [("Transfer-Encoding", "chunked")])
        assert resp.body == b"a" * 10 + b"b" * 31


def test_large_body_is_streamed_to_the_handler(port: int) -> None:
    data = pattern(5 * 1024 * 1024)
    with Conn(port) as conn:
        resp = conn.request("POST", "/count", data)
        result = _json(resp)
        assert result["bytes"] == len(data)
        assert result["sha256"] == hashlib.sha256(data).hexdigest()
        # NOTE: streamed means the handler saw the body in pieces, not one 5 MB buffer.
        assert result["chunks"] > 1
        assert conn.request("GET", "/hello").status == 200


def test_large_chunked_body_is_streamed_to_the_handler(port: int) -> None:
    data = pattern(3 * 1024 * 1024 + 17)
    parts = [data[i : i + 100_000] for i in range(0, len(data), 100_000)]
    with Conn(port) as conn:
        resp = conn.request("POST", "/count", chunked(*parts), [("Transfer-Encoding", "chunked")])
        result = _json(resp)
        assert result["bytes"] == len(data)
        assert result["sha256"] == hashlib.sha256(data).hexdigest()


def test_expect_100_continue(port: int) -> None:
    body = b'{"name": "cup", "price": 2.0}'
    with Conn(port) as conn:
        conn.send(
            b"POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body)
        )
        interim = conn.read_response()
        assert interim.status == 100
        assert interim.body == b""
        conn.send(body)
        resp = conn.read_response()
        assert resp.status == 200
        assert _json(resp) == {"name": "cup", "price": 2.0, "tags": []}
        assert conn.request("GET", "/hello").status == 200


def test_expect_100_continue_with_chunked_body(port: int) -> None:
    with Conn(port) as conn:
        conn.send(
            b"POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        assert conn.read_response().status == 100
        conn.send(chunked(b"abc", b"def"))
        resp = conn.read_response()
        assert (resp.status, resp.body) == (200, b"abcdef")


def test_expect_100_continue_sent_with_the_body_already(port: int) -> None:
    """A client that does not wait for 100 gets (at most) one interim answer and the response."""
    with Conn(port) as conn:
        conn.send(build("POST", "/echo", b"eager", [("Expect", "100-continue")]))
        resp = conn.read_response()
        if resp.status == 100:
            resp = conn.read_response()
        assert (resp.status, resp.body) == (200, b"eager")
        assert conn.request("GET", "/hello").status == 200


# -- responses ------------------------------------------------------------------------------


def test_head_has_headers_but_no_body(port: int) -> None:
    get = request(port, "GET", "/hello")
    with Conn(port) as conn:
        for _ in range(2):
            resp = conn.request("HEAD", "/hello")
            assert resp.status == 200
            assert resp.header("content-length") == str(len(get.body))
            assert resp.header("content-type") == get.header("content-type")
        # NOTE: any body bytes after a HEAD answer would be read as this response's head.
        resp = conn.request("GET", "/items/5")
        assert _json(resp) == {"id": 5, "q": ""}


def test_head_on_streamed_and_file_responses(port: int, app_file: tuple[str, bytes]) -> None:
    with Conn(port) as conn:
        resp = conn.request("HEAD", "/file")
        assert resp.status == 200
        assert resp.header("content-length") == str(len(app_file[1]))
        resp = conn.request("HEAD", "/stream")
        assert resp.status == 200
        resp = conn.request("HEAD", "/big?size=1000000")
        assert resp.header("content-length") == "1000000"
        assert _json(conn.request("GET", "/items/9")) == {"id": 9, "q": ""}


def test_date_header_is_an_imf_fixdate(port: int) -> None:
    resp = request(port, "GET", "/hello")
    date = resp.header("date")
    assert date is not None and IMF_FIXDATE.match(date), date
    sent = email.utils.parsedate_to_datetime(date).timestamp()
    assert abs(sent - time.time()) < 3


def test_date_header_follows_the_clock(port: int) -> None:
    with Conn(port) as conn:
        first = conn.request("GET", "/hello").header("date")
        time.sleep(1.1)
        second = conn.request("GET", "/hello").header("date")
    assert first != second


def test_no_server_header_by_default(port: int) -> None:
    assert request(port, "GET", "/hello").header_all("server") == []


def test_server_and_date_headers_as_configured(protocol_impl: ModuleType) -> None:
    with run_server(protocol_impl, server_header="fastcore-test", date_header=False) as port:
        resp = request(port, "GET", "/hello")
        assert resp.header_all("server") == ["fastcore-test"]
        assert resp.header_all("date") == []
        resp = request(port, "GET", "/boom")
        assert resp.status == 500
        assert resp.header_all("server") == ["fastcore-test"]


def test_streaming_response_is_chunked_and_complete(port: int) -> None:
    with Conn(port) as conn:
        resp = conn.request("GET", "/stream?n=50")
        assert resp.status == 200
        assert resp.chunked
        assert resp.header("content-length") is None
        assert resp.body == b"".join(f"chunk-{i}\n".encode() for i in range(50))
        resp = conn.request("GET", "/stream-empty")
        assert (resp.status, resp.body) == (200, b"")
        assert _json(conn.request("GET", "/items/3")) == {"id": 3, "q": ""}


def test_streaming_response_to_http10_client(port: int) -> None:
    """HTTP/1.0 has no chunked coding: the body ends when the connection does."""
    with Conn(port) as conn:
        conn.send(b"GET /stream?n=5 HTTP/1.0\r\n\r\n")
        resp = conn.read_final()
        assert resp.status == 200
        assert not resp.chunked
        assert resp.body == b"".join(f"chunk-{i}\n".encode() for i in range(5))


def test_file_response_bytes_equal_the_file(port: int, app_file: tuple[str, bytes]) -> None:
    with Conn(port) as conn:
        for _ in range(2):
            resp = conn.request("GET", "/file")
            assert resp.status == 200
            assert resp.header("content-length") == str(len(app_file[1]))
            assert resp.body == app_file[1]


# -- failures -------------------------------------------------------------------------------


def test_handler_exception_is_500_and_the_connection_lives_on(port: int) -> None:
    with Conn(port) as conn:
        for path in ("/boom", "/boom-sync"):
            resp = conn.request("GET", path)
            assert resp.status == 500
            assert b"handler failure" not in resp.body  # NOTE: no internals to the client
            assert _json(conn.request("GET", "/hello")) == {"hello": "world"}
        resp = conn.request("GET", "/teapot")
        assert (resp.status, resp.header("x-tea")) == (418, "earl grey")
        assert _json(resp) == {"detail": "short and stout"}
        assert conn.request("GET", "/hello").status == 200


def test_pipelined_requests_around_a_failing_handler(port: int) -> None:
    with Conn(port) as conn:
        conn.send(build("GET", "/items/1") + build("GET", "/boom") + build("GET", "/items/2"))
        assert conn.read_final().status == 200
        assert conn.read_final().status == 500
        assert _json(conn.read_final()) == {"id": 2, "q": ""}


def test_crlf_in_a_response_header_is_500_not_a_split_response(port: int) -> None:
    for path in ("/crlf-value", "/lf-value", "/crlf-name", "/crlf-stream"):
        with Conn(port) as conn:
            conn.send(build("GET", path))
            resp = conn.read_final()
            assert resp.status == 500, (path, resp.raw_head)
            assert resp.header_all("x-injected") == [], path
            assert b"x-injected" not in resp.raw_head.lower(), path
            assert b"split?" not in resp.body and b"never" not in resp.body, path
            if (resp.header("connection") or "").lower() == "close":
                conn.assert_closed()
            else:
                assert _json(conn.request("GET", "/items/4")) == {"id": 4, "q": ""}
                assert conn.buf == b"", path


def test_client_disconnecting_mid_body_does_not_break_the_server(port: int) -> None:
    heads = [
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n",
        b"POST /count HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n",
        b"POST /count HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"POST /items HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n",
    ]
    for head in heads:
        for sent in (0, 1, 70_000):
            conn = Conn(port)
            body = b"ffff\r\n" + b"z" * sent if b"chunked" in head else b"z" * sent
            conn.send(head + body)
            time.sleep(0.02)
            conn.close()
    _served(port)


def test_client_leaving_during_a_slow_handler_and_a_large_response(port: int) -> None:
    conn = Conn(port)
    conn.send(build("GET", "/slow?delay=0.2"))
    conn.close()
    conn = Conn(port)
    conn.send(build("GET", "/big-stream?size=20000000"))
    conn.sock.recv(1000)
    conn.close()
    conn = Conn(port)
    conn.send(build("GET", "/big?size=20000000"))
    conn.sock.recv(1000)
    conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    conn.close()  # NOTE: SO_LINGER 0: a reset instead of a FIN
    time.sleep(0.3)
    _served(port)


def test_large_response_to_a_slow_reader_arrives_intact(port: int) -> None:
    size = 4 * 1024 * 1024
    for path in (f"/big?size={size}", f"/big-stream?size={size}"):
        conn = Conn(port)
        conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)
        with conn:
            conn.send(build("GET", path))
            # NOTE: while this client is not reading, the server must go on serving others.
            time.sleep(0.3)
            _served(port)
            conn.recv_size, conn.read_delay = 32 * 1024, 0.002
            resp = conn.read_final()
            conn.recv_size, conn.read_delay = 1 << 20, 0.0
            assert resp.status == 200
            assert len(resp.body) == size
            assert resp.body == pattern(size)
            assert conn.request("GET", "/hello").status == 200


def test_many_connections_at_once(port: int) -> None:
    conns = [Conn(port) for _ in range(50)]
    try:
        for i, conn in enumerate(conns):
            conn.send(build("GET", f"/items/{i}"))
        for i, conn in enumerate(conns):
            assert _json(conn.read_final()) == {"id": i, "q": ""}
    finally:
        for conn in conns:
            conn.close()


def test_error_statuses_keep_the_connection(port: int) -> None:
    with Conn(port) as conn:
        resp = conn.request("GET", "/nowhere")
        assert (resp.status, _json(resp)) == (404, {"detail": "Not Found"})
        resp = conn.request("DELETE", "/hello")
        assert resp.status == 405
        resp = conn.request("GET", "/items/abc")
        assert resp.status == 422
        resp = conn.request("POST", "/items", b"{not json", [("Content-Type", "application/json")])
        assert resp.status == 422
        assert conn.request("GET", "/hello").status == 200


def test_stream_failing_midway_is_cut_short_not_completed(port: int) -> None:
    """Once the head is out a 500 is impossible: the client must see an incomplete body."""
    with Conn(port) as conn:
        conn.send(build("GET", "/stream-fail"))
        version, status, _, headers, _ = conn.read_head()
        assert status == 200
        assert ("transfer-encoding", "chunked") in headers
        rest = conn.read_until_close(2.0)
        assert b"first\n" in rest
        assert not rest.endswith(b"0\r\n\r\n"), "a failed stream must not look complete"
    _served(port)


def test_stream_failing_before_its_first_chunk(port: int) -> None:
    with Conn(port) as conn:
        conn.send(build("GET", "/stream-fail-first"))
        version, status, _, headers, _ = conn.read_head()
        if status == 200:  # NOTE: the head went out before the generator ran
            rest = conn.read_until_close(2.0)
            assert not rest.endswith(b"0\r\n\r\n"), "a failed stream must not look complete"
        else:
            assert status == 500
    _served(port)


def test_request_body_flow_control(protocol_impl: ModuleType) -> None:
    """While the handler does not read, the server stops reading: the client's send stalls."""
    size = 100 * 1024 * 1024
    with run_server(protocol_impl, limit_body_size=2 * size) as port:
        conn = Conn(port)
        conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 256 * 1024)
        with conn:
            conn.send(b"POST /slow-count?delay=1.0 HTTP/1.1\r\nHost: x\r\n")
            conn.send(b"Content-Length: %d\r\n\r\n" % size)
            block = b"f" * (1024 * 1024)
            accepted = 0
            conn.sock.setblocking(False)
            deadline = time.monotonic() + 0.7
            while accepted < size and time.monotonic() < deadline:
                try:
                    accepted += conn.sock.send(block[: min(len(block), size - accepted)])
                except BlockingIOError:
                    time.sleep(0.005)
            conn.sock.setblocking(True)
            conn.sock.settimeout(conn.timeout)
            # NOTE: kernel buffers on loopback take some tens of MB at most; the rest must wait.
            assert accepted < 60 * 1024 * 1024, f"{accepted} bytes taken while nobody read"
            while accepted < size:
                chunk = block[: min(len(block), size - accepted)]
                conn.send(chunk)
                accepted += len(chunk)
            resp = conn.read_final()
            assert _json(resp) == {"bytes": size}
