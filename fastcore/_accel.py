"""Chooses the compiled or the pure-Python build of each speed-up module.

A compiled module sits beside the Python it twins, named after it with a leading underscore
and a ``_c`` suffix (``fastcore._routing.router`` is compiled as
``fastcore._routing._router_c``): an extension module cannot share the ``.py``'s name.
One place decides, so the rest of fastcore imports names from the packages that call
``load`` and never knows which build it got. ``FASTCORE_NO_EXTENSIONS=1`` forces the pure
twins; ``FASTCORE_REQUIRE_EXTENSIONS=1`` turns a missing build into an import error (CI sets
it so that a broken build cannot pass silently on the pure path).
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

__all__ = ["compiled_name", "is_compiled", "load"]

_NO_EXTENSIONS = os.environ.get("FASTCORE_NO_EXTENSIONS") == "1"
_REQUIRE = os.environ.get("FASTCORE_REQUIRE_EXTENSIONS") == "1"


def compiled_name(pure: str) -> str:
    """The compiled twin's module name: ``pkg.name`` -> ``pkg._name_c``."""
    package, _, name = pure.rpartition(".")
    return f"{package}._{name}_c"


def is_compiled(module: ModuleType) -> bool:
    """True for a compiled twin (its name ends in ``_c``), False for a pure module."""
    return module.__name__.endswith("_c")


def load(pure: str) -> ModuleType:
    """Return the compiled twin of module ``pure`` if built and allowed, else ``pure`` itself."""
    if not _NO_EXTENSIONS:
        try:
            return importlib.import_module(compiled_name(pure))
        except ImportError:
            if _REQUIRE:
                raise
    return importlib.import_module(pure)
