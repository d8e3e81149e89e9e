"""Which build a test run tests, and both builds for the tests that hold the twins equal.

A run tests one build, the one production would load under the same settings
(``FASTCORE_NO_EXTENSIONS=1``: pure; otherwise compiled, or pure where it was never built):
``make pytest-compiled`` and ``make pytest-pure`` each run every twin test once, and neither
mixes the compiled protocol with the pure router. Only the tests that hold the twins to the
same surface and results (``both_builds``) import both.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

from fastcore._accel import compiled_name, is_compiled, load

__all__ = ["TWINS", "both_builds", "ids", "implementations"]

#: The twin modules by short name: each pure module, whose compiled twin sits beside it.
TWINS = {
    "protocol": "fastcore.server.http.protocol",
    "query": "fastcore._routing.query",
    "router": "fastcore._routing.router",
}


def implementations(name: str) -> list[ModuleType]:
    """The build of ``name`` this run tests, as a one-item list (for ``params=``)."""
    return [load(TWINS[name])]


def both_builds(name: str) -> list[ModuleType]:
    """Both builds of ``name``, compiled first; the compiled one is left out only when it was
    never built (``FASTCORE_REQUIRE_EXTENSIONS=1`` makes that an error)."""
    mods = [importlib.import_module(TWINS[name])]
    try:
        mods.insert(0, importlib.import_module(compiled_name(TWINS[name])))
    except ImportError:
        if os.environ.get("FASTCORE_REQUIRE_EXTENSIONS") == "1":
            raise
    return mods


def ids(mods: list[ModuleType]) -> list[str]:
    """Test ids for ``params=mods``: "compiled" or "pure"."""
    return ["compiled" if is_compiled(m) else "pure" for m in mods]
