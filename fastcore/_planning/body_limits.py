"""FastAPI 0.165's body limits: ``max_body_size=`` and ``form_limits=`` on app, router and route.

The most specific ``max_body_size`` wins (route, then its router, the include, the app), so a
route can allow more than the app. A body larger than it is FastAPI's 413 ``{"detail":
"Content Too Large"}``, answered before reading when Content-Length already says so.
``form_limits`` (``max_fields``, ``max_files``, ``max_part_size``) merge key by key, the route's
last, and bound the form parser (Starlette's 400 answers). Routes without a limit read their
body as before; a route with one leaves fastcore's direct lane for the plan's general path.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from fastcore.exceptions import HTTPException

__all__ = [
    "BodyLimits",
    "DeclaredTooLarge",
    "check_form_limits",
    "check_max_body_size",
    "declared_too_large_handler",
    "limited_receive",
    "refuse_declared",
    "set_outer_limit",
    "too_large",
]

_FORM_KEYS = ("max_fields", "max_files", "max_part_size")


def check_max_body_size(value: int | None) -> int | None:
    """FastAPI's check: a non-negative int or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("max_body_size must be a non-negative integer or None")
    return value


def check_form_limits(limits: dict[str, int] | None) -> dict[str, int]:
    """FastAPI's check: only the three known keys, each a non-negative int."""
    if not limits:
        return {}
    out: dict[str, int] = {}
    for key, value in dict(limits).items():
        if key not in _FORM_KEYS:
            raise ValueError(f"form_limits: unknown key {key!r} (expected one of {_FORM_KEYS})")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"form_limits[{key!r}] must be a non-negative integer")
        out[key] = value
    return out


@dataclasses.dataclass(frozen=True)
class BodyLimits:
    """One route's resolved limits."""

    max_body_size: int | None = None
    form_limits: dict[str, int] = dataclasses.field(default_factory=dict)


def too_large() -> HTTPException:
    return HTTPException(413, "Content Too Large")


class DeclaredTooLarge(HTTPException):
    """A Content-Length over the limit: Starlette's plain-text 413, as FastAPI answers it."""

    def __init__(self) -> None:
        super().__init__(413, "Content Too Large")


async def declared_too_large_handler(request: Any, exc: Exception) -> Any:
    from fastcore.responses import PlainTextResponse

    return PlainTextResponse("Content Too Large", status_code=413)


def _content_length(raw_headers: list[tuple[bytes, bytes]]) -> int | None:
    for name, value in raw_headers:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def refuse_declared(raw_headers: list[tuple[bytes, bytes]], limit: int) -> None:
    """FastAPI's plain-text 413 when the Content-Length already says the body is too large."""
    length = _content_length(raw_headers)
    if length is not None and length > limit:
        raise DeclaredTooLarge()


def limited_receive(receive: Any, raw_headers: list[tuple[bytes, bytes]], limit: int) -> Any:
    """``receive`` that raises FastAPI's 413 once the body is known to be larger than ``limit``.

    A Content-Length over it is refused before anything is read; a body without one (chunked)
    as soon as more than ``limit`` bytes have arrived. Every reader of a limited route's body
    (the plan's parsers, a handler's ``request.body()``/``stream()``) reads through it.
    """
    length = _content_length(raw_headers)
    size = 0

    async def wrapped() -> Any:
        nonlocal size
        if length is not None and length > limit:
            raise DeclaredTooLarge()
        message = await receive()
        size += len(message.get("body", b""))
        if size > limit:
            raise too_large()
        return message

    return wrapped


#: Where Starlette's ``RequestBodyLimitMiddleware`` keeps the request's byte count (an app
#: mounted under a FastAPI or fastcore app with ``max_body_size``).
_OUTER = "starlette._body_limit_responder"


def set_outer_limit(scope: dict[str, Any], limit: int) -> None:
    """A route's own limit, more specific than the one an enclosing app set on the request,
    replaces it there too, as a Starlette limit nested in another does: a mounted app's
    route may then read more (or less) than the parent app allows."""
    outer = scope.get(_OUTER)
    if outer is not None:
        outer.max_body_size = limit
        if outer.total_size > limit:
            raise too_large()
