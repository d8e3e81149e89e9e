"""``fastapi.openapi.utils``'s import path: ``get_openapi`` lives in the builder."""

from fastcore.openapi.builder import get_openapi

__all__ = ["get_openapi"]
