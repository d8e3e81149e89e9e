"""Middleware: the ``Middleware`` spec and pure ASGI classes under Starlette's names.

``fastcore.middleware.cors.CORSMiddleware`` and its siblings live where FastAPI and
Starlette users import them from, so a changed import is all such an app needs. Each is a
plain ASGI 3 app wrapping another; an app with no middleware wraps nothing and pays nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastcore.middleware.base import BaseHTTPMiddleware
from fastcore.middleware.cors import CORSMiddleware
from fastcore.middleware.gzip import GZipMiddleware
from fastcore.middleware.httpsredirect import HTTPSRedirectMiddleware
from fastcore.middleware.trustedhost import TrustedHostMiddleware

__all__ = [
    "BaseHTTPMiddleware",
    "CORSMiddleware",
    "GZipMiddleware",
    "HTTPSRedirectMiddleware",
    "Middleware",
    "TrustedHostMiddleware",
]


class Middleware:
    """A middleware class and its arguments, for ``FastCore(middleware=[...])``.

    Nothing is built until the app starts: the app calls ``cls(app, *args, **kwargs)`` then,
    so one list of specs can serve several apps. It unpacks as ``cls, args, kwargs``, as
    Starlette's does, for code that reads the list back.
    """

    __slots__ = ("args", "cls", "kwargs")

    def __init__(self, cls: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.cls = cls
        self.args = args
        self.kwargs = kwargs

    def __iter__(self) -> Iterator[Any]:
        return iter((self.cls, self.args, self.kwargs))

    def __repr__(self) -> str:
        parts = [getattr(self.cls, "__name__", "")]
        parts += [repr(value) for value in self.args]
        parts += [f"{key}={value!r}" for key, value in self.kwargs.items()]
        return f"{type(self).__name__}({', '.join(parts)})"
