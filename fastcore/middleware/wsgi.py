"""``fastapi.middleware.wsgi``: Starlette's WSGIMiddleware (mount a Flask or Django app)."""

from __future__ import annotations

from starlette.middleware.wsgi import WSGIMiddleware

__all__ = ["WSGIMiddleware"]
