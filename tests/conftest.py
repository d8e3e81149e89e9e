"""Shared fixtures: ``impl`` runs a test against the compiled and the pure build."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest


def implementations(name: str) -> list[ModuleType]:
    """Both builds of ``name``; the compiled one is skipped only when it was never built."""
    mods = [importlib.import_module(f"fastcore._pure.{name}")]
    try:
        mods.insert(0, importlib.import_module(f"fastcore._speedups.{name}"))
    except ImportError:
        if os.environ.get("FASTCORE_REQUIRE_EXTENSIONS") == "1":
            raise
    return mods


def _ids(mods: list[ModuleType]) -> list[str]:
    return ["compiled" if m.__name__.startswith("fastcore._speedups") else "pure" for m in mods]


@pytest.fixture(params=implementations("router"), ids=_ids(implementations("router")))
def router_impl(request: pytest.FixtureRequest) -> ModuleType:
    """The router module, compiled and pure."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(params=implementations("query"), ids=_ids(implementations("query")))
def query_impl(request: pytest.FixtureRequest) -> ModuleType:
    """The query-string parser, compiled and pure."""
    return request.param  # type: ignore[no-any-return]
