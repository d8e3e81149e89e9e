"""The exceptions users raise, catch or see; a leaf module so every layer can import it.

Exceptions shared by a compiled module and its pure twin are defined here, once,
so that both builds raise the very same classes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

__all__ = [
    "FastCoreError",
    "HTTPException",
    "RequestValidationError",
    "ResponseValidationError",
    "RouteConflictError",
    "ValidationException",
    "WebSocketException",
]


class FastCoreError(Exception):
    """A configuration mistake found at start-up: a bad route, signature or option."""


class RouteConflictError(FastCoreError, ValueError):
    """Two routes would answer the same method and path, or a template is malformed."""


class HTTPException(Exception):
    """Raise in a handler or dependency to answer ``{"detail": detail}`` with this status."""

    def __init__(
        self,
        status_code: int,
        detail: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if detail is None:
            detail = HTTPStatus(status_code).phrase
        self.status_code = status_code
        self.detail = detail
        self.headers = dict(headers) if headers is not None else None
        super().__init__(status_code, detail)

    def __str__(self) -> str:
        return f"{self.status_code}: {self.detail}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code!r}, detail={self.detail!r})"


class WebSocketException(Exception):
    """Kept for import compatibility with FastAPI; fastcore has no WebSocket routes yet."""

    def __init__(self, code: int, reason: str | None = None) -> None:
        self.code = code
        self.reason = reason or ""
        super().__init__(code, self.reason)


class ValidationException(Exception):
    """Base of the validation errors: carries FastAPI-shaped error dicts."""

    def __init__(self, errors: Sequence[Any]) -> None:
        self._errors = list(errors)
        super().__init__(self._errors)

    def errors(self) -> list[Any]:
        return self._errors


class RequestValidationError(ValidationException):
    """The request did not match the handler's parameters; answered with 422 by default."""

    def __init__(self, errors: Sequence[Any], *, body: Any = None) -> None:
        super().__init__(errors)
        self.body = body

    def __str__(self) -> str:
        lines = [f"{len(self._errors)} validation error(s):"]
        lines += [f"  {e.get('loc')}: {e.get('msg')}" for e in self._errors if isinstance(e, dict)]
        return "\n".join(lines)


class ResponseValidationError(ValidationException):
    """A handler returned a value that does not fit its response model; a server error."""

    def __init__(self, errors: Sequence[Any], *, body: Any = None) -> None:
        super().__init__(errors)
        self.body = body

    def __str__(self) -> str:
        return f"{len(self._errors)} validation error(s) in the response: {self._errors!r}"
