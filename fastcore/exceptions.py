"""The exceptions users raise, catch or see; a leaf module so every layer can import it.

Exceptions shared by a compiled module and its pure twin are defined here, once,
so that both builds raise the very same classes. FastAPI's classes are here under FastAPI's
names and with its hierarchy (``FastAPIError`` a ``RuntimeError``, the validation errors under
``ValidationException``), so that ``except`` clauses and pytest marks such as
``filterwarnings("ignore::fastapi.exceptions.FastAPIDeprecationWarning")`` written for FastAPI
find them; fastcore's own start-up error is a ``FastAPIError``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from fastcore._lazy import lazy_attributes

if TYPE_CHECKING:
    from fastcore._error_models import RequestErrorModel, WebSocketErrorModel

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.exceptions import WebSocketException as StarletteWebSocketException

__all__ = [
    "ClientDisconnected",
    "DeclarationError",
    "DependencyScopeError",
    "EndpointContext",
    "FastAPIDeprecationWarning",
    "FastAPIError",
    "FastCoreError",
    "HTTPException",
    "PydanticV1NotSupportedError",
    "RequestErrorModel",
    "RequestValidationError",
    "ResponseValidationError",
    "RouteConflictError",
    "ValidationException",
    "WebSocketErrorModel",
    "WebSocketException",
    "WebSocketRequestValidationError",
]


class FastAPIError(RuntimeError):
    """FastAPI's generic error: a configuration mistake, caught as ``FastAPIError`` by its users."""


class DependencyScopeError(FastAPIError):
    """A dependency depends on another whose scope is narrower than its own."""


class PydanticV1NotSupportedError(FastAPIError):
    """A ``pydantic.v1`` model was used; FastAPI 0.165 (and fastcore) support pydantic 2 only."""


class FastAPIDeprecationWarning(UserWarning):
    """FastAPI's deprecation warning: a ``UserWarning``, as Python hides ``DeprecationWarning``."""


class EndpointContext(TypedDict, total=False):
    """Where a validation error's endpoint is defined, for the error's message."""

    function: str
    path: str
    file: str
    line: int


class FastCoreError(FastAPIError):
    """A configuration mistake found at start-up: a bad route, signature or option."""


class DeclarationError(FastCoreError, AssertionError):
    """A parameter declared in a way FastAPI refuses with an ``AssertionError`` when the route
    is declared (a path parameter that is a list, a query parameter of models, a default set
    inside ``Annotated``...); raised by the route decorator, as FastAPI's, and an instance of
    both, so code written for either framework catches it."""


class ClientDisconnected(OSError):
    """A response was sent to a client that had gone: ASGI 2.4's OSError from ``send``.

    fastcore's server raises it (both builds) for a streamed body's next chunk, so that a
    StreamingResponse, and the generator feeding it, stop instead of running on.
    """


class RouteConflictError(FastCoreError, ValueError):
    """Two routes would answer the same method and path, or a template is malformed."""


class HTTPException(StarletteHTTPException):
    """Raise in a handler or dependency to answer ``{"detail": detail}`` with this status.

    A subclass of Starlette's, as FastAPI's is: handlers registered for Starlette's class
    catch it, and ``detail`` may be any JSON-encodable value.
    """

    def __init__(
        self,
        status_code: int,
        detail: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status_code=status_code, detail=detail, headers=headers)


class WebSocketException(StarletteWebSocketException):
    """Raise in a WebSocket endpoint or dependency to close with ``code`` and ``reason``."""


def _tuple_loc(error: Any) -> Any:
    if isinstance(error, dict) and isinstance(error.get("loc"), list):
        return {**error, "loc": tuple(error["loc"])}
    return error


def _decoded(body: bytes) -> Any:
    """``body`` decoded as JSON when it is JSON, else the bytes themselves."""
    if not body:
        return body
    import json

    try:
        return json.loads(body)
    except ValueError:
        return body


class ValidationException(Exception):
    """Base of the validation errors: carries FastAPI-shaped error dicts and the endpoint."""

    def __init__(
        self, errors: Sequence[Any], *, endpoint_ctx: EndpointContext | None = None
    ) -> None:
        # NOTE: as FastAPI: each error's ``loc`` is a tuple (handlers print it, ``('path',
        # 'id')``); fastcore's validators build lists, so they are converted here, once, on
        # the error path only.
        self._errors = [_tuple_loc(e) for e in errors]
        self.endpoint_ctx = endpoint_ctx
        ctx = endpoint_ctx or {}
        self.endpoint_function = ctx.get("function")
        self.endpoint_path = ctx.get("path")
        self.endpoint_file = ctx.get("file")
        self.endpoint_line = ctx.get("line")
        super().__init__(self._errors)

    def errors(self) -> list[Any]:
        return self._errors

    def _endpoint_text(self) -> str:
        """The endpoint's location as FastAPI appends it to the message."""
        if not (self.endpoint_file and self.endpoint_line and self.endpoint_function):
            return f"\n  Endpoint: {self.endpoint_path}" if self.endpoint_path else ""
        text = (
            f'\n  File "{self.endpoint_file}", line {self.endpoint_line},'
            f" in {self.endpoint_function}"
        )
        return text + (f"\n    {self.endpoint_path}" if self.endpoint_path else "")


class RequestValidationError(ValidationException):
    """The request did not match the handler's parameters; answered with 422 by default."""

    def __init__(
        self,
        errors: Sequence[Any],
        *,
        body: Any = None,
        endpoint_ctx: EndpointContext | None = None,
    ) -> None:
        super().__init__(errors, endpoint_ctx=endpoint_ctx)
        self._body = body
        self._body_read = not isinstance(body, bytes)

    @property
    def body(self) -> Any:
        """The request body as FastAPI gives it: a JSON body decoded, other bytes as they came.

        fastcore's routes raise with the raw bytes (most 422s are answered without anyone
        reading this), so the JSON is decoded here, on first access.
        """
        if not self._body_read:
            self._body_read = True
            self._body = _decoded(self._body)
        return self._body

    @body.setter
    def body(self, value: Any) -> None:
        self._body, self._body_read = value, True

    def __str__(self) -> str:
        lines = [f"{len(self._errors)} validation error(s):"]
        lines += [f"  {e.get('loc')}: {e.get('msg')}" for e in self._errors if isinstance(e, dict)]
        return "\n".join(lines) + self._endpoint_text()


class WebSocketRequestValidationError(ValidationException):
    """A WebSocket's parameters did not validate; the socket is closed with code 1008."""

    def __str__(self) -> str:
        return f"{len(self._errors)} validation error(s): {self._errors!r}" + self._endpoint_text()


class ResponseValidationError(ValidationException):
    """A handler returned a value that does not fit its response model; a server error."""

    def __init__(
        self,
        errors: Sequence[Any],
        *,
        body: Any = None,
        endpoint_ctx: EndpointContext | None = None,
    ) -> None:
        super().__init__(errors, endpoint_ctx=endpoint_ctx)
        self.body = body

    def __str__(self) -> str:
        text = f"{len(self._errors)} validation error(s) in the response: {self._errors!r}"
        return text + self._endpoint_text()


# NOTE: built on first access (PEP 562), so that importing the exceptions never imports pydantic.
__getattr__, __dir__ = lazy_attributes(
    globals(),
    dict.fromkeys(("RequestErrorModel", "WebSocketErrorModel"), "fastcore._error_models"),
)
