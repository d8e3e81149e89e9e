"""The router and query-parser builds under test (``router_impl``, ``query_impl``)."""

from __future__ import annotations

from types import ModuleType

import pytest

from tests.support.builds import ids, implementations


@pytest.fixture(params=implementations("router"), ids=ids(implementations("router")))
def router_impl(request: pytest.FixtureRequest) -> ModuleType:
    """The router build under test."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(params=implementations("query"), ids=ids(implementations("query")))
def query_impl(request: pytest.FixtureRequest) -> ModuleType:
    """The query-string parser build under test."""
    return request.param  # type: ignore[no-any-return]
