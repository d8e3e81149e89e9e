"""docs/websockets.md: the chat endpoint and the parameters example, through the test client
and on fastcore's own server with the ``websockets`` client."""

from __future__ import annotations

import json

import pytest

from docs_src.websockets import chat, parameters
from fastcore import WebSocketDisconnect, status
from fastcore.testclient import TestClient
from tests.support.browser import fastcore_run, serve


def test_chat_broadcasts_to_every_client() -> None:
    client = TestClient(chat.app)
    with client.websocket_connect("/ws/1") as one, client.websocket_connect("/ws/2") as two:
        one.send_text("hi")
        assert (one.receive_text(), two.receive_text()) == ("#1 says: hi", "#1 says: hi")
        two.send_text("yo")
        assert (one.receive_text(), two.receive_text()) == ("#2 says: yo", "#2 says: yo")
    assert chat.clients == []  # each disconnect removed its socket


def test_parameters_and_the_dependency() -> None:
    client = TestClient(parameters.app)
    with client.websocket_connect("/items/foo/ws?token=t&q=3") as ws:
        assert ws.receive_json() == {"item_id": "foo", "credentials": "t", "q": 3}
    client.cookies.set("session", "s")
    with client.websocket_connect("/items/foo/ws") as ws:
        assert ws.receive_json() == {"item_id": "foo", "credentials": "s", "q": None}


def test_no_credentials_is_a_policy_violation() -> None:
    client = TestClient(parameters.app)
    with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect("/items/foo/ws"):
        pass
    assert closed.value.code == status.WS_1008_POLICY_VIOLATION


def test_a_parameter_that_does_not_validate_closes_with_the_errors() -> None:
    client = TestClient(parameters.app)
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        client.websocket_connect("/items/foo/ws?token=t&q=bar"),
    ):
        pass
    assert closed.value.code == status.WS_1008_POLICY_VIOLATION
    assert [error["loc"] for error in closed.value.reason] == [["query", "q"]]


def test_on_fastcore_s_server() -> None:
    client = pytest.importorskip("websockets.sync.client")
    from websockets.exceptions import InvalidStatus

    with serve(*fastcore_run("docs_src.websockets.chat:app")) as port:
        url = f"ws://127.0.0.1:{port}"
        with client.connect(f"{url}/ws/1") as one, client.connect(f"{url}/ws/2") as two:
            one.send("hi")
            assert (one.recv(timeout=5), two.recv(timeout=5)) == ("#1 says: hi",) * 2
    with serve(*fastcore_run("docs_src.websockets.parameters:app")) as port:
        url = f"ws://127.0.0.1:{port}/items/foo/ws"
        with client.connect(f"{url}?token=t&q=3") as ws:
            assert json.loads(ws.recv(timeout=5)) == {"item_id": "foo", "credentials": "t", "q": 3}
        with client.connect(url, additional_headers={"Cookie": "session=s"}) as ws:
            assert json.loads(ws.recv(timeout=5))["credentials"] == "s"
        # Refused before accept(), so a server answers the handshake with 403 (as uvicorn does).
        for refused in (url, f"{url}?token=t&q=bar"):
            with pytest.raises(InvalidStatus) as rejected:
                client.connect(refused)
            assert rejected.value.response.status_code == 403
