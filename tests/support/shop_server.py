"""The example app under a real uvicorn on 127.0.0.1, for tests that need real sockets.

One launcher for every such test: the port is picked by the OS, readiness is polled on
``/health``, and the server is stopped by its own PID.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

#: ``python -c SHOP_SERVER [docs_assets_dir]``: prints the port, then serves examples.shop.
SHOP_SERVER = textwrap.dedent(
    """
    import socket, sys
    import uvicorn
    from examples.shop import app

    if len(sys.argv) > 1:
        app.docs_assets_dir = sys.argv[1]
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    config = uvicorn.Config(app, loop="uvloop", http="httptools", log_level="warning")
    uvicorn.Server(config).run(sockets=[sock])
    """
)


def request(
    port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None
) -> tuple[int, dict, bytes]:
    """One request on a fresh connection: status, headers, body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


@contextlib.contextmanager
def shop_server(*args: str) -> Iterator[int]:
    """Run the example app; yields its port once ``/health`` answers."""
    proc = subprocess.Popen(
        [sys.executable, "-c", SHOP_SERVER, *args], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                request(port, "GET", "/health")
                break
            except OSError:
                time.sleep(0.05)
        yield port
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()  # NOTE: else a ResourceWarning at teardown
