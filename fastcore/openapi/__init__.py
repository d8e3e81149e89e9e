"""The OpenAPI document and the interactive docs pages (Swagger UI, ReDoc).

``build_openapi(app)`` is what ``FastCore.openapi()`` uses; ``get_openapi`` and the
``get_*_html`` functions carry FastAPI's names and keywords for apps that customise
their document or host the docs pages themselves.
"""

from __future__ import annotations

from fastcore.openapi.builder import build_openapi, get_openapi
from fastcore.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)

__all__ = [
    "build_openapi",
    "get_openapi",
    "get_redoc_html",
    "get_swagger_ui_html",
    "get_swagger_ui_oauth2_redirect_html",
]
