"""WebSocket routes for the ASGI-server tests: echo with a path and a query parameter, a
close with a code, and a health route that says which build serves it."""

from fastcore import FastCore, WebSocket, WebSocketDisconnect
from fastcore._accel import is_compiled
from fastcore._routing import router_build

app = FastCore()


@app.get("/health")
async def health() -> dict[str, bool]:
    return {"compiled": is_compiled(router_build)}


@app.websocket("/echo/{name}")
async def echo(websocket: WebSocket, name: str, times: int = 1) -> None:
    await websocket.accept()
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("text") is not None:
                for _ in range(times):
                    await websocket.send_text(f"{name}: {message['text']}")
            else:
                await websocket.send_bytes(message["bytes"])
    except WebSocketDisconnect:  # pragma: no cover - receive() does not raise
        pass


@app.websocket("/bye")
async def bye(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.close(code=4001, reason="bye")
