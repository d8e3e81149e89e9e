"""Router.match, compiled against pure: static, one parameter, and 1,000 routes against 10.

Each group holds both builds so pytest-benchmark shows them side by side; the "last of N"
groups show whether matching cost grows with the number of routes (it should not).
"""

from __future__ import annotations

from types import ModuleType

import pytest
from _support import build_id, builds

BUILDS = builds("router")
IDS = [build_id(m) for m in BUILDS]
build = pytest.mark.parametrize("mod", BUILDS, ids=IDS)


def _app_like(mod: ModuleType, params: int) -> object:
    """A router with a few static routes and ``params`` routes like ``/r{i}/items/{item_id}``."""
    router = mod.Router()
    for path in ("/", "/health", "/items", "/users/me"):
        router.add("GET", path, path)
    router.add("GET", "/items/{item_id}", "item")
    for i in range(params):
        router.add("GET", f"/r{i}/items/{{item_id}}", i)
    return router


@build
def test_static(benchmark, mod):
    benchmark.group = "router: static"
    router = _app_like(mod, 10)
    assert benchmark(router.match, "GET", "/users/me")[1] == "/users/me"


@build
def test_one_param(benchmark, mod):
    benchmark.group = "router: one parameter"
    router = _app_like(mod, 10)
    assert benchmark(router.match, "GET", "/items/42")[2] == {"item_id": "42"}


@build
def test_int_param(benchmark, mod):
    benchmark.group = "router: int parameter"
    router = mod.Router()
    router.add("GET", "/users/{user_id:int}/posts/{post_id:int}", "post")
    assert benchmark(router.match, "GET", "/users/7/posts/12345")[2] == {
        "user_id": 7,
        "post_id": 12345,
    }


@build
@pytest.mark.parametrize("count", [10, 1000])
def test_last_of_n(benchmark, mod, count):
    benchmark.group = "router: last of N parametrised"
    router = _app_like(mod, count)
    path = f"/r{count - 1}/items/42"
    assert benchmark(router.match, "GET", path)[1] == count - 1


@build
def test_not_found(benchmark, mod):
    benchmark.group = "router: not found"
    router = _app_like(mod, 1000)
    assert benchmark(router.match, "GET", "/nowhere/at/all")[0] == mod.NOT_FOUND
