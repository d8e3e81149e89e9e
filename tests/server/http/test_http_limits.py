"""Limits and timeouts of fastcore's server over real sockets, with small settings to stay fast.

Every limit answers with its status and closes the connection; every timeout closes the
connection within its setting plus the sweep's granularity; a request that keeps within them is
served, including by a handler slower than every timeout.
"""

import threading
import time
from collections.abc import Iterator
from types import ModuleType

import pytest

from tests.support.rawhttp import Conn, build, chunked, request
from tests.support.server_thread import ServerThread, run_server

LIMITS = {
    "limit_request_line": 1024,
    "limit_header_line": 1024,
    "limit_header_count": 20,
    "limit_head_size": 4096,
    "limit_body_size": 100_000,
    "timeout_head": 0.5,
    "timeout_body": 0.5,
    "timeout_keep_alive": 0.5,
    # NOTE: the minimum body rate has its own tests (test_http_faults.py); here it stays out
    # of the way of the inactivity timeout's.
    "limit_body_rate": 1,
}
#: How late a timeout may fire: the sweep runs four times a second, plus scheduling slack.
SLACK = 1.0


@pytest.fixture(scope="module")
def port(protocol_impl: ModuleType) -> Iterator[int]:
    with run_server(protocol_impl, **LIMITS) as port:
        yield port


def _served(port: int) -> None:
    assert request(port, "GET", "/hello").status == 200


def _rejected(conn: Conn, status: int) -> None:
    """The next response is ``status`` and then the connection closes."""
    resp = conn.read_final()
    assert resp.status == status, resp
    conn.assert_closed()


def _wait_closed(conn: Conn, within: float) -> tuple[float, bytes]:
    """Seconds until the server closed the connection, and what it sent before."""
    start = time.monotonic()
    rest = conn.read_until_close(within)
    return time.monotonic() - start, rest


def _send_until_answered(conn: Conn, pieces: Iterator[bytes]) -> None:
    """Send ``pieces`` until the server answers or closes (it may stop reading, or reset)."""
    for piece in pieces:
        try:
            conn.send(piece)
        except (BrokenPipeError, ConnectionResetError):
            return
        if not conn.is_open(wait=0.01) or conn.buf:
            return


# -- sizes ----------------------------------------------------------------------------------


def test_request_line_within_the_limit_is_served(port: int) -> None:
    path = "/hello?pad=" + "a" * (LIMITS["limit_request_line"] - 40)
    assert request(port, "GET", path).status == 200


def test_long_request_line_is_414(port: int) -> None:
    with Conn(port) as conn:
        conn.send(build("GET", "/hello?pad=" + "a" * LIMITS["limit_request_line"]))
        _rejected(conn, 414)
    _served(port)


def test_long_request_line_is_414_before_its_end(port: int) -> None:
    """The line is refused once it is too long: the server does not wait for its CRLF."""
    with Conn(port) as conn:
        conn.send(b"GET /" + b"a" * (LIMITS["limit_request_line"] + 100))
        _rejected(conn, 414)


def test_long_header_line_is_431(port: int) -> None:
    with Conn(port) as conn:
        conn.send(build("GET", "/hello", headers=[("X-Long", "v" * LIMITS["limit_header_line"])]))
        _rejected(conn, 431)
    _served(port)


def test_long_header_name_is_431(port: int) -> None:
    with Conn(port) as conn:
        conn.send(build("GET", "/hello", headers=[("X-" + "n" * LIMITS["limit_header_line"], "v")]))
        _rejected(conn, 431)


def test_header_count_at_the_limit_is_served(port: int) -> None:
    headers = [(f"X-H{i}", "v") for i in range(LIMITS["limit_header_count"] - 1)]
    with Conn(port) as conn:
        assert conn.request("GET", "/hello", headers=headers).status == 200  # + Host


def test_too_many_headers_is_431(port: int) -> None:
    headers = [(f"X-H{i}", "v") for i in range(LIMITS["limit_header_count"] + 1)]
    with Conn(port) as conn:
        conn.send(build("GET", "/hello", headers=headers))
        _rejected(conn, 431)
    _served(port)


def test_many_empty_headers_count_too(port: int) -> None:
    headers = [("X-Empty", "") for _ in range(LIMITS["limit_header_count"] + 1)]
    with Conn(port) as conn:
        conn.send(build("GET", "/hello", headers=headers))
        _rejected(conn, 431)


def test_too_large_head_is_431(port: int) -> None:
    line = LIMITS["limit_header_line"] - 100
    headers = [(f"X-H{i}", "v" * line) for i in range(LIMITS["limit_head_size"] // line + 1)]
    with Conn(port) as conn:
        conn.send(build("GET", "/hello", headers=headers))
        _rejected(conn, 431)
    _served(port)


def test_default_limits_apply_without_settings(protocol_impl: ModuleType) -> None:
    with run_server(protocol_impl) as port:
        assert request(port, "GET", "/hello?pad=" + "a" * 5000).status == 200
        with Conn(port) as conn:
            conn.send(build("GET", "/hello?pad=" + "a" * 9000))
            _rejected(conn, 414)
        with Conn(port) as conn:
            conn.send(build("GET", "/hello", headers=[(f"X-H{i}", "v") for i in range(101)]))
            _rejected(conn, 431)


# -- body size ------------------------------------------------------------------------------


def test_body_at_the_limit_is_served(port: int) -> None:
    body = b"b" * LIMITS["limit_body_size"]
    with Conn(port) as conn:
        assert conn.request("POST", "/echo", body).body == body
        resp = conn.request("POST", "/echo", chunked(body), [("Transfer-Encoding", "chunked")])
        assert resp.body == body


def test_announced_content_length_over_the_limit_is_413_without_the_body(port: int) -> None:
    with Conn(port) as conn:
        conn.send(
            b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
            % (LIMITS["limit_body_size"] + 1)
        )
        _rejected(conn, 413)  # NOTE: not one byte of the body was sent
    _served(port)


def test_huge_content_length_is_413(port: int) -> None:
    with Conn(port) as conn:
        conn.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n")
        _rejected(conn, 413)


def test_content_length_over_the_limit_for_a_handler_that_ignores_the_body(port: int) -> None:
    with Conn(port) as conn:
        conn.send(
            b"POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
            % (LIMITS["limit_body_size"] * 10)
        )
        _rejected(conn, 413)


def test_413_comes_before_100_continue(port: int) -> None:
    with Conn(port) as conn:
        conn.send(
            b"POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
            b"Content-Length: %d\r\n\r\n" % (LIMITS["limit_body_size"] + 1)
        )
        resp = conn.read_response()
        assert resp.status == 413, "a 100 Continue invites a body the server will refuse"
        conn.assert_closed()


def test_chunked_body_growing_past_the_limit_is_413(port: int) -> None:
    with Conn(port) as conn:
        conn.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        _send_until_answered(conn, (chunked(b"c" * 8192)[:-5] for _ in range(40)))
        _rejected(conn, 413)
    _served(port)


def test_chunked_body_to_a_streaming_handler_past_the_limit_is_413(port: int) -> None:
    with Conn(port) as conn:
        conn.send(b"POST /count HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        _send_until_answered(conn, (chunked(b"c" * 8192)[:-5] for _ in range(40)))
        _rejected(conn, 413)


def test_one_chunk_announced_over_the_limit_is_413(port: int) -> None:
    with Conn(port) as conn:
        conn.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFF\r\n")
        _send_until_answered(conn, (b"d" * 8192 for _ in range(40)))
        _rejected(conn, 413)


# -- timeouts -------------------------------------------------------------------------------


def test_head_deadline_cannot_be_extended_by_trickling(port: int) -> None:
    with Conn(port) as conn:
        start = time.monotonic()
        conn.send(b"GET /hello HTTP/1.1\r\n")
        trickle = b"X-Slow: " + b"s" * 200
        for byte in trickle:
            try:
                conn.send(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                break
            if not conn.is_open(wait=0.1):
                break
            assert time.monotonic() - start < LIMITS["timeout_head"] + SLACK, "still open"
        rest = conn.read_until_close(SLACK)
        elapsed = time.monotonic() - start
        assert elapsed < LIMITS["timeout_head"] + SLACK
        assert rest == b"" or rest.startswith(b"HTTP/1.1 408 "), rest
    _served(port)


def test_silent_connection_is_closed(port: int) -> None:
    with Conn(port) as conn:
        elapsed, rest = _wait_closed(
            conn, max(LIMITS["timeout_head"], LIMITS["timeout_keep_alive"]) + SLACK
        )
        assert rest == b"" or rest.startswith(b"HTTP/1.1 408 "), rest
        assert elapsed > 0.3


def test_partial_head_then_silence_is_closed(port: int) -> None:
    with Conn(port) as conn:
        conn.send(b"GET /hello HTTP/1.1\r\nHost: x\r\n")
        elapsed, rest = _wait_closed(conn, LIMITS["timeout_head"] + SLACK)
        assert rest == b"" or rest.startswith(b"HTTP/1.1 408 "), rest


def test_body_inactivity_timeout(port: int) -> None:
    with Conn(port) as conn:
        conn.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + b"e" * 10)
        elapsed, rest = _wait_closed(conn, LIMITS["timeout_body"] + SLACK)
        assert rest == b"" or rest.startswith(b"HTTP/1.1 408 "), rest
        assert elapsed > 0.3
    _served(port)


def test_chunked_body_inactivity_timeout(port: int) -> None:
    with Conn(port) as conn:
        conn.send(
            b"POST /count HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"
        )
        elapsed, rest = _wait_closed(conn, LIMITS["timeout_body"] + SLACK)
        assert rest == b"" or rest.startswith(b"HTTP/1.1 408 "), rest


def test_body_trickling_within_the_inactivity_timeout_is_served(port: int) -> None:
    """An inactivity timeout, not a deadline: a body taking longer than it in total is fine."""
    with Conn(port) as conn:
        conn.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n")
        for _ in range(10):
            time.sleep(0.12)
            conn.send(b"t")
        resp = conn.read_final()
        assert (resp.status, resp.body) == (200, b"t" * 10)


def test_keep_alive_idle_timeout(port: int) -> None:
    with Conn(port) as conn:
        assert conn.request("GET", "/hello").status == 200
        assert conn.is_open(wait=0.2)
        elapsed, rest = _wait_closed(conn, LIMITS["timeout_keep_alive"] + SLACK)
        assert rest == b""  # NOTE: an idle connection is closed without a word (no 408)


def test_keep_alive_timeout_restarts_with_each_request(port: int) -> None:
    with Conn(port) as conn:
        for _ in range(3):
            assert conn.request("GET", "/hello").status == 200
            time.sleep(0.3)
        assert conn.request("GET", "/hello").status == 200


def test_slow_handler_is_not_cut_by_the_timeouts(port: int) -> None:
    with Conn(port) as conn:
        resp = conn.request("GET", "/slow?delay=1.0")
        assert resp.status == 200
        assert conn.request("GET", "/hello").status == 200


def test_slow_reader_of_a_large_response_is_not_cut_by_the_timeouts(port: int) -> None:
    size = 4 * 1024 * 1024
    with Conn(port) as conn:
        conn.send(build("GET", f"/big?size={size}"))
        time.sleep(1.0)  # NOTE: longer than every timeout, with the response stalled
        resp = conn.read_final()
        assert len(resp.body) == size


# -- connections ----------------------------------------------------------------------------


def test_connection_limit_answers_503_past_it(protocol_impl: ModuleType) -> None:
    with run_server(protocol_impl, limit_connections=3) as port:
        time.sleep(0.1)  # NOTE: the readiness probe's connection is gone by now
        conns = [Conn(port) for _ in range(3)]
        try:
            for conn in conns:
                assert conn.request("GET", "/hello").status == 200
            with Conn(port) as extra:
                extra.send(build("GET", "/hello"))
                _rejected(extra, 503)
            for conn in conns:
                assert conn.request("GET", "/hello").status == 200
            conns.pop().close()
            time.sleep(0.2)
            with Conn(port) as conn:
                assert conn.request("GET", "/hello").status == 200
        finally:
            for conn in conns:
                conn.close()


def test_connection_limit_503_without_a_request(protocol_impl: ModuleType) -> None:
    """The 503 does not wait for the extra client to send anything."""
    with run_server(protocol_impl, limit_connections=1) as port:
        time.sleep(0.1)
        with Conn(port) as first:
            assert first.request("GET", "/hello").status == 200
            with Conn(port) as extra:
                _rejected(extra, 503)
            assert first.request("GET", "/hello").status == 200


# -- graceful stop --------------------------------------------------------------------------


def test_graceful_stop_lets_an_in_flight_request_finish(protocol_impl: ModuleType) -> None:
    runner = ServerThread(protocol_impl, timeout_graceful=3.0)
    port = runner.start()
    try:
        busy = Conn(port)
        idle = Conn(port)
        assert idle.request("GET", "/hello").status == 200
        busy.send(build("GET", "/slow?delay=0.6"))
        time.sleep(0.2)
        stopper = threading.Thread(target=runner.stop)
        stopper.start()
        resp = busy.read_final()
        assert (resp.status, resp.body) == (200, b'{"slept":0.6}')
        busy.assert_closed(2.0)
        idle.assert_closed(2.0)  # NOTE: an idle keep-alive connection is closed on stop
        stopper.join(5)
        with pytest.raises(OSError):
            request(port, "GET", "/hello")  # NOTE: no longer listening
    finally:
        runner.stop()
        busy.close()
        idle.close()
    runner.check()


def test_graceful_stop_gives_up_after_timeout_graceful(protocol_impl: ModuleType) -> None:
    runner = ServerThread(protocol_impl, timeout_graceful=0.5)
    port = runner.start()
    with Conn(port) as conn:
        conn.send(build("GET", "/slow?delay=5"))
        time.sleep(0.1)
        took = runner.stop()
        assert took < 0.5 + SLACK + 0.5
        conn.read_until_close(1.0)
    runner.check()
