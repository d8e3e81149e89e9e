"""Third-party-style Starlette middleware sees the same scope, route and request objects on
FastAPI and on fastcore, through the TestClient and through fastcore's own server."""

from __future__ import annotations

import time
from typing import Any

import fastapi
import fastapi.testclient
import httpx
import pytest

import fastcore
import fastcore.testclient
from tests.compat.middleware_apps import REQUESTS, middleware_app
from tests.support.builds import ids, implementations
from tests.support.server_thread import ServerThread


def _answers(client: Any) -> list[tuple[int, Any, str | None]]:
    out = []
    for method, path, headers in REQUESTS:
        resp = client.request(method, path, headers=headers)
        out.append((resp.status_code, resp.json(), resp.headers.get("x-request-id")))
    return out


@pytest.fixture(scope="module")
def on_fastapi() -> tuple[list, list]:
    app, seen = middleware_app(fastapi)
    with fastapi.testclient.TestClient(app) as client:
        answers = _answers(client)
    return answers, seen


def test_fastapi_reference_is_what_the_middleware_expects(on_fastapi) -> None:
    """The reference itself: the middleware found templates, statuses and a Starlette Request."""
    answers, seen = on_fastapi
    assert answers[0] == (
        200,
        {"item_id": 7, "request_id": "abc", "starlette_request": True},
        "abc",
    )
    assert ("metrics", "POST", "/api/users/{name}", 201) in seen
    assert ("metrics", "GET", None, 404) in seen


def test_testclient_sees_what_fastapi_sees(on_fastapi) -> None:
    app, seen = middleware_app(fastcore)
    with fastcore.testclient.TestClient(app) as client:
        answers = _answers(client)
    assert answers == on_fastapi[0]
    assert seen == on_fastapi[1]


@pytest.mark.parametrize(
    "protocol", implementations("protocol"), ids=ids(implementations("protocol"))
)
def test_own_server_sees_what_fastapi_sees(on_fastapi, protocol) -> None:
    """The same over fastcore's HTTP/1.1 server (its dispatch builds the scope itself)."""
    app, seen = middleware_app(fastcore)

    @app.get("/hello")  # the test server's readiness probe
    async def hello() -> dict:
        return {}

    runner = ServerThread(protocol, app)
    port = runner.start()
    try:
        _settle(seen)
        seen.clear()  # the readiness probe's own records
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            answers = _answers(client)
    finally:
        runner.stop()
    runner.check()
    assert answers == on_fastapi[0]
    # NOTE: over a socket a middleware's record made after the response was sent may land
    # after the next request's first one: the same records, in any order
    assert sorted(seen, key=repr) == sorted(on_fastapi[1], key=repr)


def _settle(seen: list) -> None:
    """Until the middleware stop recording (the probe's last records come after its answer)."""
    count = -1
    while count != len(seen):
        count = len(seen)
        time.sleep(0.2)
