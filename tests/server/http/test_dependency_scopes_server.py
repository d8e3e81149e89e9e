"""Yield dependencies' scopes over fastcore's own server, both builds: as FastAPI answers.

The server serves routes with dependencies through ``fastcore/server/dispatch.py`` (not the
ASGI entry): the same app is asked the same things there and on FastAPI's TestClient.
"""

import json
import time
from types import ModuleType

import fastapi
import fastapi.testclient

import fastcore
from tests.compat import apps
from tests.support.rawhttp import request
from tests.support.server_thread import run_server

PATHS = ["/stream/function", "/stream/request", "/stream/default", "/order", "/per-scope"]


def _events(port: int, path: str) -> tuple[tuple[int, str], list[str]]:
    request(port, "DELETE", "/log")
    resp = request(port, "GET", path)
    seen = (resp.status, resp.body.decode())
    # NOTE: a request-scoped dependency exits after the response is written: wait for it.
    deadline = time.monotonic() + 5
    while True:
        events = json.loads(request(port, "GET", "/log").body)
        entered = sum(e.endswith("enter") for e in events)
        if entered == sum(e.endswith("exit") for e in events) or time.monotonic() > deadline:
            return seen, events
        time.sleep(0.01)


def _reference(path: str) -> tuple[tuple[int, str], list[str]]:
    client = fastapi.testclient.TestClient(
        apps.dependency_scopes_app(fastapi), raise_server_exceptions=False
    )
    client.delete("/log")
    resp = client.get(path)
    return (resp.status_code, resp.text), client.get("/log").json()


def test_scopes_and_swallowed_errors_as_fastapi(protocol_impl: ModuleType) -> None:
    with run_server(protocol_impl, apps.dependency_scopes_app(fastcore)) as port:
        for path in [*PATHS, "/swallow/ok", "/swallow/http", "/swallow/internal"]:
            assert _events(port, path) == _reference(path), path
