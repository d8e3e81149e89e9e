"""Chooses the compiled or the pure-Python build of each speed-up module.

One place decides, so the rest of fastcore imports names from here and never
knows which build it got. ``FASTCORE_NO_EXTENSIONS=1`` forces the pure twins;
``FASTCORE_REQUIRE_EXTENSIONS=1`` turns a missing build into an import error
(CI sets it so that a broken build cannot pass silently on the pure path).
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

__all__ = ["COMPILED", "load"]

_NO_EXTENSIONS = os.environ.get("FASTCORE_NO_EXTENSIONS") == "1"
_REQUIRE = os.environ.get("FASTCORE_REQUIRE_EXTENSIONS") == "1"


def load(name: str) -> ModuleType:
    """Return ``fastcore._speedups.<name>`` if built and allowed, else ``fastcore._pure.<name>``."""
    if not _NO_EXTENSIONS:
        try:
            return importlib.import_module(f"fastcore._speedups.{name}")
        except ImportError:
            if _REQUIRE:
                raise
    return importlib.import_module(f"fastcore._pure.{name}")


def _compiled() -> bool:
    try:
        return load("router").__name__.startswith("fastcore._speedups")
    except ImportError:
        return False


#: True when the compiled extensions are in use.
COMPILED = _compiled()
