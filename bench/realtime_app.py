"""The app of bench/realtime.py, written once: ``app`` on fastcore, ``fastapi_app`` on FastAPI."""

import asyncio
from collections.abc import AsyncIterator
from types import ModuleType
from typing import Any

import fastapi
import fastapi.sse

import fastcore
import fastcore.sse


def build(fw: ModuleType, sse: ModuleType) -> Any:
    app = fw.FastAPI()
    room: list[Any] = []

    @app.get("/health")
    async def health() -> dict[str, bool]:
        return {"ok": True}

    @app.websocket("/echo")
    async def echo(websocket: fw.WebSocket) -> None:  # type: ignore[name-defined]
        await websocket.accept()
        try:
            while True:
                await websocket.send_text(await websocket.receive_text())
        except fw.WebSocketDisconnect:
            pass

    @app.websocket("/room")
    async def chat(websocket: fw.WebSocket) -> None:  # type: ignore[name-defined]
        await websocket.accept()
        room.append(websocket)
        try:
            while True:
                text = await websocket.receive_text()
                for member in list(room):
                    await member.send_text(text)
        except fw.WebSocketDisconnect:
            room.remove(websocket)

    @app.get("/ticks", response_class=sse.EventSourceResponse)
    async def ticks() -> AsyncIterator[Any]:
        n = 0
        while True:
            yield sse.ServerSentEvent(data=n)
            n += 1
            await asyncio.sleep(1)

    return app


app = build(fastcore, fastcore.sse)
fastapi_app = build(fastapi, fastapi.sse)
