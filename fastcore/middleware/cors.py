"""``fastapi.middleware.cors``: Starlette's CORSMiddleware."""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware

__all__ = ["CORSMiddleware"]
