"""``def`` handlers and dependencies through fastcore's server in memory, both builds.

The shapes the thread pool serves (FastAPI runs each ``def`` callable in a worker): a bare
``def`` handler (the lane hands it to the pool and answers from the pool's settle callback),
one with a ``def`` dependency and one with a ``def`` generator dependency (the tree in one
hop, the generator's exit in a second after the response), an ``async def`` handler with a
``def`` generator dependency, and the bare handler with ``sync_inline=True`` (on the loop).
Per 100 requests on one connection (bench/load/inmemory.py): each waits for its hop, so
this is the latency side; the load benchmark (``fastcore-def``) measures the batching.

    make bench BENCH_ARGS="-k def_shapes"
"""

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import pytest
from _support import build_id, builds

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.load.inmemory import InMemoryServer, raw_request  # noqa: E402
from fastcore import Depends, FastAPI  # noqa: E402

BATCH = 100
BUILDS = {build_id(m): m for m in builds("protocol")}


def def_dep() -> int:
    return 1


def def_gen() -> Iterator[int]:
    yield 1


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/def-handler")
    def def_handler() -> dict[str, int]:
        return {"ok": 1}

    @app.get("/def-handler-def-dep")
    def with_def_dep(v: Annotated[int, Depends(def_dep)]) -> dict[str, int]:
        return {"ok": v}

    @app.get("/def-handler-def-gen")
    def with_def_gen(v: Annotated[int, Depends(def_gen)]) -> dict[str, int]:
        return {"ok": v}

    @app.get("/async-handler-def-gen")
    async def async_with_def_gen(v: Annotated[int, Depends(def_gen)]) -> dict[str, int]:
        return {"ok": v}

    @app.get("/def-handler-inline", sync_inline=True)
    def inline() -> dict[str, int]:
        return {"ok": 1}

    return app


APP = _app()
SHAPES = [
    "def-handler",
    "def-handler-def-dep",
    "def-handler-def-gen",
    "async-handler-def-gen",
    "def-handler-inline",
]


@pytest.mark.parametrize("build", list(BUILDS))
@pytest.mark.parametrize("shape", SHAPES)
def test_def_shape(benchmark, shape: str, build: str) -> None:
    benchmark.group = f"def shapes x{BATCH}: {build}"
    server = InMemoryServer(APP, BUILDS[build])
    request = raw_request("GET", "/" + shape)
    last = server.repeat(request, 1)
    if b" 200 OK" not in last[:20]:
        raise RuntimeError(f"{shape} answered {last[:80]!r}")
    benchmark(server.repeat, request, BATCH)
    server.close()
