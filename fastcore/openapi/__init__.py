"""The OpenAPI document and the interactive docs pages (Swagger UI, ReDoc).

``build_openapi(app)`` is what ``FastCore.openapi()`` uses; ``get_openapi`` and the
``get_*_html`` functions carry FastAPI's names and keywords for apps that customise
their document or host the docs pages themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastcore._lazy import lazy_attributes

if TYPE_CHECKING:
    from fastcore.openapi.builder import build_openapi
    from fastcore.openapi.docs import (
        get_redoc_html,
        get_swagger_ui_html,
        get_swagger_ui_oauth2_redirect_html,
    )
    from fastcore.openapi.utils import get_openapi

__all__ = [
    "build_openapi",
    "get_openapi",
    "get_redoc_html",
    "get_swagger_ui_html",
    "get_swagger_ui_oauth2_redirect_html",
]

# PERF: the names are loaded on first access (PEP 562), not when the package is imported:
# ``app.freeze()`` imports ``fastcore.openapi.routes`` to add the docs routes, and importing
# the builder and the schema machinery with it (http.client and the email parser, html, copy)
# cost every worker ~0.5 MiB of RSS before anyone asked for the document.
_LAZY = {
    "build_openapi": "fastcore.openapi.builder",
    "get_openapi": "fastcore.openapi.utils",
    "get_redoc_html": "fastcore.openapi.docs",
    "get_swagger_ui_html": "fastcore.openapi.docs",
    "get_swagger_ui_oauth2_redirect_html": "fastcore.openapi.docs",
}


__getattr__, __dir__ = lazy_attributes(globals(), _LAZY)
