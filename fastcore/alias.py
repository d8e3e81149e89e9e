"""The ``fastapi`` alias: unchanged FastAPI code, and the libraries it uses, import fastcore.

``fastcore.alias.install()`` (first thing in a ``conftest.py`` or an entry point; or
``fastcore run --as-fastapi main:app``) puts an import hook first on ``sys.meta_path``. From
then on ``import fastapi`` and every ``import fastapi.X`` are served by fastcore's module of the
same path (``fastapi.responses`` *is* ``fastcore.responses``), even when the real FastAPI is
installed in the same environment; a ``fastapi.X`` fastcore has no counterpart for raises a
``ModuleNotFoundError`` that names it, rather than loading that piece of the real FastAPI
beside fastcore. Installing refuses when the real FastAPI is already imported: two frameworks'
classes in one process would make ``isinstance`` checks and exception handlers disagree.

The top-level ``fastapi`` module is a small module of its own (FastAPI's names, from fastcore)
so that its ``__version__`` is the FastAPI version fastcore is compatible with, which libraries
compare against.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from collections.abc import Sequence
from typing import Any

__all__ = [
    "FASTAPI_VERSION",
    "FastAPIAlreadyImportedError",
    "install",
    "installed",
    "uninstall",
]

#: The FastAPI release fastcore's FastAPI-compatible surface follows.
FASTAPI_VERSION = "0.165.0"

#: ``fastapi.X`` -> the fastcore module that serves it, where the paths differ.
_RENAMED: dict[str, str] = {}

#: ``fastapi.X`` fastcore does not provide, with what that module is, for the error message.
_MISSING = {
    "fastapi.middleware.wsgi": "WSGIMiddleware (use a2wsgi's)",
    "fastapi.middleware.asyncexitstack": "FastAPI's AsyncExitStackMiddleware (fastcore's"
    " routes run their dependencies' exit stack themselves)",
}

#: What ``from fastapi import *`` gives in FastAPI 0.165.
_TOP_LEVEL = (
    "APIRouter",
    "BackgroundTasks",
    "Body",
    "Cookie",
    "Depends",
    "FastAPI",
    "File",
    "Form",
    "HTTPException",
    "Header",
    "Path",
    "Query",
    "Request",
    "Response",
    "Security",
    "UploadFile",
    "WebSocket",
    "WebSocketDisconnect",
    "WebSocketException",
    "status",
)

#: Top-level names that live in a fastcore module other than ``fastcore`` itself.
_TOP_LEVEL_HOMES = dict.fromkeys(("WebSocket", "WebSocketDisconnect"), "fastcore.websockets")


class FastAPIAlreadyImportedError(ImportError):
    """The real FastAPI was imported before the alias could be installed."""


def _target(fullname: str) -> str:
    """The fastcore module that serves ``fastapi.X``."""
    return _RENAMED.get(fullname, "fastcore" + fullname[len("fastapi") :])


def _missing(fullname: str, why: str) -> ModuleNotFoundError:
    return ModuleNotFoundError(
        f"No module named {fullname!r} under fastcore's FastAPI alias: {why}."
        " Import it from the real FastAPI without the alias, or use fastcore's counterpart.",
        name=fullname,
    )


class _AliasLoader(importlib.abc.Loader):
    """Puts fastcore's module in ``sys.modules`` under the ``fastapi`` name being imported.

    NOTE: the import system re-reads ``sys.modules[name]`` after ``exec_module``, so the module
    it created is replaced by fastcore's own, which keeps its ``__name__`` and ``__spec__``.
    """

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        name = module.__name__
        if name == "fastapi":
            _fill_top_level(module)
            return
        if name in _MISSING:
            raise _missing(name, _MISSING[name])
        target = _target(name)
        try:
            real = importlib.import_module(target)
        except ModuleNotFoundError as exc:
            if exc.name != target:
                raise
            raise _missing(name, f"fastcore has no {target}") from None
        sys.modules[name] = real


def _fill_top_level(module: types.ModuleType) -> None:
    """The ``fastapi`` package: FastAPI's top-level names, from fastcore, and its version."""
    import fastcore

    module.__version__ = FASTAPI_VERSION  # type: ignore[attr-defined]
    module.__file__ = fastcore.__file__
    module.__all__ = list(_TOP_LEVEL)  # type: ignore[attr-defined]

    def __getattr__(name: str) -> Any:
        home = _TOP_LEVEL_HOMES.get(name)
        value = getattr(importlib.import_module(home) if home else fastcore, name, _UNSET)
        if value is _UNSET:
            raise AttributeError(f"module 'fastapi' (fastcore's alias) has no attribute {name!r}")
        setattr(module, name, value)
        return value

    module.__getattr__ = __getattr__  # type: ignore[method-assign]


_UNSET = object()


class _AliasFinder(importlib.abc.MetaPathFinder):
    """Answers for ``fastapi`` and ``fastapi.*`` before any other finder is asked."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "fastapi" and not fullname.startswith("fastapi."):
            return None
        return importlib.util.spec_from_loader(fullname, _LOADER, is_package=True)


_LOADER = _AliasLoader()
_FINDER = _AliasFinder()


def _real_fastapi_modules() -> list[str]:
    """Names of modules the real FastAPI put in ``sys.modules``."""
    return sorted(
        name
        for name, module in list(sys.modules.items())
        if (name == "fastapi" or name.startswith("fastapi."))
        and not getattr(module, "__name__", "").startswith("fastcore")
        and getattr(module, "__file__", None) != _fastcore_file()
    )


def _fastcore_file() -> str | None:
    import fastcore

    return fastcore.__file__


def installed() -> bool:
    """Whether ``import fastapi`` is served by fastcore in this process."""
    return _FINDER in sys.meta_path


def install() -> None:
    """Serve ``fastapi`` and ``fastapi.*`` from fastcore from now on, in this process.

    Call it before anything imports ``fastapi``: first thing in ``conftest.py`` or in the
    module that starts the app. Calling it again is harmless. Raises
    ``FastAPIAlreadyImportedError`` when the real FastAPI is already imported.
    """
    if installed():
        return
    real = _real_fastapi_modules()
    if real:
        raise FastAPIAlreadyImportedError(
            "the real FastAPI is already imported in this process"
            f" ({', '.join(real[:3])}{', ...' if len(real) > 3 else ''}), so fastcore cannot"
            " serve `fastapi`: call fastcore.alias.install() before anything imports fastapi"
            " (first thing in conftest.py, or use `fastcore run --as-fastapi`)"
        )
    sys.meta_path.insert(0, _FINDER)
    importlib.invalidate_caches()


def uninstall() -> None:
    """Stop serving ``fastapi`` from fastcore and forget the modules served under that name."""
    while _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    for name in [n for n in sys.modules if n == "fastapi" or n.startswith("fastapi.")]:
        del sys.modules[name]
