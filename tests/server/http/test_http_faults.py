"""Faults an attack run found in fastcore's server (issue 14, items 1-5), over real sockets.

Each test is the attack or the valid traffic that went wrong, and asserts what a client must
see instead: bounded memory under a pipeline nobody reads, no 431 for a valid pipeline, a
keep-alive deadline judged on when the bytes arrived, a minimum body rate, and errors that
reach the client instead of being lost to a reset.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from types import ModuleType

import pytest

from fastcore._accel import is_compiled
from tests.support.rawhttp import Conn, build
from tests.support.server_thread import ServerThread, run_server

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

#: A worker serving the integration app in its own process (its RSS is its own), port printed.
_WORKER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[1])
    from tests.support.http_app import build_app
    from fastcore.server.config import ServerConfig
    from fastcore.server.server import Server
    from fastcore.server.sockets import bind_socket

    config = ServerConfig(host="127.0.0.1", port=0, timeout_graceful=1.0)
    sock = bind_socket(config)
    print(sock.getsockname()[1], flush=True)
    raise SystemExit(Server(build_app("/dev/null"), config).run([sock]))
    """
)


@contextlib.contextmanager
def worker_process(impl: ModuleType) -> Iterator[tuple[int, int]]:
    """The server in a child process with ``impl``'s build; yields (pid, port)."""
    env = dict(os.environ)
    env.pop("FASTCORE_NO_EXTENSIONS", None)
    env.pop("FASTCORE_REQUIRE_EXTENSIONS", None)
    if is_compiled(impl):
        env["FASTCORE_REQUIRE_EXTENSIONS"] = "1"
    else:
        env["FASTCORE_NO_EXTENSIONS"] = "1"
    proc = subprocess.Popen(
        [sys.executable, "-c", _WORKER, ROOT],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        deadline = time.monotonic() + 10
        while True:
            try:
                with Conn(port, timeout=2) as conn:
                    assert conn.request("GET", "/hello").status == 200
                break
            except OSError:
                assert time.monotonic() < deadline, "the worker did not start"
                time.sleep(0.05)
        yield proc.pid, port
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def rss_mib(pid: int) -> float:
    """The process's resident set size, from /proc."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc status")


def read_all(sock: socket.socket, within: float) -> tuple[bytes, str]:
    """Everything until the server ends the stream: the bytes, and "eof" or "reset"."""
    data = bytearray()
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        sock.settimeout(max(deadline - time.monotonic(), 0.01))
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return bytes(data), "reset"
        except TimeoutError:
            break
        if not chunk:
            return bytes(data), "eof"
        data += chunk
    return bytes(data), "open"


# -- 1. a pipeline nobody reads ---------------------------------------------------------


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="RSS is read from /proc")
@pytest.mark.parametrize("path", ["/blob?kb=64", "/blob-json?kb=64"], ids=["response", "lane"])
def test_pipeline_nobody_reads_keeps_memory_bounded(protocol_impl: ModuleType, path: str) -> None:
    """8000 pipelined requests for 64 KiB each on a connection that never reads: the server
    stops reading once its write buffer is full, so one worker stays under 64 MiB, and the
    memory goes back when the client leaves."""
    attack = f"GET {path} HTTP/1.1\r\nHost: a\r\n\r\n".encode() * 8000
    with worker_process(protocol_impl) as (pid, port):
        before = rss_mib(pid)
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        peak = before
        try:
            sock.settimeout(0.05)
            sent = 0
            deadline = time.monotonic() + 4.0
            while time.monotonic() < deadline and peak < 64:
                if sent < len(attack):
                    with contextlib.suppress(TimeoutError, BlockingIOError):
                        sent += sock.send(attack[sent : sent + 65536])
                else:
                    time.sleep(0.05)
                peak = max(peak, rss_mib(pid))
            assert peak < 64, f"worker RSS reached {peak:.1f} MiB (started at {before:.1f})"
        finally:
            sock.close()
        deadline = time.monotonic() + 5.0
        while rss_mib(pid) > before + 16 and time.monotonic() < deadline:
            time.sleep(0.1)
        after = rss_mib(pid)
        assert after <= before + 16, f"{after:.1f} MiB held after the client left ({before:.1f})"
        with Conn(port) as conn:
            assert conn.request("GET", "/hello").status == 200


def test_pipelined_responses_are_all_delivered_to_a_late_reader(port: int) -> None:
    """Flow control pauses the pipeline, it does not drop it: a client that reads late gets
    every answer, in order."""
    with Conn(port) as conn:
        conn.send(b"".join(build("GET", f"/blob?kb={16 + i % 3}") for i in range(60)))
        time.sleep(0.5)
        for i in range(60):
            resp = conn.read_final()
            assert (resp.status, len(resp.body)) == (200, (16 + i % 3) * 1024), i
        assert conn.request("GET", "/hello").status == 200


# -- 2. head size per message -------------------------------------------------------------


def test_200_pipelined_450_byte_heads_in_one_write_are_all_served(port: int) -> None:
    head = build("GET", "/items/7", headers=[("X-Pad", "p" * 400)])
    assert 440 <= len(head) <= 470
    with Conn(port) as conn:
        conn.send(head * 200)
        statuses = [conn.read_final().status for _ in range(200)]
        assert statuses == [200] * 200
        assert conn.request("GET", "/hello").status == 200


# -- 3. keep-alive deadline judged on arrival ------------------------------------------------


def test_keep_alive_request_sent_in_time_is_served_after_a_loop_stall(
    protocol_impl: ModuleType,
) -> None:
    """The client sends its next request 4 s after its last answer (timeout 5 s) while a
    handler blocks the loop for 2 s; when the loop wakes, the request that arrived in time is
    served, not reset."""
    with (
        run_server(protocol_impl, timeout_keep_alive=5.0) as port,
        Conn(port, timeout=10) as client,
        Conn(port, timeout=10) as staller,
    ):
        assert client.request("GET", "/hello").status == 200
        answered = time.monotonic()
        time.sleep(3.5)
        staller.send(build("GET", "/block?seconds=2"))
        time.sleep(4.0 - (time.monotonic() - answered))
        client.send(build("GET", "/items/9"))
        resp = client.read_final()
        assert (resp.status, resp.body) == (200, b'{"id":9,"q":""}')
        assert staller.read_final().status == 200


# -- 4. body deadline ---------------------------------------------------------------------


def test_body_trickled_below_the_minimum_rate_is_408(protocol_impl: ModuleType) -> None:
    """One byte every 0.4 s never trips the 0.5 s inactivity timeout; the minimum rate does."""
    with run_server(protocol_impl, timeout_body=0.5, limit_body_rate=100) as port:
        with Conn(port) as conn:
            conn.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
            start = time.monotonic()
            while conn.is_open(wait=0.4) and not conn.buf and time.monotonic() - start < 6:
                with contextlib.suppress(OSError):
                    conn.send(b"x")
            assert time.monotonic() - start < 4, "the trickled upload was still open"
            resp = conn.read_final()
            assert resp.status == 408, resp
            conn.assert_closed()
        with Conn(port) as conn:
            assert conn.request("POST", "/echo", b"a" * 5000).body == b"a" * 5000


def test_body_at_a_steady_rate_above_the_minimum_is_served(protocol_impl: ModuleType) -> None:
    with (
        run_server(protocol_impl, timeout_body=0.5, limit_body_rate=100) as port,
        Conn(port) as conn,
    ):
        conn.send(b"POST /count HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n")
        for _ in range(10):
            conn.send(b"y" * 200)
            time.sleep(0.15)
        resp = conn.read_final()
        assert resp.status == 200
        assert b'"bytes":2000' in resp.body


# -- 5. lingering close ---------------------------------------------------------------------


#: A large answer the client reads only later: the refusal queues behind it, as on a slow link.
_BEFORE = b"GET /blob?kb=1024 HTTP/1.1\r\nHost: x\r\n\r\n"


def _slow_reader(port: int) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    sock.connect(("127.0.0.1", port))
    return sock


def _send_while_refused(sock: socket.socket, head: bytes, piece: bytes, seconds: float) -> None:
    """Send ``head`` then ``piece`` repeatedly for ``seconds``, as a client that does not look
    for an answer before it has sent everything."""
    sock.sendall(head)
    sock.settimeout(0.2)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            sock.send(piece)
        except TimeoutError:
            continue
        except OSError:
            return


def _refused_after_the_blob(data: bytes, status: int) -> None:
    blob = b"b" * (1024 * 1024)
    assert data.startswith(b"HTTP/1.1 200 "), data[:200]
    at = data.find(blob)
    assert at > 0, f"the first answer was cut short: {len(data)} bytes"
    rest = data[at + len(blob) :]
    assert rest.startswith(b"HTTP/1.1 %d " % status), rest[:200]
    assert b"connection: close" in rest.lower()


@pytest.mark.parametrize(
    ("head", "piece", "status"),
    [
        (b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n\r\n", b"z" * 65536, 413),
        (b"GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: ", b"v" * 65536, 431),
    ],
    ids=["413-mid-body", "431-mid-header"],
)
def test_refusal_while_the_client_is_still_sending_reaches_the_client(
    protocol_impl: ModuleType, head: bytes, piece: bytes, status: int
) -> None:
    """nginx's lingering close: the server shuts its write side and drains what the client
    still sends, so the kernel does not answer with a reset that discards the 4xx."""
    with run_server(protocol_impl, limit_body_size=100_000) as port:
        sock = _slow_reader(port)
        try:
            _send_while_refused(sock, _BEFORE + head, piece, 1.0)
            data, end = read_all(sock, 5.0)
        finally:
            sock.close()
        _refused_after_the_blob(data, status)
        assert end == "eof", end


def test_form_over_its_limits_while_the_client_is_still_sending(
    protocol_impl: ModuleType,
) -> None:
    """The app refuses a multipart part over its size limit (400) before the body has all
    arrived; the connection must close, and the client still reads the 400."""
    with run_server(protocol_impl, limit_body_size=100_000_000) as port:
        sock = _slow_reader(port)
        try:
            head = (
                b"POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n"
                b"Content-Type: multipart/form-data; boundary=B\r\n\r\n"
                b'--B\r\nContent-Disposition: form-data; name="a"\r\n\r\n'
            )
            _send_while_refused(sock, _BEFORE + head, b"f" * 65536, 1.0)
            data, end = read_all(sock, 5.0)
        finally:
            sock.close()
        _refused_after_the_blob(data, 400)
        assert end == "eof", end


def test_stop_answers_a_request_already_arriving_then_closes(protocol_impl: ModuleType) -> None:
    runner = ServerThread(protocol_impl, timeout_graceful=3.0)
    port = runner.start()
    stopper = threading.Thread(target=runner.stop)
    try:
        with Conn(port) as idle, Conn(port) as arriving:
            assert idle.request("GET", "/hello").status == 200
            arriving.send(b"GET /items/3 HTTP/1.1\r\nHost: x\r\n")
            time.sleep(0.2)
            stopper.start()
            time.sleep(0.3)
            arriving.send(b"\r\n")
            resp = arriving.read_final()
            assert (resp.status, resp.body) == (200, b'{"id":3,"q":""}')
            assert resp.header("connection") == "close"
            assert read_all(arriving.sock, 3.0)[1] == "eof"
            assert read_all(idle.sock, 3.0) == (b"", "eof")
    finally:
        if stopper.is_alive() or not stopper.ident:
            runner.stop()
        stopper.join(5)
    runner.check()
