"""The benchmark apps, and loading one in this process (the smoke test, micro benchmarks).

``FASTCORE_APPS`` maps each fastcore server name of ``make bench-load`` to its app; the
``fastcore-fastapi-app`` entry is FastAPI's own benchmark app, unchanged, served by fastcore
through the ``fastapi`` alias (``fastcore run --as-fastapi`` in the load benchmark).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

__all__ = ["FASTAPI_ON_FASTCORE", "FASTCORE_APPS", "load"]

FASTAPI_ON_FASTCORE = "fastcore-fastapi-app"

#: server name -> (module, what the app is written like)
FASTCORE_APPS = {
    "fastcore": ("bench.load.apps.fastcore_app", "async handlers, no dependencies, dicts"),
    "fastcore-annotated": (
        "bench.load.apps.annotated_app",
        "return annotations on every handler, msgspec Struct body and models",
    ),
    "fastcore-tutorial": (
        "bench.load.apps.tutorial_app",
        "FastAPI tutorial style: def settings and yield session dependencies, response_model"
        " and return annotations (pydantic), a returned PlainTextResponse, routers with"
        " prefixes, Path/Query constraints, status_code=",
    ),
    "fastcore-def": (
        "bench.load.apps.tutorial_def_app",
        "the tutorial app with def handlers and def dependencies (thread pool)",
    ),
    "fastcore-def-inline": (
        "bench.load.apps.tutorial_def_inline_app",
        "the def app with sync_inline=True (def callables called on the loop)",
    ),
    FASTAPI_ON_FASTCORE: (
        "bench.load.apps.fastapi_app",
        "the FastAPI benchmark app (pydantic body), unchanged, through the fastapi alias",
    ),
}


def load(name: str) -> Any:
    """The app of server ``name`` (a key of FASTCORE_APPS), imported in this process.

    FastAPI's app is executed afresh from its file under a private module name, its
    ``fastapi`` imports served by fastcore's alias; the real FastAPI's modules, if this process
    imported them (the micro benchmarks compare against it), are set aside meanwhile and put
    back after, so both frameworks keep working here.
    """
    module = FASTCORE_APPS[name][0]
    if name != FASTAPI_ON_FASTCORE:
        return importlib.import_module(module).app
    from fastcore import alias

    private = f"{module}__on_fastcore"
    if private in sys.modules:
        return sys.modules[private].app
    if alias.installed():  # someone else's alias: leave it as it is
        return importlib.import_module(module).app
    real = {n: m for n, m in sys.modules.items() if n == "fastapi" or n.startswith("fastapi.")}
    for n in real:
        del sys.modules[n]
    alias.install()
    try:
        path = Path(__file__).with_name(module.rsplit(".", 1)[1] + ".py")
        spec = importlib.util.spec_from_file_location(private, path)
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules[private] = mod
        spec.loader.exec_module(mod)
    finally:
        alias.uninstall()
        sys.modules.update(real)
    return mod.app
