"""FastAPI's ``fastapi.websockets``: Starlette's WebSocket objects, as FastAPI users get them.

A WebSocket route's handler receives Starlette's ``WebSocket`` (accept, send_*/receive_*,
iter_*, close, headers, query_params, path_params, state); fastcore adds the typed
parameters and dependencies around it (``fastcore/_websocket/plans.py``).
"""

from __future__ import annotations

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

__all__ = ["WebSocket", "WebSocketDisconnect", "WebSocketState"]
