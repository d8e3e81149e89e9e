"""The routes that serve the document and the docs pages: /openapi.json, /docs, /redoc.

``FastCore.freeze`` calls ``add_docs_routes`` once, before routes are planned, so these
are planned and compiled like any other route. They are left out of the document itself.
The document is encoded to JSON once per root path and the bytes reused: it is the
same for every request, and for a large app encoding it costs milliseconds.
"""

from __future__ import annotations

from typing import Any

import msgspec

from fastcore.exceptions import FastCoreError
from fastcore.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastcore.requests import Request
from fastcore.responses import Response

__all__ = ["add_docs_routes"]


def _root_path(app: Any, request: Request) -> str:
    """The prefix a proxy mounts the app under, which the browser needs in the docs' URLs."""
    root: str = request.scope.get("root_path") or app.root_path or ""
    return root.rstrip("/")


def _with_server(document: dict[str, Any], root_path: str, app: Any) -> dict[str, Any]:
    """Behind a proxy, list the root path as a server so "Try it out" reaches the app (FastAPI)."""
    if not root_path or not getattr(app, "root_path_in_servers", True):
        return document
    servers = document.get("servers") or []
    if any(s.get("url") == root_path for s in servers):
        return document
    return {**document, "servers": [{"url": root_path}, *servers]}


def _openapi_endpoint(app: Any) -> Any:
    encoded: dict[str, bytes] = {}

    async def openapi(request: Request) -> Response:
        root_path = _root_path(app, request)
        body = encoded.get(root_path)
        if body is None:
            # NOTE: app.openapi() and not build_openapi(app): users may override app.openapi.
            document = _with_server(app.openapi(), root_path, app)
            body = encoded[root_path] = msgspec.json.encode(document)
        return Response(content=body, media_type="application/json")

    return openapi


def _swagger_endpoint(app: Any) -> Any:
    async def swagger_ui_html(request: Request) -> Response:
        root_path = _root_path(app, request)
        redirect = app.swagger_ui_oauth2_redirect_url
        return get_swagger_ui_html(
            openapi_url=root_path + app.openapi_url,
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=root_path + redirect if redirect else None,
            init_oauth=getattr(app, "swagger_ui_init_oauth", None),
            swagger_ui_parameters=app.swagger_ui_parameters,
        )

    return swagger_ui_html


def _redoc_endpoint(app: Any) -> Any:
    async def redoc_html(request: Request) -> Response:
        return get_redoc_html(
            openapi_url=_root_path(app, request) + app.openapi_url,
            title=f"{app.title} - ReDoc",
        )

    return redoc_html


async def swagger_ui_redirect() -> Response:
    """Swagger UI's OAuth2 redirect target; the same page for every app."""
    return get_swagger_ui_oauth2_redirect_html()


def add_docs_routes(app: Any) -> None:
    """Add the document and docs routes the app's settings ask for (``None`` turns one off).

    Without ``openapi_url`` there is no document, so no docs pages either, as in FastAPI.
    """
    if not app.openapi_url:
        return
    _add(app, "openapi_url", _openapi_endpoint(app))
    if app.docs_url:
        _add(app, "docs_url", _swagger_endpoint(app))
        if app.swagger_ui_oauth2_redirect_url:
            _add(app, "swagger_ui_oauth2_redirect_url", swagger_ui_redirect)
    if app.redoc_url:
        _add(app, "redoc_url", _redoc_endpoint(app))


def _add(app: Any, setting: str, endpoint: Any) -> None:
    path = getattr(app, setting)
    for existing in app.routes:
        if existing.path == path and "GET" in existing.methods:
            # NOTE: FastAPI registers its docs first and silently shadows such a route.
            raise FastCoreError(
                f"GET {path!r} ({existing.name}) is also the app's {setting}; pass "
                f"{setting}=None (or another URL) to serve your own page there"
            )
    route = app.router.add_api_route(path, endpoint, methods=["GET"], include_in_schema=False)
    # NOTE: app-wide dependencies (an auth check, say) guard the API, not its docs: FastAPI
    # serves these pages as plain routes outside them, and so do we.
    route.dependencies = []
