"""``client.websocket_connect``: the session Starlette's client gives, on the client's own loop.

Each scenario runs on one app through fastcore's client and Starlette's, and both must see
and answer the same; apps are raw ASGI and Starlette apps (fastcore's own WebSocket routes are
tested with them).
"""

from __future__ import annotations

import asyncio
import threading
import warnings
from collections.abc import Callable
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from fastcore.testclient import TestClient, WebSocketDenialResponse

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient as StarletteClient

CLIENTS = [pytest.param(TestClient, id="fastcore"), pytest.param(StarletteClient, id="starlette")]


def raw_echo(seen: list[Any]) -> Callable[..., Any]:
    """A raw ASGI app: accepts with the first offered subprotocol, echoes until disconnect."""

    async def app(scope: dict, receive: Any, send: Any) -> None:
        assert scope["type"] == "websocket"
        seen.append(scope)
        assert (await receive()) == {"type": "websocket.connect"}
        offered = scope["subprotocols"]
        await send(
            {
                "type": "websocket.accept",
                "subprotocol": offered[0] if offered else None,
                "headers": [(b"x-accepted", b"1")],
            }
        )
        while True:
            message = await receive()
            seen.append(message)
            if message["type"] == "websocket.disconnect":
                return
            if message.get("text") == "close":
                await send({"type": "websocket.close", "code": 4001, "reason": "asked"})
                return
            reply = {"type": "websocket.send"}
            if message.get("text") is not None:
                reply["text"] = "echo:" + message["text"]
            else:
                reply["bytes"] = b"echo:" + message["bytes"]
            await send(reply)

    return app


def _scope_view(scope: dict) -> tuple:
    return (
        scope["path"],
        scope["raw_path"],
        scope["query_string"],
        scope["scheme"],
        list(scope["server"]),
        scope["subprotocols"],
        scope["headers"],
        scope["client"],
    )


@pytest.mark.parametrize("make", CLIENTS)
def test_echo_subprotocol_and_headers_as_starlette(make: Any) -> None:
    seen: list[Any] = []
    client = make(raw_echo(seen))
    with client.websocket_connect(
        "/ws/a%20b?x=1", subprotocols=["chat", "v2"], headers={"X-Token": "t"}
    ) as ws:
        assert ws.accepted_subprotocol == "chat"
        assert ws.extra_headers == [(b"x-accepted", b"1")]
        ws.send_text("hi")
        assert ws.receive_text() == "echo:hi"
        ws.send_bytes(b"\x00\x01")
        assert ws.receive_bytes() == b"echo:\x00\x01"
        ws.send_json({"a": [1, "é"]})
        assert ws.receive_text() == 'echo:{"a":[1,"é"]}'
        ws.send_json({"n": 1}, mode="binary")
        assert ws.receive() == {"type": "websocket.send", "bytes": b'echo:{"n":1}'}
    assert seen[-1] == {"type": "websocket.disconnect", "code": 1000, "reason": None}
    view = _scope_view(seen[0])
    assert view[:6] == ("/ws/a b", b"/ws/a%20b", b"x=1", "ws", ["testserver", 80], ["chat", "v2"])
    assert dict(view[6])[b"x-token"] == b"t"
    assert dict(view[6])[b"sec-websocket-protocol"] == b"chat, v2"


def test_the_app_sees_the_same_handshake_scope_under_both_clients() -> None:
    ours: list[Any] = []
    theirs: list[Any] = []
    for make, seen in ((TestClient, ours), (StarletteClient, theirs)):
        with make(raw_echo(seen)).websocket_connect("/ws?q=1", subprotocols=["p"]) as ws:
            ws.send_text("x")
            ws.receive_text()
    assert _scope_view(ours[0]) == _scope_view(theirs[0])
    assert ours[1:] == theirs[1:]


@pytest.mark.parametrize("make", CLIENTS)
def test_a_close_from_the_app_raises_websocket_disconnect(make: Any) -> None:
    with make(raw_echo([])).websocket_connect("/ws") as ws:
        ws.send_text("close")
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive_text()
    assert (info.value.code, info.value.reason) == (4001, "asked")


@pytest.mark.parametrize("make", CLIENTS)
def test_a_refused_handshake_raises_on_enter(make: Any) -> None:
    async def app(scope: dict, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.close", "code": 1008, "reason": "no token"})

    with pytest.raises(WebSocketDisconnect) as info, make(app).websocket_connect("/"):
        pytest.fail("the handshake was refused")  # pragma: no cover
    assert (info.value.code, info.value.reason) == (1008, "no token")


def test_a_denial_response_is_an_httpx_response() -> None:
    async def app(scope: dict, receive: Any, send: Any) -> None:
        await receive()
        assert "websocket.http.response" in scope["extensions"]
        await send(
            {
                "type": "websocket.http.response.start",
                "status": 403,
                "headers": [(b"content-type", b"text/plain")],
            }
        )
        await send({"type": "websocket.http.response.body", "body": b"go", "more_body": True})
        await send({"type": "websocket.http.response.body", "body": b" away"})

    with pytest.raises(WebSocketDenialResponse) as info, TestClient(app).websocket_connect("/"):
        pytest.fail("denied")  # pragma: no cover
    assert (info.value.status_code, info.value.text) == (403, "go away")
    assert isinstance(info.value, WebSocketDisconnect)


@pytest.mark.parametrize("make", CLIENTS)
def test_an_app_error_reaches_the_test(make: Any) -> None:
    async def before(scope: dict, receive: Any, send: Any) -> None:
        await receive()
        raise ValueError("before accept")

    async def after(scope: dict, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await receive()
        raise ValueError("after accept")

    with pytest.raises(ValueError, match="before accept"), make(before).websocket_connect("/"):
        pass  # pragma: no cover
    with pytest.raises(ValueError, match="after accept"), make(after).websocket_connect("/") as ws:
        ws.send_text("boom")
        with pytest.raises(Exception):  # noqa: B017, PT011 - each client its own way
            ws.receive()


def test_an_app_that_returns_without_closing_is_a_1006_disconnect() -> None:
    async def app(scope: dict, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})

    with TestClient(app).websocket_connect("/") as ws, pytest.raises(WebSocketDisconnect) as info:
        ws.receive_text()
    assert info.value.code == 1006


def _starlette_app(events: list[str]) -> Starlette:
    async def chat(websocket: WebSocket) -> None:
        await websocket.accept(subprotocol="chat")
        name = websocket.query_params.get("name", "anon")
        try:
            while True:
                data = await websocket.receive_json()
                await websocket.send_json({"from": name, "echo": data})
        except WebSocketDisconnect as exc:
            events.append(f"gone {exc.code}")

    async def home(request: Any) -> PlainTextResponse:
        return PlainTextResponse("home")

    from starlette.routing import Route

    return Starlette(routes=[WebSocketRoute("/chat", chat), Route("/", home)])


@pytest.mark.parametrize("make", CLIENTS)
def test_a_starlette_websocket_route(make: Any) -> None:
    events: list[str] = []
    with make(_starlette_app(events)) as client:
        assert client.get("/").text == "home"
        with client.websocket_connect("/chat?name=ann", subprotocols=["chat"]) as ws:
            assert ws.accepted_subprotocol == "chat"
            ws.send_json({"n": 1})
            assert ws.receive_json() == {"from": "ann", "echo": {"n": 1}}
            ws.close(code=1001)
    assert events == ["gone 1001"]


@pytest.mark.parametrize("make", CLIENTS)
def test_an_unknown_websocket_path_is_refused(make: Any) -> None:
    app = _starlette_app([])
    with pytest.raises(WebSocketDisconnect) as info, make(app).websocket_connect("/nowhere"):
        pass  # pragma: no cover
    assert info.value.code == 1000


def test_a_session_stops_an_app_that_never_returns() -> None:
    cancelled: list[bool] = []

    async def app(scope: dict, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        try:
            while True:  # a broadcaster: never reads, never ends by itself
                await send({"type": "websocket.send", "text": "tick"})
                await asyncio.sleep(0.001)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    with TestClient(app).websocket_connect("/") as ws:
        assert [ws.receive_text(), ws.receive_text()] == ["tick", "tick"]
    assert cancelled == [True]


def test_websockets_from_inside_a_running_event_loop() -> None:
    threads: list[str] = []
    seen: list[Any] = []
    echo = raw_echo(seen)

    async def app(scope: dict, receive: Any, send: Any) -> None:
        threads.append(threading.current_thread().name)
        await echo(scope, receive, send)

    async def main() -> str:
        with TestClient(app).websocket_connect("/") as ws:
            ws.send_text("x")
            return ws.receive_text()

    assert asyncio.run(main()) == "echo:x"
    assert threads == ["fastcore-testclient"]


def test_cookies_and_client_headers_go_with_the_handshake() -> None:
    seen: list[Any] = []
    client = TestClient(raw_echo(seen), headers={"x-client": "1"}, cookies={"sid": "abc"})
    with client.websocket_connect("/"):
        pass
    headers = dict(seen[0]["headers"])
    assert headers[b"x-client"] == b"1" and headers[b"cookie"] == b"sid=abc"
    assert headers[b"sec-websocket-key"] == b"testserver==" and headers[b"connection"] == b"upgrade"
