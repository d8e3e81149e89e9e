from fastcore import FastAPI, WebSocket, WebSocketDisconnect

app = FastAPI()
clients: list[WebSocket] = []


@app.websocket("/ws/{client_id}")
async def chat(websocket: WebSocket, client_id: int):
    await websocket.accept()
    clients.append(websocket)
    try:
        while True:
            text = await websocket.receive_text()
            for client in clients:
                await client.send_text(f"#{client_id} says: {text}")
    except WebSocketDisconnect:
        clients.remove(websocket)
