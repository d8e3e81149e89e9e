"""The tutorial's handler shapes through fastcore's server, in memory (issue 11).

Each shape of bench/micro/lane_shapes.py (dependencies of every kind, ``def`` handlers in
the thread pool, a returned Response object, a router with a prefix and a response model)
is fed to one connection of each protocol build, on an event loop, request after request;
a shape that hops to the thread pool is timed with its hop. Compare a shape with ``bare``
(the direct path's floor) in the same run.

    make bench BENCH_ARGS="-k lane"
"""

import sys
from pathlib import Path

import pytest
from _support import build_id, builds

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from lane_shapes import SHAPES, app  # noqa: E402

from bench.load.inmemory import InMemoryServer  # noqa: E402

#: Requests per benchmark round, so that pytest-benchmark's own overhead is amortised.
BATCH = 50


@pytest.mark.parametrize("kind", [build_id(m) for m in builds("protocol")])
@pytest.mark.parametrize("name", list(SHAPES))
def test_lane_shape(benchmark, name: str, kind: str) -> None:
    benchmark.group = f"lane: {name} x{BATCH}"
    mod = {build_id(m): m for m in builds("protocol")}[kind]
    # NOTE: fed as a worker's transport feeds it (a loop callback, outside any Task), so
    # that a handler that does not suspend runs eagerly, as in production
    server = InMemoryServer(app, mod)
    raw = SHAPES[name]
    last = server.repeat(raw, 1)
    if b" 200 OK" not in last[:20]:
        raise RuntimeError(f"{kind} answered {last[:60]!r} to {name}; fix before timing")
    benchmark(server.repeat, raw, BATCH)
    server.close()
