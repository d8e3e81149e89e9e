"""``fastapi.middleware.httpsredirect``: Starlette's HTTPSRedirectMiddleware."""

from __future__ import annotations

from starlette.middleware.httpsredirect import HTTPSRedirectMiddleware

__all__ = ["HTTPSRedirectMiddleware"]
