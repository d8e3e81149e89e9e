"""One WebSocket app on FastAPI and on fastcore: a client must see the same conversation.

The app is written once as a function of the framework module. Each case opens the same
connection on both (Starlette's test client, which speaks ASGI ``websocket.*`` messages),
runs the same script of sends and receives, and compares what came back: the messages,
the close code and reason, or the HTTP answer that denied the handshake.
"""

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import fastapi
import fastapi.security
import pytest
from starlette.testclient import TestClient, WebSocketDenialResponse

import fastcore
import fastcore.security
from fastcore.routing import APIWebSocketRoute, iter_route_contexts
from fastcore.websockets import WebSocketDisconnect, WebSocketState


def ws_app(fw: Any) -> tuple[Any, list[str]]:
    """Typed parameters, dependencies (one with yield), security and routers on WebSockets."""
    Depends, Query, Header, Cookie = fw.Depends, fw.Query, fw.Header, fw.Cookie
    WebSocket = fw.WebSocket
    events: list[str] = []
    app = fw.FastAPI()

    async def token(
        websocket: WebSocket,
        session: Annotated[str | None, Cookie()] = None,
        token: Annotated[str | None, Query()] = None,
    ) -> str:
        if session is None and token is None:
            raise fw.WebSocketException(code=1008, reason="no credentials")
        return session or token  # type: ignore[return-value]

    async def resource() -> AsyncIterator[str]:
        events.append("open")
        try:
            yield "db"
        finally:
            events.append("close")

    @app.websocket("/items/{item_id}/ws")
    async def items(
        websocket: WebSocket,
        item_id: int,
        tok: Annotated[str, Depends(token)],
        db: Annotated[str, Depends(resource)],
        q: int | None = None,
        x_agent: Annotated[str | None, Header()] = None,
    ) -> None:
        await websocket.accept()
        while True:
            text = await websocket.receive_text()
            await websocket.send_json(
                {"text": text, "item_id": item_id, "tok": tok, "db": db, "q": q, "agent": x_agent}
            )

    key = fw.security.APIKeyHeader(name="X-Key")

    @app.websocket("/secure")
    async def secure(websocket: WebSocket, k: Annotated[str, Depends(key)]) -> None:
        await websocket.accept(subprotocol="chat", headers=[(b"x-served", b"1")])
        await websocket.send_text(f"key {k} path {websocket.url.path}")
        await websocket.close(code=4001, reason="bye")

    router = fw.APIRouter(prefix="/r", dependencies=[Depends(resource)])

    @router.websocket("/echo/{name}")
    async def echo(websocket: WebSocket, name: str) -> None:
        await websocket.accept()
        async for message in websocket.iter_json():
            await websocket.send_json({"name": name, "got": message})

    app.include_router(router, prefix="/v1")

    @app.websocket("/http-error")
    async def http_error(websocket: WebSocket) -> None:
        raise fw.HTTPException(status_code=403, detail="nope")

    return app, events


def _talk(client: TestClient, path: str, script: Callable[[Any], None], **kw: Any) -> Any:
    """Run ``script`` on a connection; what it returned, or how the connection ended."""
    try:
        with client.websocket_connect(path, **kw) as ws:
            return ("ok", script(ws))
    except WebSocketDenialResponse as exc:  # NOTE: a WebSocketDisconnect too: first
        return ("denied", exc.status_code, exc.json())
    except WebSocketDisconnect as exc:
        return ("closed", exc.code, exc.reason)


def _send_twice(ws: Any) -> list[Any]:
    out = []
    for text in ("one", "two"):
        ws.send_text(text)
        out.append(ws.receive_json())
    return out


def _echo(ws: Any) -> list[Any]:
    ws.send_json({"a": 1})
    first = ws.receive_json()
    ws.send_json([1, 2])
    return [first, ws.receive_json()]


def _secure(ws: Any) -> Any:
    text = ws.receive_text()
    try:
        ws.receive_text()
    except WebSocketDisconnect as exc:
        return [text, ws.accepted_subprotocol, ws.extra_headers, exc.code, exc.reason]
    return [text]


CASES = [
    ("/items/3/ws?token=t&q=5", _send_twice, {"headers": {"x-agent": "pytest"}}),
    ("/items/3/ws", _send_twice, {"cookies": {"session": "s"}}),
    ("/items/3/ws", _send_twice, {}),
    ("/items/x/ws?token=t&q=y", _send_twice, {}),
    ("/secure", _secure, {"headers": {"x-key": "k1"}, "subprotocols": ["chat"]}),
    ("/v1/r/echo/ann", _echo, {}),
    ("/nowhere", _send_twice, {}),
]


@pytest.mark.parametrize(("path", "script", "kw"), CASES, ids=[c[0] for c in CASES])
def test_same_conversation(path: str, script: Callable[[Any], None], kw: dict[str, Any]) -> None:
    results = []
    for fw in (fastapi, fastcore):
        app, _ = ws_app(fw)
        cookies = kw.pop("cookies", None)
        client = TestClient(app, cookies=cookies)
        results.append(_talk(client, path, script, **kw))
        if cookies is not None:
            kw["cookies"] = cookies
    assert results[1] == results[0]


def test_denied_handshake_is_fastapis() -> None:
    """An HTTPException (a missing API key, say) before accept answers the handshake in HTTP."""
    for path in ("/secure", "/http-error"):
        answers = [_talk(TestClient(ws_app(fw)[0]), path, _secure) for fw in (fastapi, fastcore)]
        assert answers[1] == answers[0]
        assert answers[1][0] == "denied"


def test_yield_dependency_closes_after_the_handler() -> None:
    """A ``yield`` dependency's exit runs once the handler ends (here: the client left)."""
    for fw in (fastapi, fastcore):
        app, events = ws_app(fw)
        client = TestClient(app)
        path = "/items/1/ws?token=t"
        with pytest.raises(WebSocketDisconnect), client.websocket_connect(path) as ws:
            ws.send_text("hi")
            ws.receive_json()
            assert events == ["open"]
        assert events == ["open", "close"], fw.__name__


def test_routes_and_urls() -> None:
    app, _ = ws_app(fastcore)
    kinds = {r.path: type(r.route) for r in iter_route_contexts(app.routes)}
    assert kinds["/v1/r/echo/{name}"] is APIWebSocketRoute
    assert app.url_path_for("echo", name="x") == "/v1/r/echo/x"
    assert app.url_path_for("items", item_id=3) == "/items/3/ws"
    assert "/secure" not in app.openapi()["paths"]


@pytest.mark.parametrize("fw", [fastapi, fastcore], ids=["fastapi", "fastcore"])
def test_url_path_for_passes_over_a_websocket_route_whose_params_do_not_fit(fw: Any) -> None:
    """Two routes named alike: the WebSocket one does not fit the params, the HTTP one does."""
    app = fw.FastAPI()

    @app.websocket("/ws/{room}", name="same")
    async def ws(websocket: fw.WebSocket, room: str) -> None:
        await websocket.close()

    @app.get("/items/{item_id}", name="same")
    async def item(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    assert app.url_path_for("same", item_id=1) == "/items/1"
    assert app.url_path_for("same", room="a") == "/ws/a"


def test_plain_starlette_websocket_route() -> None:
    """``add_websocket_route``: the endpoint gets the WebSocket and nothing else."""
    app = fastcore.FastAPI()
    states = []

    async def raw(websocket: fastcore.WebSocket) -> None:
        await websocket.accept()
        states.append(websocket.application_state)
        await websocket.send_text(websocket.path_params["name"])
        await websocket.close()

    app.add_websocket_route("/raw/{name}", raw)
    with TestClient(app).websocket_connect("/raw/abc") as ws:
        assert ws.receive_text() == "abc"
    assert states == [WebSocketState.CONNECTED]


def test_startup_errors_name_the_handler() -> None:
    app = fastcore.FastAPI()

    @app.websocket("/sync")
    def sync_handler(websocket: fastcore.WebSocket) -> None:  # pragma: no cover
        pass

    with pytest.raises(fastcore.FastCoreError, match="sync_handler.*async def"):
        app.freeze()

    app = fastcore.FastAPI()

    @app.websocket("/body")
    async def body_handler(websocket: fastcore.WebSocket, item: dict[str, int]) -> None:
        pass  # pragma: no cover

    with pytest.raises(fastcore.FastCoreError, match="body_handler.*'item'.*receive_json"):
        app.freeze()


def test_custom_validation_handler() -> None:
    """``app.exception_handler(WebSocketRequestValidationError)`` replaces the 1008 close."""
    from fastcore.exceptions import WebSocketRequestValidationError

    app = fastcore.FastAPI()

    @app.exception_handler(WebSocketRequestValidationError)
    async def on_invalid(websocket: fastcore.WebSocket, exc: Any) -> None:
        await websocket.close(code=4422, reason=exc.errors()[0]["loc"][-1])

    @app.websocket("/n/{n}")
    async def n(websocket: fastcore.WebSocket, n: int) -> None:
        await websocket.accept()  # pragma: no cover

    assert _talk(TestClient(app), "/n/x", _send_twice) == ("closed", 4422, "n")
