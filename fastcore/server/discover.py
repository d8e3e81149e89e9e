"""Finding the app when the command line does not say ``module:app``, as FastAPI's CLI does.

``fastcore run`` (or ``dev``) with no target looks for ``main.py``, ``app.py``, ``api.py``,
``app/main.py``, ``app/app.py``, ``app/api.py`` and ``api/main.py`` in the app directory, in
that order; a target may also be a file or a package directory (``src/shop/main.py``), or a
module name (``shop.main``). In the module, the app is the attribute named with ``--app``,
else ``app`` or ``api`` if it is a FastCore app, else the only FastCore instance there.

A file inside packages (directories with ``__init__.py``) is imported by its full dotted name
from above the top package, so its relative imports work; that directory goes first on
``sys.path``.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

from fastcore.server.contract import LaneApp
from fastcore.server.sockets import ServerStartupError

__all__ = ["DEFAULT_FILES", "DiscoveryError", "discover", "is_app"]

#: Where the app is looked for when no target is given, in this order (FastAPI's CLI's, and
#: api/main.py).
DEFAULT_FILES = (
    "main.py",
    "app.py",
    "api.py",
    os.path.join("app", "main.py"),
    os.path.join("app", "app.py"),
    os.path.join("app", "api.py"),
    os.path.join("api", "main.py"),
)
_PREFERRED = ("app", "api")


class DiscoveryError(ServerStartupError):
    """No app could be found; the message says where we looked and how to name it."""


def _module_for_file(path: str) -> tuple[str, str]:
    """The dotted module name of a .py file (or package directory) and the directory to import
    it from: above the outermost package that contains it."""
    path = os.path.abspath(path)
    if os.path.isdir(path):
        if not os.path.isfile(os.path.join(path, "__init__.py")):
            raise DiscoveryError(
                f"{path} is a directory without __init__.py: name a .py file in it"
            )
        parts, parent = [os.path.basename(path)], os.path.dirname(path)
    else:
        stem = os.path.splitext(os.path.basename(path))[0]
        parent = os.path.dirname(path)
        parts = [] if stem == "__init__" else [stem]
        if stem == "__init__":
            parts, parent = [os.path.basename(parent)], os.path.dirname(parent)
    while os.path.isfile(os.path.join(parent, "__init__.py")):
        parts.insert(0, os.path.basename(parent))
        parent = os.path.dirname(parent)
    return ".".join(parts), parent


def _default_file(app_dir: str) -> str:
    for name in DEFAULT_FILES:
        candidate = os.path.join(app_dir, name)
        if os.path.isfile(candidate):
            return candidate
    looked = ", ".join(DEFAULT_FILES)
    raise DiscoveryError(
        f"no app given and none of {looked} is in {os.path.abspath(app_dir)}; "
        "name it: fastcore run main:app (or a path: fastcore run src/main.py)"
    )


def is_app(value: Any) -> bool:
    """Whether ``value`` is an app fastcore's server runs: a ``LaneApp`` (a FastCore), not
    its class. The server checks the contract, so it never imports the framework's app."""
    return isinstance(value, LaneApp) and not isinstance(value, type)


def _attribute(module_name: str, app_name: str | None, where: str) -> str:
    module = importlib.import_module(module_name)
    if app_name:
        if not hasattr(module, app_name):
            raise DiscoveryError(f"{where} has no attribute {app_name!r} (--app)")
        return app_name
    for name in _PREFERRED:
        if is_app(getattr(module, name, None)):
            return name
    found = sorted({name for name, value in vars(module).items() if is_app(value)})
    if len(found) == 1:
        return found[0]
    if found:
        names = ", ".join(found)
        raise DiscoveryError(
            f"{where} has several FastCore apps ({names}); pick one with --app NAME "
            f"or {module_name}:NAME"
        )
    raise DiscoveryError(
        f"no FastCore app in {where}: expected an attribute named app or api, or one FastCore "
        f"instance; name it with --app NAME or {module_name}:NAME"
    )


def discover(target: str | None, app_name: str | None, app_dir: str) -> tuple[str, str | None]:
    """``module:attribute`` for the command line's target, and a note saying how it was found.

    An explicit ``module:attribute`` is returned as it is (note None); a file's directory may
    be put first on ``sys.path``. Raises DiscoveryError with a one-line reason.
    """
    if target and ":" in target and not os.path.exists(target):
        if app_name:
            raise DiscoveryError(f"{target} already names the app; drop --app {app_name}")
        return target, None
    if target is None or os.path.exists(target) or target.endswith(".py"):
        path = _default_file(app_dir) if target is None else target
        if not os.path.exists(path):
            raise DiscoveryError(f"{path} does not exist")
        module_name, import_dir = _module_for_file(path)
        if import_dir not in sys.path:
            sys.path.insert(0, import_dir)
        where = os.path.relpath(path)
    else:
        module_name, where = target, f"module {target!r}"
    try:
        attribute = _attribute(module_name, app_name, where)
    except ModuleNotFoundError as exc:
        if exc.name is None or not module_name.startswith(exc.name):
            raise
        raise DiscoveryError(
            f"cannot import {module_name!r}: no module named {exc.name!r} "
            f"(looked in {sys.path[0]} and the installed packages; see --app-dir)"
        ) from None
    return f"{module_name}:{attribute}", f"found {module_name}:{attribute} in {where}"
