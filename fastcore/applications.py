"""``fastapi.applications``'s import path: the ``FastAPI`` application class."""

from __future__ import annotations

from fastcore.app import FastCore

__all__ = ["FastAPI", "FastCore"]

#: FastAPI's name for the app class.
FastAPI = FastCore
