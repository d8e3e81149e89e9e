"""WebSocket routes (``fastcore/_websocket/``) beside FastAPI's, and under other ASGI servers."""
