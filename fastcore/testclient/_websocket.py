"""``client.websocket_connect``'s session: the app's ``websocket.*`` conversation, in memory.

The session is Starlette's ``WebSocketTestSession`` in use (``send_*``/``receive_*``/``close``,
``accepted_subprotocol``, ``extra_headers``, ``WebSocketDisconnect`` on a close), but the app
runs as a task on the client's own loop, not behind an anyio portal: each call runs that loop
until the app has taken the message or answered. Imported on the first ``websocket_connect``
(it needs Starlette's ``WebSocketDisconnect``), so plain HTTP tests do not load Starlette.
"""

from __future__ import annotations

import asyncio
import json
from types import TracebackType
from typing import Any, Literal, Self, cast

from starlette.websockets import WebSocketDisconnect

from fastcore.testclient._loop import Runner
from fastcore.testclient._scope import ASGIApp, Message

__all__ = ["WebSocketDenialResponse", "WebSocketTestSession"]

# NOTE: turns of the loop the app gets after the session's close before it is cancelled, as
# Starlette's session cancels it: enough to run the app's disconnect handling, not to wait on
# an app that never returns (a broadcast loop).
_GRACE_TURNS = 20
_ABNORMAL = 1006


def _starlette_denial() -> type:
    """Starlette's ``WebSocketDenialResponse``, which tests written for FastAPI catch.

    ``starlette.testclient`` warns when imported with httpx (it wants httpx2); that warning is
    about Starlette's client, which fastcore does not use, so it is not passed on."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import WebSocketDenialResponse as StarletteDenial
    return cast(type, StarletteDenial)


class WebSocketDenialResponse(_starlette_denial()):  # type: ignore[misc]
    """The app refused the handshake with an HTTP response (``send_denial_response``): an
    ``httpx.Response`` and a ``WebSocketDisconnect``, and Starlette's class of it, so
    ``pytest.raises(starlette.testclient.WebSocketDenialResponse)`` catches it as on FastAPI."""


class _Channel:
    """The app's task and the two message queues between it and the test."""

    def __init__(self) -> None:
        self.to_app: list[Message] = []
        self.from_app: list[Message] = []
        self.task: asyncio.Task[None] | None = None
        self.finished = False
        self.receiving = False
        self.error: BaseException | None = None
        self._app_waiter: asyncio.Future[None] | None = None
        self._test_waiter: asyncio.Future[None] | None = None

    async def receive(self) -> Message:
        while not self.to_app:
            self.receiving = True
            self._app_waiter = asyncio.get_running_loop().create_future()
            try:
                await self._app_waiter
            finally:
                self.receiving = False
        return self.to_app.pop(0)

    async def send(self, message: Message) -> None:
        self.from_app.append(message)
        _wake(self._test_waiter)

    async def _run(self, app: ASGIApp, scope: dict[str, Any]) -> None:
        try:
            await app(scope, self.receive, self.send)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # NOTE: raised to the test by the session
            self.error = exc
        finally:
            self.finished = True
            _wake(self._test_waiter)

    # -- coroutines the session runs on the client's loop ---------------------------------

    async def start(self, app: ASGIApp, scope: dict[str, Any]) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run(app, scope))

    async def push(self, message: Message) -> None:
        self.to_app.append(message)
        _wake(self._app_waiter)

    async def pull(self) -> Message:
        while not self.from_app:
            if self.finished:
                if self.error is not None:
                    raise self.error
                raise WebSocketDisconnect(_ABNORMAL, "The app returned without closing.")
            self._test_waiter = asyncio.get_running_loop().create_future()
            await self._test_waiter
        return self.from_app.pop(0)

    async def stop(self) -> BaseException | None:
        """Let the app take the close, then cancel it as Starlette's session does."""
        task = self.task
        if task is None:
            return None
        for _ in range(_GRACE_TURNS):
            if task.done() or (self.receiving and not self.to_app):
                break
            await asyncio.sleep(0)
        if not task.done():
            task.cancel()
        await asyncio.wait((task,))
        return self.error


def _wake(waiter: asyncio.Future[None] | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)


class WebSocketTestSession:
    """One WebSocket connection to the app; use it as a context manager."""

    __test__ = False

    def __init__(self, app: ASGIApp, scope: dict[str, Any], runner: Runner) -> None:
        self.app = app
        self.scope = scope
        self.accepted_subprotocol: str | None = None
        self.extra_headers: list[tuple[bytes, bytes]] | None = None
        self._runner = runner
        self._channel = _Channel()

    def __enter__(self) -> Self:
        self._runner.run(self._channel.start(self.app, self.scope))
        try:
            self.send({"type": "websocket.connect"})
            message = self.receive()
            self._raise_on_close(message)
        except BaseException:
            self._runner.run(self._channel.stop())
            raise
        self.accepted_subprotocol = message.get("subprotocol", None)
        self.extra_headers = message.get("headers", None)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if not self._channel.finished:
                self.close(1000)
        finally:
            error = self._runner.run(self._channel.stop())
        if error is not None and error is not exc:
            raise error

    def _raise_on_close(self, message: Message) -> None:
        if message["type"] == "websocket.close":
            raise WebSocketDisconnect(
                code=message.get("code", 1000), reason=message.get("reason", "")
            )
        if message["type"] == "websocket.http.response.start":
            body: list[bytes] = []
            while True:
                part = self.receive()
                if part["type"] != "websocket.http.response.body":
                    raise AssertionError(f"Expected websocket.http.response.body, got {part!r}")
                body.append(part.get("body", b""))
                if not part.get("more_body", False):
                    break
            raise WebSocketDenialResponse(
                status_code=message["status"],
                headers=message.get("headers", []),
                content=b"".join(body),
            )

    def send(self, message: Message) -> None:
        """Hand one raw ASGI message to the app."""
        if self._channel.error is not None:
            raise self._channel.error
        self._runner.run(self._channel.push(message))

    def send_text(self, data: str) -> None:
        self.send({"type": "websocket.receive", "text": data})

    def send_bytes(self, data: bytes) -> None:
        self.send({"type": "websocket.receive", "bytes": data})

    def send_json(self, data: Any, mode: Literal["text", "binary"] = "text") -> None:
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        if mode == "text":
            self.send({"type": "websocket.receive", "text": text})
        else:
            self.send({"type": "websocket.receive", "bytes": text.encode("utf-8")})

    def close(self, code: int = 1000, reason: str | None = None) -> None:
        self.send({"type": "websocket.disconnect", "code": code, "reason": reason})

    def receive(self) -> Message:
        """The app's next raw ASGI message (waits for the app to send one)."""
        return self._runner.run(self._channel.pull())

    def receive_text(self) -> str:
        message = self.receive()
        self._raise_on_close(message)
        return cast(str, message["text"])

    def receive_bytes(self) -> bytes:
        message = self.receive()
        self._raise_on_close(message)
        return cast(bytes, message["bytes"])

    def receive_json(self, mode: Literal["text", "binary"] = "text") -> Any:
        message = self.receive()
        self._raise_on_close(message)
        text = message["text"] if mode == "text" else message["bytes"].decode("utf-8")
        return json.loads(text)
