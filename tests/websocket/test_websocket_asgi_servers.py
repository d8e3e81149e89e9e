"""The same WebSocket routes through fastcore's ASGI entry under other servers, over real
sockets: uvicorn (websockets), hypercorn (wsproto) and granian (Rust), each in a subprocess
serving ``tests/support/server_apps/ws_app.py``, in both builds (``FASTCORE_NO_EXTENSIONS=1``
for the pure one), talked to by the ``websockets`` client.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest
import websockets.sync.client
from websockets.exceptions import ConnectionClosed

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
APP = "tests.support.server_apps.ws_app:app"

SERVERS = {
    "uvicorn": [
        "-m", "uvicorn", APP, "--port", "{port}", "--ws", "websockets", "--loop", "uvloop",
        "--http", "httptools", "--log-level", "warning",
    ],
    "hypercorn": ["-m", "hypercorn", APP, "--bind", "127.0.0.1:{port}"],
    "granian": [
        "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1", "--port", "{port}",
        "--log-level", "warning", APP,
    ],
}  # fmt: skip
BUILDS = {"compiled": "0", "pure": "1"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def _serve(name: str, build: str) -> Iterator[int]:
    port = _free_port()
    cmd = [sys.executable, *(a.format(port=port) for a in SERVERS[name])]
    env = {**os.environ, "PYTHONPATH": ROOT, "FASTCORE_NO_EXTENSIONS": BUILDS[build]}
    if build == "pure":
        env.pop("FASTCORE_REQUIRE_EXTENSIONS", None)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    served = json.loads(r.read())
                break
            except OSError:
                assert proc.poll() is None, f"{name} exited with {proc.returncode}"
                assert time.monotonic() < deadline, f"{name} did not start"
                time.sleep(0.1)
        assert served == {"compiled": build == "compiled"}
        yield port
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module", params=[(s, b) for s in SERVERS for b in BUILDS],
                ids=[f"{s}-{b}" for s in SERVERS for b in BUILDS])  # fmt: skip
def port(request: pytest.FixtureRequest) -> Iterator[int]:
    name, build = request.param
    if build == "compiled":
        from fastcore._accel import is_compiled
        from fastcore._routing import router_build

        if not is_compiled(router_build):
            pytest.skip("the compiled build is not built")
    with _serve(name, build) as port:
        yield port


def test_echo_text_and_bytes(port: int) -> None:
    with websockets.sync.client.connect(f"ws://127.0.0.1:{port}/echo/ann?times=2") as c:
        c.send("hi")
        assert [c.recv(timeout=5), c.recv(timeout=5)] == ["ann: hi", "ann: hi"]
        c.send(b"\x00\x01")
        assert c.recv(timeout=5) == b"\x00\x01"


def test_close_code_reaches_the_client(port: int) -> None:
    with (
        websockets.sync.client.connect(f"ws://127.0.0.1:{port}/bye") as c,
        pytest.raises(ConnectionClosed) as closed,
    ):
        c.recv(timeout=5)
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4001, "bye")
