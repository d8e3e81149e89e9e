"""FastAPI's empty pydantic models named ``Request`` and ``WebSocket``.

FastAPI uses them as the model that request-level and WebSocket-level validation errors are
reported against; libraries import them from ``fastapi.exceptions``. They live apart so that
``fastcore.exceptions`` (imported by every layer) never imports pydantic, which is optional.
"""

from __future__ import annotations

try:
    from pydantic import BaseModel, create_model
except ImportError as exc:  # pragma: no cover - pydantic is in every test environment
    raise ImportError(
        "fastcore.exceptions.RequestErrorModel and WebSocketErrorModel are FastAPI's pydantic"
        " models: install pydantic to use them"
    ) from exc

__all__ = ["RequestErrorModel", "WebSocketErrorModel"]

RequestErrorModel: type[BaseModel] = create_model("Request")
WebSocketErrorModel: type[BaseModel] = create_model("WebSocket")
