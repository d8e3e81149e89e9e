"""Serving ``app.frontend()``: Starlette's StaticFiles behind FastAPI 0.165's fallback rules.

- ``FrontendStaticFiles``: Starlette's ``StaticFiles`` (its lookup, which refuses paths that
  leave the directory and symlinks out of it, and its ``FileResponse`` with ETag, ranges and
  304s) asked for one path; a miss becomes ``404.html`` (status 404) or, for a navigation,
  ``index.html`` (200); methods other than GET/HEAD are a 405 on a file and a 404 elsewhere.
- ``FrontendRoute``: one ``frontend(path, ...)``; matches its path on segment boundaries.
- ``FrontendRouteGroup``: a router's frontends, behind the router's dependencies (planned
  by the app as a path operation is, so overrides, 422s, ``Response`` and background-task
  parameters behave the same); the longest matching path wins.
- ``LowPriority``: the app's stage after every other route (``fastcore/asgi.py`` calls it
  where it would answer 404).

The scope keys (``scope["fastapi"]["frontend_path"]``, ``["frontend_specificity"]``) are
FastAPI's, so code reading them finds the same values.
"""

from __future__ import annotations

import email.message
import errno
import os
import stat
from collections.abc import Iterator, Sequence
from typing import Any

from starlette._utils import get_route_path
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import URL, Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.staticfiles import StaticFiles

from fastcore._frontend import Fallback, join_paths

__all__ = ["FrontendRoute", "FrontendRouteGroup", "FrontendStaticFiles", "LowPriority"]

_SCOPE_KEY = "fastapi"
_PATH_KEY = "frontend_path"
_SPECIFICITY_KEY = "frontend_specificity"
_FALLBACKS = ("auto", "index.html", "404.html", None)


def _resolved(path: str | os.PathLike[str]) -> str:
    return os.path.realpath(os.fspath(path))


def _specificity(path: str) -> int:
    return 0 if path == "/" else len(path)


def _scope_specificity(child: dict[str, Any]) -> int | None:
    found = child.get(_SCOPE_KEY, {}).get(_SPECIFICITY_KEY)
    return found if isinstance(found, int) else None


def update_scope(scope: dict[str, Any], child: dict[str, Any]) -> None:
    """``scope.update(child)``, merging the ``"fastapi"`` entries instead of replacing them."""
    if _SCOPE_KEY in child:
        child = dict(child)
        scope.setdefault(_SCOPE_KEY, {}).update(child.pop(_SCOPE_KEY))
    scope.update(child)


def _accepted_media_types(accept: str) -> Iterator[tuple[str, float]]:
    """``(type/subtype, q)`` per entry, parsed as a MIME header (parameters, quoting); a ``q``
    that is not a number counts as 1, as FastAPI reads it."""
    for raw in accept.split(","):
        message = email.message.Message()
        message["content-type"] = raw.strip()
        q = message.get_param("q")
        quality = 1.0
        if isinstance(q, str):
            try:
                quality = float(q)
            except ValueError:
                pass
        yield f"{message.get_content_maintype()}/{message.get_content_subtype()}", quality


def is_navigation(scope: dict[str, Any]) -> bool:
    """A browser loading a page: its ``Accept`` takes HTML or XHTML explicitly (q > 0); a
    bare ``*/*`` (scripts, images, fetch calls) is not one."""
    accept = Headers(scope=scope).get("accept", "")
    return any(
        media in ("text/html", "application/xhtml+xml") and quality != 0
        for media, quality in _accepted_media_types(accept)
    )


class FrontendStaticFiles(StaticFiles):
    """One frontend's directory; the path to serve is the one its route matched."""

    def __init__(
        self, *, directory: str | os.PathLike[str], fallback: Fallback, check_dir: bool
    ) -> None:
        self.fallback = fallback
        if check_dir and not os.path.isdir(directory):
            raise RuntimeError(
                f"Frontend directory '{directory}' does not exist. "
                f"Resolved absolute path: '{_resolved(directory)}'"
            )
        super().__init__(directory=directory, html=True, check_dir=check_dir)
        if check_dir and fallback in ("index.html", "404.html"):
            assert fallback is not None
            _, found = self.lookup_path(fallback)
            if found is None or not stat.S_ISREG(found.st_mode):
                raise self._missing(fallback)

    def _missing(self, fallback: str) -> RuntimeError:
        assert self.directory is not None
        return RuntimeError(
            f"Frontend fallback file '{fallback}' does not exist in directory "
            f"'{self.directory}'. Resolved absolute directory: '{_resolved(self.directory)}'"
        )

    def get_path(self, scope: Any) -> str:
        path: str = scope.get(_SCOPE_KEY, {}).get(_PATH_KEY, "")
        return os.path.normpath(os.path.join(*path.split("/")))

    async def get_response_for_scope(self, scope: Any) -> Response:
        if not self.config_checked:
            await self.check_config()
            self.config_checked = True
        return await self.get_response(self.get_path(scope), scope)

    async def get_response(self, path: str, scope: Any) -> Response:
        found = await self._lookup_resource(path)
        if scope["method"] not in ("GET", "HEAD"):
            raise HTTPException(status_code=404 if found is None else 405)
        if found is not None:
            full_path, stat_result, directory_index = found
            if directory_index and not scope["path"].endswith("/"):
                url = URL(scope=scope)
                return RedirectResponse(url=url.replace(path=url.path + "/"))
            return self.file_response(full_path, stat_result, scope)
        if self.fallback == "404.html" or (
            self.fallback == "auto" and await self._is_file("404.html")
        ):
            return await self._fallback("404.html", scope, 404)
        if (
            self.fallback == "index.html"
            or (self.fallback == "auto" and await self._is_file("index.html"))
        ) and is_navigation(scope):
            return await self._fallback("index.html", scope, 200)
        raise HTTPException(status_code=404)

    async def _lookup(self, path: str) -> tuple[str, os.stat_result | None]:
        try:
            return await run_in_threadpool(self.lookup_path, path)
        except PermissionError:
            raise HTTPException(status_code=401) from None
        except OSError as exc:
            if exc.errno == errno.ENAMETOOLONG:
                raise HTTPException(status_code=404) from None
            raise
        except ValueError:
            raise HTTPException(status_code=404) from None

    async def _lookup_resource(self, path: str) -> tuple[str, os.stat_result, bool] | None:
        """The file at ``path``, or its directory's ``index.html`` (flagged), or None."""
        full_path, found = await self._lookup(path)
        if found is None:
            return None
        if stat.S_ISREG(found.st_mode):
            return full_path, found, False
        if stat.S_ISDIR(found.st_mode):
            full_path, found = await self._lookup(os.path.join(path, "index.html"))
            if found is not None and stat.S_ISREG(found.st_mode):
                return full_path, found, True
        return None

    async def _is_file(self, name: str) -> bool:
        _, found = await run_in_threadpool(self.lookup_path, name)
        return found is not None and stat.S_ISREG(found.st_mode)

    async def _fallback(self, name: str, scope: Any, status_code: int) -> Response:
        full_path, found = await run_in_threadpool(self.lookup_path, name)
        if found is None or not stat.S_ISREG(found.st_mode):
            raise self._missing(name)
        return self.file_response(full_path, found, scope, status_code=status_code)


class FrontendRoute(BaseRoute):
    """``frontend(path, directory=...)``: GET and HEAD under ``path``, served from the files."""

    def __init__(
        self,
        path: str,
        *,
        directory: str | os.PathLike[str],
        fallback: Fallback = "auto",
        check_dir: bool,
    ) -> None:
        if fallback not in _FALLBACKS:
            raise AssertionError("fallback must be 'auto', 'index.html', '404.html', or None")
        self.path = path
        self.methods = {"GET", "HEAD"}
        self.app = FrontendStaticFiles(directory=directory, fallback=fallback, check_dir=check_dir)

    def matches(self, scope: Any) -> tuple[Match, Any]:
        return self.matches_with_path(scope, self.path)

    def matches_with_path(self, scope: Any, path: str) -> tuple[Match, Any]:
        """Match as if this frontend were at ``path`` (its path under an include's prefix)."""
        if scope["type"] != "http":
            return Match.NONE, {}
        route_path = get_route_path(scope)
        if path == "/":
            rest: str | None = route_path.lstrip("/")
        elif route_path == path:
            rest = ""
        elif route_path.startswith(path + "/"):
            rest = route_path[len(path) + 1 :]
        else:
            return Match.NONE, {}
        child = {_SCOPE_KEY: {_PATH_KEY: rest, _SPECIFICITY_KEY: _specificity(path)}}
        if scope["method"] not in self.methods:
            return Match.PARTIAL, child
        return Match.FULL, child

    async def handle(self, scope: Any, receive: Any, send: Any) -> None:
        response = await self.app.get_response_for_scope(scope)
        await response(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        raise NoMatchFound(name, path_params)


class FrontendRouteGroup(BaseRoute):
    """A router's frontends (shared with its copies in the routers that include it), under
    ``prefix``, behind ``dependencies``.

    The dependencies run on a full match only (GET or HEAD): a POST to a file is a 405
    without them, as in FastAPI. ``plan`` is their plan, made by the app when it starts.
    """

    def __init__(
        self,
        *,
        dependencies: Sequence[Any] | None = None,
        prefix: str = "",
        routes: list[FrontendRoute] | None = None,
    ) -> None:
        self.routes: list[FrontendRoute] = [] if routes is None else routes
        self.dependencies = list(dependencies or [])
        self.prefix = prefix
        self.plan: Any = None

    def included(self, prefix: str, dependencies: Sequence[Any]) -> FrontendRouteGroup:
        """This group as a router that includes it under ``prefix`` serves it."""
        return FrontendRouteGroup(
            dependencies=[*dependencies, *self.dependencies],
            prefix=prefix + self.prefix,
            routes=self.routes,
        )

    def matches(self, scope: Any) -> tuple[Match, Any]:
        match, child, _ = self.match(scope)
        return match, child

    def matches_with_prefix(self, scope: Any, prefix: str) -> tuple[Match, Any]:
        match, child, _ = self.match(scope, prefix + self.prefix)
        return match, child

    def match(self, scope: Any, prefix: str | None = None) -> tuple[Match, Any, Any]:
        """The best match of the group's frontends: a full one over a partial one, then the
        longest path."""
        prefix = self.prefix if prefix is None else prefix
        best: dict[Match, tuple[Any, FrontendRoute, int]] = {}
        for route in self.routes:
            path = join_paths(prefix, route.path)
            match, child = route.matches_with_path(scope, path)
            if match is Match.NONE:
                continue
            specificity = _specificity(path)
            if match not in best or specificity > best[match][2]:
                best[match] = (child, route, specificity)
        for match in (Match.FULL, Match.PARTIAL):
            if match in best:
                return match, best[match][0], best[match][1]
        return Match.NONE, {}, None

    def route_path(self, route: FrontendRoute) -> str:
        """The route's template as telemetry names it (FastAPI's ``/prefix/{path}``)."""
        return join_paths(self.prefix, route.path).rstrip("/") + "/{path}"

    async def handle(self, scope: Any, receive: Any, send: Any) -> None:
        match, child, route = self.match(scope)
        if route is None:
            raise HTTPException(status_code=404)
        update_scope(scope, child)
        if match is Match.FULL and self.plan is not None:
            await self.plan(scope, receive, send, {})
            return
        await route.handle(scope, receive, send)

    async def respond(self, request: Any, response: Response) -> Response:
        """The endpoint of the group's plan: the file, with the headers the dependencies set
        on their ``Response`` parameter (FastAPI adds them to the frontend's response)."""
        _, _, route = self.match(request.scope)
        assert route is not None
        answer: Response = await route.app.get_response_for_scope(request.scope)
        answer.raw_headers.extend(response.raw_headers)
        return answer

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        raise NoMatchFound(name, path_params)


def _plan_group(app: Any, group: FrontendRouteGroup) -> None:
    """The group's dependencies planned as a path operation whose endpoint is the files."""
    if not group.dependencies:
        group.plan = None
        return
    from fastcore.routing import APIRoute

    async def frontend(request: Request, response: Response) -> Response:
        return await group.respond(request, response)

    route = APIRoute(
        group.prefix or "/",
        frontend,
        methods=["GET", "HEAD"],
        dependencies=group.dependencies,
        include_in_schema=False,
        name="frontend",
    )
    group.plan = app._plan(route)


class LowPriority:
    """The app's low-priority routes, tried when no other route, mount or redirect answers.

    A full match over a partial one; among frontends, the longest path; otherwise the order
    they were added in. None matching is the app's 404.
    """

    def __init__(self, app: Any) -> None:
        from fastcore.routing import APIRoute

        self.candidates = list(app.router._low_priority_routes)
        for candidate in self.candidates:
            if isinstance(candidate, FrontendRouteGroup):
                _plan_group(app, candidate)
            elif isinstance(candidate, APIRoute):
                candidate.plan = app._plan(candidate)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        found = self.best(scope)
        if found is None:
            raise HTTPException(status_code=404)
        child, candidate = found
        if not isinstance(candidate, FrontendRouteGroup):
            update_scope(scope, child)
        await candidate.handle(scope, receive, send)

    def template(self, scope: Any) -> str | None:
        """The route template telemetry names the request by (FastAPI's ``/ui/{path}``)."""
        found = self.best(scope)
        if found is None:
            return None
        candidate = found[1]
        if isinstance(candidate, FrontendRouteGroup):
            route = candidate.match(scope)[2]
            return None if route is None else candidate.route_path(route)
        return getattr(candidate, "path_format", None)

    def best(self, scope: Any) -> tuple[Any, Any] | None:
        """``(child scope, candidate)`` of the best match, or None."""
        best: dict[Match, tuple[Any, Any]] = {}
        for candidate in self.candidates:
            match, child = candidate.matches(scope)
            if match is Match.NONE:
                continue
            if match not in best:
                best[match] = (child, candidate)
                continue
            mine, theirs = _scope_specificity(child), _scope_specificity(best[match][0])
            if mine is not None and theirs is not None and mine > theirs:
                best[match] = (child, candidate)
        for match in (Match.FULL, Match.PARTIAL):
            if match in best:
                return best[match]
        return None
