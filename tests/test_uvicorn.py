"""The ASGI entry under a real uvicorn on 127.0.0.1, on a port the OS picks."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

SERVER = textwrap.dedent(
    """
    import socket, sys
    import uvicorn
    from examples.shop import app

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    config = uvicorn.Config(app, loop="uvloop", http="httptools", log_level="warning")
    uvicorn.Server(config).run(sockets=[sock])
    """
)


@pytest.fixture(scope="module")
def server_port() -> int:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER], cwd=root, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                _request(port, "GET", "/health")
                break
            except OSError:
                time.sleep(0.05)
        yield port
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()  # NOTE: else a ResourceWarning at teardown


def _request(
    port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None
) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def test_crud_over_uvicorn(server_port: int) -> None:
    status, _, body = _request(server_port, "GET", "/health")
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    payload = json.dumps({"name": "pen", "price": 1.25}).encode()
    headers = {"content-type": "application/json", "x-api-key": "secret"}
    status, _, body = _request(server_port, "POST", "/items", payload, headers)
    assert status == 201
    item = json.loads(body)
    assert item["name"] == "pen"
    status, _, body = _request(server_port, "GET", f"/items/{item['id']}")
    assert (status, json.loads(body)) == (200, item)


def test_errors_over_uvicorn(server_port: int) -> None:
    status, _, body = _request(server_port, "GET", "/items/abc")
    assert status == 422
    assert json.loads(body)["detail"][0]["type"] == "int_parsing"
    status, _, body = _request(server_port, "POST", "/items", b"{}", {"x-api-key": "nope"})
    assert status == 401
    status, headers, body = _request(server_port, "DELETE", "/health")
    assert status == 405
    assert headers["allow"] == "GET, HEAD"


def test_docs_over_uvicorn(server_port: int) -> None:
    status, _, body = _request(server_port, "GET", "/openapi.json")
    assert status == 200
    assert "/items/{item_id}" in json.loads(body)["paths"]
    status, _, body = _request(server_port, "GET", "/docs")
    assert status == 200
    assert b"swagger" in body.lower()
