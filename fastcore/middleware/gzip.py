"""``fastapi.middleware.gzip``: Starlette's GZipMiddleware."""

from __future__ import annotations

from starlette.middleware.gzip import GZipMiddleware

__all__ = ["GZipMiddleware"]
