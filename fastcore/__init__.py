"""fastcore: FastAPI's typed handlers on a compiled router, with msgspec end to end.

``from fastcore import FastAPI, Depends, Query, HTTPException`` is all a FastAPI app
needs to change. This module is the public API; everything not exported here is
private. ``Request``, ``Response``, ``UploadFile``, ``BackgroundTasks``, ``WebSocket`` and
``WebSocketDisconnect`` are Starlette's (FastAPI's) classes, loaded on first access: a
worker whose routes never touch them does not pay for Starlette's request and response
modules (~4 MiB of RSS).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastcore import status
from fastcore._lazy import lazy_attributes
from fastcore.app import FastCore
from fastcore.exceptions import (
    FastCoreError,
    HTTPException,
    RequestValidationError,
    ResponseValidationError,
    WebSocketException,
)
from fastcore.params import Body, Cookie, Depends, File, Form, Header, Path, Query, Security
from fastcore.routing import APIRoute, APIRouter

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.websockets import WebSocket, WebSocketDisconnect

    from fastcore.background import BackgroundTasks
    from fastcore.datastructures import UploadFile

__version__ = "0.1.0"

#: FastAPI's name for the app class, so that only the import line changes.
FastAPI = FastCore

__getattr__, __dir__ = lazy_attributes(
    globals(),
    {
        "BackgroundTasks": "fastcore.background",
        "Request": "starlette.requests",
        "Response": "starlette.responses",
        "UploadFile": "fastcore.datastructures",
        "WebSocket": "starlette.websockets",
        "WebSocketDisconnect": "starlette.websockets",
    },
)

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
