"""fastcore: FastAPI's typed handlers on a compiled router, with msgspec end to end.

``from fastcore import FastAPI, Depends, Query, HTTPException`` is all a FastAPI app
needs to change. This module is the public API; everything not exported here is
private.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastcore import status
from fastcore._lazy import lazy_attributes
from fastcore.app import FastCore
from fastcore.background import BackgroundTasks
from fastcore.datastructures import UploadFile
from fastcore.exceptions import (
    FastCoreError,
    HTTPException,
    RequestValidationError,
    ResponseValidationError,
    WebSocketException,
)
from fastcore.params import Body, Cookie, Depends, File, Form, Header, Path, Query, Security
from fastcore.requests import Request
from fastcore.responses import Response
from fastcore.routing import APIRoute, APIRouter

if TYPE_CHECKING:
    from fastcore.websockets import WebSocket, WebSocketDisconnect

__version__ = "0.1.0"

# NOTE: PEP 562: Starlette's WebSocket module is imported on first use, not by every app.
__getattr__, __dir__ = lazy_attributes(
    globals(), {"WebSocket": "fastcore.websockets", "WebSocketDisconnect": "fastcore.websockets"}
)

#: FastAPI's name for the app class, so that only the import line changes.
FastAPI = FastCore

__all__ = [
    "APIRoute",
    "APIRouter",
    "BackgroundTasks",
    "Body",
    "Cookie",
    "Depends",
    "FastAPI",
    "FastCore",
    "FastCoreError",
    "File",
    "Form",
    "HTTPException",
    "Header",
    "Path",
    "Query",
    "Request",
    "RequestValidationError",
    "Response",
    "ResponseValidationError",
    "Security",
    "UploadFile",
    "WebSocket",
    "WebSocketDisconnect",
    "WebSocketException",
    "__version__",
    "status",
]
