"""Shared fixtures: the build under test (``router_impl``, ``query_impl``) and the twins.

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

import pytest

from fastcore._accel import compiled_name, is_compiled, load

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


def _ids(mods: list[ModuleType]) -> list[str]:
    return ["compiled" if is_compiled(m) else "pure" for m in mods]


@pytest.fixture(params=implementations("router"), ids=_ids(implementations("router")))
def router_impl(request: pytest.FixtureRequest) -> ModuleType:
    """The router build under test."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(params=implementations("query"), ids=_ids(implementations("query")))
def query_impl(request: pytest.FixtureRequest) -> ModuleType:
    """The query-string parser build under test."""
    return request.param  # type: ignore[no-any-return]


def _starlette_version() -> tuple[int, ...]:
    import starlette

    return tuple(int(p) for p in starlette.__version__.split(".")[:2] if p.isdigit())


#: Side-by-side tests compare with Starlette 1.10's behaviour, which fastcore matches. On
#: Python 3.10 pip installs an older Starlette (1.7) that differs (Vary merging, default gzip
#: exclusions, case-sensitive hosts, unquoted redirect paths); those comparisons are skipped
#: there and run on every newer Python.
OLD_STARLETTE = pytest.mark.skipif(
    _starlette_version() < (1, 10),
    reason="the reference Starlette on this Python is older than the behaviour fastcore matches",
)


def _hypothesis_profiles() -> None:
    """CI explores the same examples on every run, so a landing is never decided by luck;
    developers' runs keep exploring new ones (and keep the failures they find)."""
    from hypothesis import settings

    settings.register_profile("ci", derandomize=True, database=None, deadline=None)
    if os.environ.get("CI"):
        settings.load_profile("ci")


_hypothesis_profiles()

#: A FastAPI project run by tests/test_alias.py in its own pytest process, under the alias.
collect_ignore = ["alias_project"]
