"""``BaseHTTPMiddleware`` (Starlette's) and the body of ``@app.middleware("http")``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

__all__ = ["BaseHTTPMiddleware", "RequestResponseEndpoint", "http_middleware_decorator"]

F = TypeVar("F", bound=Callable[..., Any])


def http_middleware_decorator(
    add_middleware: Callable[..., None], middleware_type: str
) -> Callable[[F], F]:
    """The body of FastAPI's ``@app.middleware("http")``: register ``func`` as a dispatch.

    ``app.middleware`` passes its ``add_middleware``, so the middleware lands in the same
    chain, in the same order, as ``add_middleware(BaseHTTPMiddleware, dispatch=func)``.
    """
    if middleware_type != "http":
        raise ValueError('Currently only middleware("http") is supported.')

    def decorator(func: F) -> F:
        add_middleware(BaseHTTPMiddleware, dispatch=func)
        return func

    return decorator
