"""The ASGI lifespan conversation of ``with TestClient(app):``, kept alive between requests.

The lifespan task lives on the client's loop from ``__enter__`` to ``__exit__``; requests run on
the same loop in between, so what startup created (connections, clients bound to the loop) is
usable from the handlers.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastcore.testclient._scope import ASGI_VERSION, ASGIApp, Message

__all__ = ["Lifespan"]


class Lifespan:
    """One run of the app's lifespan: ``startup`` before the block, ``shutdown`` after it."""

    def __init__(self, app: ASGIApp, state: dict[str, Any]) -> None:
        self.app = app
        self.state = state
        self.to_app: asyncio.Queue[Message] = asyncio.Queue()
        self.from_app: asyncio.Queue[Message | None] = asyncio.Queue()
        self.received = False
        self.task: asyncio.Task[None] | None = None

    async def _receive(self) -> Message:
        self.received = True
        return await self.to_app.get()

    async def _send(self, message: Message) -> None:
        self.from_app.put_nowait(message)

    async def _run(self) -> None:
        scope = {"type": "lifespan", "asgi": dict(ASGI_VERSION), "state": self.state}
        try:
            await self.app(scope, self._receive, self._send)
        finally:
            self.from_app.put_nowait(None)

    async def startup(self) -> None:
        self.task = asyncio.ensure_future(self._run())
        await self._exchange("startup")

    async def shutdown(self) -> None:
        if self.task is not None:
            await self._exchange("shutdown")

    async def _exchange(self, phase: str) -> None:
        assert self.task is not None
        self.to_app.put_nowait({"type": f"lifespan.{phase}"})
        message = await self.from_app.get()
        if message is None:
            error = await self._settle()
            if error is not None and (self.received or phase == "shutdown"):
                raise error
            # NOTE: it ended without answering: an app without lifespan support, as uvicorn
            # treats it; requests still run.
            self.task = None
            return
        if message["type"] == f"lifespan.{phase}.failed":
            error = await self._settle()
            raise error or RuntimeError(message.get("message") or f"Lifespan {phase} failed")
        if phase == "shutdown":
            await self._settle()

    async def _settle(self) -> BaseException | None:
        """Let the lifespan task finish (cancel it if it lingers) and give its exception."""
        task = self.task
        assert task is not None
        if not task.done():
            await asyncio.sleep(0)
        if not task.done():
            task.cancel()
        await asyncio.wait((task,))
        return None if task.cancelled() else task.exception()
