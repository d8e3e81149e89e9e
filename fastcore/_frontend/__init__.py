"""``app.frontend(path, directory=...)``: a static frontend build served as low-priority routes.

FastAPI 0.165's feature, with its behaviour: every other route (API routes, mounts, plain
routes, the slash redirect) is tried first; only a request nothing else takes is looked up in
the build directory (Starlette's ``StaticFiles``: ETag, Last-Modified, ranges, directory
``index.html``), and a miss falls back to ``404.html`` or, for a browser navigation (an
``Accept`` that takes HTML), ``index.html``. The app's and router's dependencies run before
a file is served, as they do for a path operation.

This module is what APIRouter and the app carry (the ``frontend`` method, the arguments'
checks, the include step): it imports nothing of Starlette, so an app without a frontend pays
nothing. Serving is ``fastcore/_frontend/serve.py``, loaded by the first ``frontend()``.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from fastcore._frontend.serve import FrontendRouteGroup
    from fastcore.params import Depends

__all__ = ["Fallback", "FrontendMethods", "include_low_priority", "resolve_check_dir"]

Fallback = Literal["auto", "index.html", "404.html"] | None


def normalize_path(path: str) -> str:
    """The frontend's path as FastAPI keeps it: starts with ``/``, no trailing ``/``."""
    if not path:
        raise AssertionError("A frontend path cannot be empty")
    if not path.startswith("/"):
        raise AssertionError("A frontend path must start with '/'")
    return path if path == "/" else path.rstrip("/")


def join_paths(prefix: str, path: str) -> str:
    """``prefix`` + ``path`` where ``/`` alone is the prefix itself."""
    if not prefix:
        return path
    return prefix if path == "/" else prefix + path


def resolve_check_dir(directory: str | os.PathLike[str], check_dir: bool | str) -> bool:
    """``check_dir="auto"``: check, except under ``FASTAPI_ENV=development`` (``fastapi dev``),
    where a missing directory is a warning pointing at the caller's line (the build may not
    have run yet)."""
    if check_dir != "auto":
        return bool(check_dir)
    if os.environ.get("FASTAPI_ENV") != "development":
        return True
    if not os.path.isdir(directory):
        warnings.warn(
            f"Frontend directory '{directory}' does not exist. "
            f"Resolved absolute path: '{os.path.realpath(os.fspath(directory))}'",
            stacklevel=3,
        )
    return False


class FrontendMethods:
    """APIRouter's side: ``frontend()`` and the low-priority routes it records.

    ``_frontend_routes`` (this router's own frontends, one group) and ``_low_priority_routes``
    (what is tried after every other route: that group, the groups of included routers) keep
    FastAPI's names: code that inspects a router finds them where FastAPI has them.
    """

    prefix: str
    dependencies: list[Depends]
    _frontend_routes: FrontendRouteGroup | None = None

    def _routes_changed(self) -> None:
        raise NotImplementedError

    def _mark_routes_changed(self) -> None:
        """FastAPI's name for "re-plan before the next request"."""
        self._routes_changed()

    @property
    def _low_priority_routes(self) -> list[Any]:
        found: list[Any] | None = self.__dict__.get("_low_priority")
        if found is None:
            found = self.__dict__["_low_priority"] = []
        return found

    def frontend(
        self,
        path: str,
        *,
        directory: str | os.PathLike[str],
        fallback: Fallback = "auto",
        check_dir: bool | Literal["auto"] = "auto",
    ) -> None:
        """Serve a static frontend build (``dist/``) under ``path`` as low-priority routes.

        Path operations are matched first; the files only when no other route matched. A
        missing file answers ``404.html`` when there is one (``fallback="auto"``), else
        ``index.html`` to a browser navigation (client-side routing), else a 404.
        ``fallback="index.html"`` or ``"404.html"`` require that file; ``None`` never falls
        back. ``check_dir`` checks that ``directory`` exists now (``"auto"``: except under
        ``FASTAPI_ENV=development``, where it warns).
        """
        checked = resolve_check_dir(directory, check_dir)
        from fastcore._frontend.serve import FrontendRoute, FrontendRouteGroup

        route = FrontendRoute(
            join_paths(self.prefix, normalize_path(path)),
            directory=directory,
            fallback=fallback,
            check_dir=checked,
        )
        if self._frontend_routes is None:
            self._frontend_routes = FrontendRouteGroup(dependencies=self.dependencies)
            self._low_priority_routes.append(self._frontend_routes)
        self._frontend_routes.routes.append(route)
        self._routes_changed()


def include_low_priority(
    parent: FrontendMethods,
    child: FrontendMethods,
    prefix: str,
    dependencies: Sequence[Depends] | None,
) -> None:
    """``parent.include_router(child, prefix=..., dependencies=...)`` for low-priority routes.

    fastcore copies an included router's routes into the parent (``routing.py``); a frontend
    group is copied the same way: the same files (a frontend added to ``child`` later is
    served too), under ``prefix``, behind the parent's, the include's and its own
    dependencies, in that order, as the path operations of ``child`` are.
    """
    if not child.__dict__.get("_low_priority"):
        return  # NOTE: the usual case: nothing of serve.py is loaded for it
    from fastcore._frontend.serve import FrontendRouteGroup

    outer = [*parent.dependencies, *(dependencies or [])]
    for group in child._low_priority_routes:
        if isinstance(group, FrontendRouteGroup):
            parent._low_priority_routes.append(group.included(prefix, outer))
    parent._routes_changed()
