"""What the micro benchmarks share: both builds of a module, and driving a coroutine once.

Benchmarks assert nothing; these helpers only keep their set-up identical.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Coroutine
from types import ModuleType
from typing import Any

from fastcore._accel import compiled_name, is_compiled

__all__ = ["TWINS", "build_id", "builds", "drive", "http_scope"]


#: The twin modules by short name: each pure module, whose compiled twin sits beside it.
TWINS = {
    "protocol": "fastcore.server.http.protocol",
    "query": "fastcore._routing.query",
    "router": "fastcore._routing.router",
}


def builds(name: str) -> list[ModuleType]:
    """The compiled build of ``name`` (if built) and its pure twin, compiled first."""
    mods = [importlib.import_module(TWINS[name])]
    try:
        mods.insert(0, importlib.import_module(compiled_name(TWINS[name])))
    except ImportError:
        pass
    return mods


def build_id(mod: ModuleType) -> str:
    return "compiled" if is_compiled(mod) else "pure"


def http_scope(path: str, query: bytes = b"", headers: list | None = None) -> dict[str, Any]:
    return {
        "type": "http",
        "method": "GET",
        "path": path,
        "headers": headers or [],
        "query_string": query,
    }


def drive(make: Callable[[], Coroutine[Any, Any, Any]]) -> Callable[[], None]:
    """A callable that runs ``make()`` to completion without an event loop.

    The request path never suspends for these in-memory requests, so one ``send(None)``
    finishes it; this measures the framework, not the loop.
    """

    def run() -> None:
        coro = make()
        try:
            coro.send(None)
        except StopIteration:
            return
        coro.close()
        raise RuntimeError("the benchmarked request suspended; it needs an event loop")

    return run
