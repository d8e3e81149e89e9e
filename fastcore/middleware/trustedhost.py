"""``fastapi.middleware.trustedhost``: Starlette's TrustedHostMiddleware."""

from __future__ import annotations

from starlette.middleware.trustedhost import TrustedHostMiddleware

__all__ = ["TrustedHostMiddleware"]
