"""HTTP and WebSocket status codes by name: ``fastapi.status`` is ``starlette.status``."""

from __future__ import annotations

from typing import Any

from starlette import status as _status
from starlette.status import *  # noqa: F403
from starlette.status import __all__ as __all__


def __getattr__(name: str) -> Any:
    # NOTE: Starlette's deprecated names (HTTP_422_UNPROCESSABLE_ENTITY...), with its warning.
    return getattr(_status, name)
