"""Middleware: Starlette's ``Middleware`` spec, as ``fastapi.middleware`` re-exports it.

The classes live where FastAPI users import them from (``fastcore.middleware.cors`` and its
siblings) and are Starlette's own, so third-party middleware written for Starlette composes
with them; they are also importable from here, loaded on first access. An app with no
middleware wraps nothing and pays nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.middleware import Middleware

from fastcore._lazy import lazy_attributes

if TYPE_CHECKING:
    from fastcore.middleware.base import BaseHTTPMiddleware
    from fastcore.middleware.cors import CORSMiddleware
    from fastcore.middleware.gzip import GZipMiddleware
    from fastcore.middleware.httpsredirect import HTTPSRedirectMiddleware
    from fastcore.middleware.trustedhost import TrustedHostMiddleware

__getattr__, __dir__ = lazy_attributes(
    globals(),
    {
        "BaseHTTPMiddleware": "fastcore.middleware.base",
        "CORSMiddleware": "fastcore.middleware.cors",
        "GZipMiddleware": "fastcore.middleware.gzip",
        "HTTPSRedirectMiddleware": "fastcore.middleware.httpsredirect",
        "TrustedHostMiddleware": "fastcore.middleware.trustedhost",
    },
)

__all__ = [
    "BaseHTTPMiddleware",
    "CORSMiddleware",
    "GZipMiddleware",
    "HTTPSRedirectMiddleware",
    "Middleware",
    "TrustedHostMiddleware",
]
