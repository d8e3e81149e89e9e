"""``fastapi.staticfiles``: Starlette's StaticFiles, mounted with ``app.mount``."""

from __future__ import annotations

from starlette.staticfiles import StaticFiles

__all__ = ["StaticFiles"]
