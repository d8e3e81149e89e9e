from typing import Annotated

from fastcore import Cookie, Depends, FastAPI, Query, WebSocket, WebSocketException, status

app = FastAPI()


async def session_or_token(
    websocket: WebSocket,
    session: Annotated[str | None, Cookie()] = None,
    token: Annotated[str | None, Query()] = None,
) -> str:
    if session is None and token is None:
        raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION)
    return session or token


@app.websocket("/items/{item_id}/ws")
async def items(
    websocket: WebSocket,
    item_id: str,
    credentials: Annotated[str, Depends(session_or_token)],
    q: int | None = None,
):
    await websocket.accept()
    await websocket.send_json({"item_id": item_id, "credentials": credentials, "q": q})
