"""The routes that serve the document and the docs pages: /openapi.json, /docs, /redoc.

``FastCore.freeze`` calls ``add_docs_routes`` once, before routes are planned, so these
are planned and compiled like any other route. They are left out of the document itself.
The document is encoded to JSON once per root path and the bytes reused: it is the
same for every request, and for a large app encoding it costs milliseconds.

The pages load Swagger UI and ReDoc from files the app serves itself under
``<docs_url>/assets/``, so the docs work offline: the files shipped with fastcore
(``fastcore.openapi.docs.BUNDLED_ASSETS_DIR``) unless ``docs_assets_dir`` names another folder;
``docs_cdn=True`` loads them from jsDelivr as FastAPI does and serves no files.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

import msgspec

from fastcore._planning.request_io import ASGIScope
from fastcore.exceptions import FastCoreError, HTTPException
from fastcore.routing import APIRoute

__all__ = ["add_docs_routes"]

# PERF: the page builders (fastcore.openapi.docs, which pulls html and the schema machinery)
# are imported by the endpoints that serve a page, not here: every app imports this module at
# freeze to add its docs routes, and most workers never serve a docs page.

#: The files each page needs from ``docs_assets_dir``, as keyword -> names to look for, first
#: found wins. The names are swagger-ui-dist's and ReDoc's own (and the layouts of the PyPI
#: packages that ship them), so their folders can be copied or pointed at as they are.
_SWAGGER_ASSETS: dict[str, tuple[str, ...]] = {
    "swagger_js_url": ("swagger-ui-bundle.js",),
    "swagger_css_url": ("swagger-ui.css",),
    "swagger_favicon_url": ("favicon.png", "favicon-32x32.png"),
}
_REDOC_ASSETS: dict[str, tuple[str, ...]] = {
    "redoc_js_url": ("redoc.standalone.js", "bundles/redoc.standalone.js"),
    "redoc_favicon_url": ("favicon.png", "favicon-32x32.png"),
}


def _root_path(app: Any, scope: ASGIScope) -> str:
    """The prefix a proxy mounts the app under, which the browser needs in the docs' URLs."""
    root: str = scope.get("root_path") or app.root_path or ""
    return root.rstrip("/")


def _with_server(document: dict[str, Any], root_path: str, app: Any) -> dict[str, Any]:
    """Behind a proxy, list the root path as a server so "Try it out" reaches the app (FastAPI)."""
    if not root_path or not getattr(app, "root_path_in_servers", True):
        return document
    servers = document.get("servers") or []
    if any(s.get("url") == root_path for s in servers):
        return document
    return {**document, "servers": [{"url": root_path}, *servers]}


class _Assets:
    """The local copy of the docs' JS, CSS and favicon: where it is and the URL it is served at."""

    def __init__(self, directory: str | os.PathLike[str], url: str) -> None:
        root = Path(os.fspath(directory)).expanduser()
        if not root.is_dir():
            # NOTE: a typo here would only show as a blank docs page; fail at start-up instead.
            raise FastCoreError(f"docs_assets_dir {os.fspath(directory)!r} is not a directory")
        self.root = root.resolve()
        self.url = url

    def file(self, name: str) -> Path | None:
        """The file ``name`` names inside the directory, or None.

        SECURITY: ``name`` comes from the request path and may hold ``..``, an absolute path or
        a symlink's name; the resolved target must be a regular file under the directory.
        """
        try:
            target = (self.root / name).resolve()
        except (OSError, ValueError):
            return None
        if not target.is_relative_to(self.root) or not target.is_file():
            return None
        return target

    def urls(self, root_path: str, wanted: dict[str, tuple[str, ...]]) -> dict[str, str]:
        """The page keywords pointing at local files: the first candidate present, per asset.

        Looked up per page view (a few stat calls), so assets copied in after start-up are found.
        A missing asset still gets its first name, whose 404 shows in the browser's console.
        """
        urls = {}
        for keyword, names in wanted.items():
            found = next((n for n in names if self.file(n) is not None), names[0])
            urls[keyword] = f"{root_path}{self.url}/{quote(found)}"
        return urls


#: Documents up to this size are returned as ``msgspec.Raw``, larger ones as a Response.
_RAW_LIMIT = 64 * 1024


def _encoded(document: dict[str, Any]) -> Any:
    """The document as the endpoint returns it, encoded once.

    PERF: a ``msgspec.Raw`` takes the plan's plain-JSON path (pre-built headers, no Response
    object) but is copied into each response: for the example app's 10 kB document that is
    17.9 us a request against 20.6 us as a Response, the same as a route returning
    ``{"status": "ok"}`` (17.7 us); for a 350 kB document the copy costs more (27 us against
    21 us), so large documents are sent as a Response over the same bytes. In-process, TestClient.
    """
    body = msgspec.json.encode(document)
    if len(body) <= _RAW_LIMIT:
        return msgspec.Raw(body)
    return body


def _openapi_endpoint(app: Any) -> Any:
    #: root path -> (the document it was encoded from, the encoded body).
    encoded: dict[str, tuple[dict[str, Any], Any]] = {}

    async def openapi(scope: ASGIScope) -> Any:
        root_path = _root_path(app, scope)
        # NOTE: app.openapi() and not build_openapi(app): users may override app.openapi, and
        # it may build a new document (routes added since); the bytes follow the document.
        document = app.openapi()
        cached = encoded.get(root_path)
        if cached is None or cached[0] is not document:
            cached = encoded[root_path] = (
                document,
                _encoded(_with_server(document, root_path, app)),
            )
        body = cached[1]
        if isinstance(body, bytes):
            from starlette.responses import Response

            return Response(content=body, media_type="application/json")
        return body

    return openapi


def _swagger_endpoint(app: Any, assets: _Assets | None) -> Any:
    async def swagger_ui_html(scope: ASGIScope) -> Any:
        from fastcore.openapi.docs import get_swagger_ui_html

        root_path = _root_path(app, scope)
        redirect = app.swagger_ui_oauth2_redirect_url
        local = assets.urls(root_path, _SWAGGER_ASSETS) if assets else {}
        return get_swagger_ui_html(
            openapi_url=root_path + app.openapi_url,
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=root_path + redirect if redirect else None,
            init_oauth=getattr(app, "swagger_ui_init_oauth", None),
            swagger_ui_parameters=app.swagger_ui_parameters,
            **local,
        )

    return swagger_ui_html


def _redoc_endpoint(app: Any, assets: _Assets | None) -> Any:
    async def redoc_html(scope: ASGIScope) -> Any:
        from fastcore.openapi.docs import get_redoc_html

        root_path = _root_path(app, scope)
        if assets is None:
            local: dict[str, Any] = {}
        else:
            # Offline means no Google Fonts either; ReDoc falls back to the system's fonts.
            local = {**assets.urls(root_path, _REDOC_ASSETS), "with_google_fonts": False}
        return get_redoc_html(
            openapi_url=root_path + app.openapi_url, title=f"{app.title} - ReDoc", **local
        )

    return redoc_html


def _assets_endpoint(assets: _Assets) -> Any:
    async def docs_asset(name: str) -> Any:
        file = assets.file(name)
        if file is None:
            raise HTTPException(404, "Not Found")
        from starlette.responses import FileResponse

        return FileResponse(file)

    return docs_asset


async def swagger_ui_redirect() -> Any:
    """Swagger UI's OAuth2 redirect target; the same page for every app."""
    from fastcore.openapi.docs import get_swagger_ui_oauth2_redirect_html

    return get_swagger_ui_oauth2_redirect_html()


def _local_assets(app: Any) -> _Assets | None:
    """The app's offline assets, served beside the first docs page; None when not asked for."""
    directory = getattr(app, "docs_assets_dir", None)
    page = app.docs_url or app.redoc_url
    if getattr(app, "docs_cdn", False):
        if directory is not None:
            raise FastCoreError(
                "docs_cdn=True loads the docs' files from a CDN and docs_assets_dir serves "
                "them from a folder: pass one of the two"
            )
        return None
    if not page:
        return None
    if directory is None:
        # The copy shipped inside fastcore (a path constant, so no page-builder import here).
        directory = Path(__file__).resolve().with_name("static")
    assets = _Assets(directory, page.rstrip("/") + "/assets")
    _add(app, assets.url + "/{name:path}", _assets_endpoint(assets), "docs_assets_dir")
    return assets


def add_docs_routes(app: Any) -> None:
    """Add the document and docs routes the app's settings ask for (``None`` turns one off).

    Without ``openapi_url`` there is no document, so no docs pages either, as in FastAPI.
    """
    if not app.openapi_url:
        return
    _add(app, app.openapi_url, _openapi_endpoint(app), "openapi_url")
    assets = _local_assets(app)
    if app.docs_url:
        _add(app, app.docs_url, _swagger_endpoint(app, assets), "docs_url")
        if app.swagger_ui_oauth2_redirect_url:
            redirect = app.swagger_ui_oauth2_redirect_url
            _add(app, redirect, swagger_ui_redirect, "swagger_ui_oauth2_redirect_url")
    if app.redoc_url:
        _add(app, app.redoc_url, _redoc_endpoint(app, assets), "redoc_url")


def _docs_route_id(route: Any) -> str:
    """The docs routes' own ids, never the app's ``generate_unique_id_function``.

    FastAPI adds these pages as plain Starlette routes that have no unique id, so an app's
    function may assume what only its API routes have (the official template's reads
    ``route.tags[0]``); it must not be called for them.
    """
    return f"fastcore_docs_{route.name}"


def _add(app: Any, path: str, endpoint: Any, setting: str) -> None:
    for existing in app.router._effective_routes():
        if getattr(existing, "path", None) == path and "GET" in (
            getattr(existing, "methods", None) or ()
        ):
            # NOTE: FastAPI registers its docs first and silently shadows such a route.
            raise FastCoreError(
                f"GET {path!r} ({existing.name}) is also the app's {setting}; pass "
                f"{setting}=None (or another URL) to serve your own page there"
            )
    route = app.router.add_api_route(
        path,
        endpoint,
        methods=["GET"],
        include_in_schema=False,
        generate_unique_id_function=_docs_route_id,
        # NOTE: FastAPI's docs routes are plain Starlette routes: an app's route_class
        # (a custom get_route_handler) is not theirs
        route_class_override=APIRoute,
        # NOTE: nor the app's default_response_class (HTMLResponse, say): the document is
        # JSON (None is the plan's JSON path, which sends the msgspec.Raw as it is)
        response_class=None,
    )
    # NOTE: app-wide dependencies (an auth check, say) guard the API, not its docs: FastAPI
    # serves these pages as plain routes outside them, and so do we (the Dependant, read
    # when the route was declared, is read again without them).
    route.dependencies = []
    route.dependant = None
