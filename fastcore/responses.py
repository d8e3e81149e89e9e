"""``fastapi.responses``: Starlette's response classes, and FastAPI's ujson/orjson variants.

A handler may return any of them (or any Starlette ``Response`` subclass); fastcore's own
server writes one whose body is known up front straight from its ``status_code``,
``raw_headers`` and ``body``, and sends the others (streaming, files) through their ASGI
``__call__``.
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any

from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)

from fastcore._lazy import lazy_attributes

if TYPE_CHECKING:
    from fastcore.sse import EventSourceResponse

__all__ = [
    "EventSourceResponse",
    "FileResponse",
    "HTMLResponse",
    "JSONResponse",
    "ORJSONResponse",
    "PlainTextResponse",
    "RedirectResponse",
    "Response",
    "StreamingResponse",
    "UJSONResponse",
]


def _optional(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError:
        return None


def _warn_deprecated(name: str) -> None:
    from fastcore.exceptions import FastAPIDeprecationWarning

    warnings.warn(
        f"{name} is deprecated, as in FastAPI 0.165: with a return type or response model "
        "the data is serialized to JSON bytes directly, which is faster and needs no custom "
        "response class (docs/tutorial.md, response models)",
        FastAPIDeprecationWarning,
        stacklevel=3,
    )


class UJSONResponse(JSONResponse):
    """JSON encoded by ``ujson`` (install it separately), as FastAPI's; deprecated as
    FastAPI 0.165's is (a ``FastAPIDeprecationWarning`` when made)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _warn_deprecated("UJSONResponse")
        super().__init__(*args, **kwargs)

    def render(self, content: Any) -> bytes:
        ujson = _optional("ujson")
        assert ujson is not None, "ujson must be installed to use UJSONResponse"
        return ujson.dumps(content, ensure_ascii=False).encode("utf-8")  # type: ignore[no-any-return]


class ORJSONResponse(JSONResponse):
    """JSON encoded by ``orjson`` (install it separately), as FastAPI's; deprecated as
    FastAPI 0.165's is (a ``FastAPIDeprecationWarning`` when made)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _warn_deprecated("ORJSONResponse")
        super().__init__(*args, **kwargs)

    def render(self, content: Any) -> bytes:
        orjson = _optional("orjson")
        assert orjson is not None, "orjson must be installed to use ORJSONResponse"
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)  # type: ignore[no-any-return]


# NOTE: FastAPI users import EventSourceResponse from here too; fastcore/sse.py (PEP 562).
__getattr__, __dir__ = lazy_attributes(globals(), {"EventSourceResponse": "fastcore.sse"})
