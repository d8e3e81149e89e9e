"""One route per handler shape of issue 11, through fastcore's server in memory, both builds.

Every route answers the same one-key JSON object (or text) so that only the shape differs:
the bare ``async def`` returning a dict; with a return annotation, a ``response_model``
(Struct, dataclass, TypedDict, pydantic); with an ``async def``, a ``def`` and an
async-generator (``yield``) dependency; a returned ``PlainTextResponse``; a ``def`` handler;
a constrained query parameter; a pydantic body. Per 100 requests, fed to one connection
(bench/load/inmemory.py).

    make bench BENCH_ARGS="-k shapes"
"""

import dataclasses
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, TypedDict

import msgspec
import pydantic
import pytest
from _support import build_id, builds

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.load.inmemory import InMemoryServer, raw_request  # noqa: E402
from fastcore import Depends, FastAPI, Query  # noqa: E402
from fastcore.responses import PlainTextResponse  # noqa: E402

BATCH = 100
BUILDS = {build_id(m): m for m in builds("protocol")}
BODY = b'{"name":"widget","price":9.5}'


class StructOut(msgspec.Struct):
    ok: int


@dataclasses.dataclass
class DataclassOut:
    ok: int


class TypedDictOut(TypedDict):
    ok: int


class PydanticOut(pydantic.BaseModel):
    ok: int


class PydanticItem(pydantic.BaseModel):
    name: str
    price: float


async def async_dep() -> int:
    return 1


def def_dep() -> int:
    return 1


async def yield_dep() -> AsyncIterator[int]:
    yield 1


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/bare")
    async def bare():
        return {"ok": 1}

    @app.get("/annotated")
    async def annotated() -> dict[str, int]:
        return {"ok": 1}

    @app.get("/struct", response_model=StructOut)
    async def struct():
        return {"ok": 1}

    @app.get("/dataclass", response_model=DataclassOut)
    async def dataclass():
        return {"ok": 1}

    @app.get("/typeddict", response_model=TypedDictOut)
    async def typeddict():
        return {"ok": 1}

    @app.get("/pydantic", response_model=PydanticOut)
    async def pydantic_model():
        return {"ok": 1}

    @app.get("/async-dep")
    async def with_async_dep(v: Annotated[int, Depends(async_dep)]):
        return {"ok": v}

    @app.get("/def-dep")
    async def with_def_dep(v: Annotated[int, Depends(def_dep)]):
        return {"ok": v}

    @app.get("/yield-dep")
    async def with_yield_dep(v: Annotated[int, Depends(yield_dep)]):
        return {"ok": v}

    @app.get("/plaintext-response")
    async def plaintext_response():
        return PlainTextResponse("ok")

    @app.get("/def-handler")
    def def_handler():
        return {"ok": 1}

    @app.get("/constrained")
    async def constrained(n: Annotated[int, Query(ge=0, le=10)] = 1):
        return {"ok": n}

    @app.post("/pydantic-body")
    async def pydantic_body(item: PydanticItem):
        return {"ok": 1}

    return app


APP = _app()
SHAPES = {
    route.path.strip("/"): raw_request(
        next(iter(route.methods)),
        route.path + ("?n=3" if route.path == "/constrained" else ""),
        BODY if route.path == "/pydantic-body" else b"",
    )
    for route in APP.routes
    if getattr(route, "methods", None)
    and route.path not in ("/openapi.json", "/docs", "/redoc")
    and not route.path.startswith("/docs")
}


@pytest.mark.parametrize("build", list(BUILDS))
@pytest.mark.parametrize("shape", list(SHAPES))
def test_shape(benchmark, shape: str, build: str) -> None:
    benchmark.group = f"shapes x{BATCH}: {build}"
    server = InMemoryServer(APP, BUILDS[build])
    last = server.repeat(SHAPES[shape], 1)
    if b" 200 OK" not in last[:20]:
        raise RuntimeError(f"{shape} answered {last[:80]!r}")
    benchmark(server.repeat, SHAPES[shape], BATCH)
    server.close()
