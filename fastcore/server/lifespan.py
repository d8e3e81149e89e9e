"""The ASGI lifespan protocol, driven by fastcore's server once per worker.

Any ASGI app works: FastCore runs its startup hooks and ``lifespan=`` context here;
an app that does not speak lifespan (it raises on the scope) is served without it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastcore.server.sockets import ServerStartupError

__all__ = ["LifespanRunner"]

logger = logging.getLogger("fastcore.server")


class LifespanRunner:
    """Startup before the first request, shutdown after the last; ``state`` for the scopes."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.state: dict[str, Any] = {}
        self.supported = True
        self._inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def startup(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._main())
        await self._inbox.put({"type": "lifespan.startup"})
        message = await self._reply()
        if message["type"] == "lifespan.startup.failed":
            raise ServerStartupError(
                f"application startup failed: {message.get('message') or 'see the log above'}"
            )

    async def shutdown(self) -> None:
        if not self.supported or self._task is None or self._task.done():
            return
        await self._inbox.put({"type": "lifespan.shutdown"})
        message = await self._reply()
        if message["type"] == "lifespan.shutdown.failed":
            logger.error("application shutdown failed: %s", message.get("message", ""))
        await asyncio.wait([self._task], timeout=5)

    async def _reply(self) -> dict[str, Any]:
        assert self._task is not None
        getter = asyncio.ensure_future(self._outbox.get())
        await asyncio.wait([getter, self._task], return_when=asyncio.FIRST_COMPLETED)
        if getter.done():
            return getter.result()
        getter.cancel()
        if self.supported:
            # NOTE: the app ended the lifespan without answering: it failed
            return {"type": "lifespan.startup.failed", "message": "the lifespan task ended"}
        return {"type": "lifespan.startup.complete"}

    async def _main(self) -> None:
        scope = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "state": self.state,
        }
        started = False

        async def send(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "lifespan.startup.complete":
                started = True
            await self._outbox.put(message)

        try:
            await self.app(scope, self._inbox.get, send)
        except BaseException as exc:
            if not started and self._outbox.empty() and isinstance(exc, Exception):
                # NOTE: as uvicorn's "auto": raising before any reply means no lifespan.
                self.supported = False
                logger.debug("the app does not support the lifespan protocol: %s", exc)
                return
            if not started:
                if self._outbox.empty():
                    logger.error("application startup failed", exc_info=exc)
                await self._outbox.put({"type": "lifespan.startup.failed", "message": str(exc)})
            else:
                logger.error("application lifespan failed", exc_info=exc)
