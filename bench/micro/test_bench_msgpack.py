"""MessagePack beside JSON (_planning/msgpack.py): body decode, answer encode, whole requests.

- ``decode``: the same Struct body as JSON and as MessagePack, by the body plan of an
  opted-in route (one typed msgspec call each); per 100 decodes.
- ``encode``: the route's answer as JSON (its serializer), as MessagePack straight from the
  checked model (this Struct's case), and as MessagePack transcoded from the JSON bytes (the
  way for models with datetimes, bytes, ``Any``...); per 100 encodes.
- ``request``: one POST echoing the body through fastcore's server in memory, both builds:
  JSON in and out, MessagePack in and out; per 100 requests, fed outside any Task as a worker
  feeds them, so the direct lane serves each one itself.

    make bench BENCH_ARGS="-k msgpack"
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated, Any

import msgspec
import pytest
from _support import build_id, builds

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.load.inmemory import MemoryTransport  # noqa: E402
from fastcore import FastAPI  # noqa: E402
from fastcore._planning.msgpack import transcode  # noqa: E402
from fastcore.server.config import ServerConfig  # noqa: E402
from fastcore.server.dispatch import Dispatch  # noqa: E402
from fastcore.server.server import ServerState  # noqa: E402

LOOPS = 100
BUILDS = {build_id(m): m for m in builds("protocol")}


class Owner(msgspec.Struct):
    id: int
    email: str


class Item(msgspec.Struct):
    name: Annotated[str, msgspec.Meta(min_length=1)]
    price: Annotated[float, msgspec.Meta(gt=0)]
    tags: list[str]
    owner: Owner


DOC = {
    "name": "Widget",
    "price": 12.5,
    "tags": ["a", "b", "c"],
    "owner": {"id": 7, "email": "x@example.com"},
}
BODIES = {
    "json": (b"application/json", msgspec.json.encode(DOC)),
    "msgpack": (b"application/msgpack", msgspec.msgpack.encode(DOC)),
}

app = FastAPI(msgpack=True)


@app.post("/items")
async def echo(item: Item) -> Item:
    return item


app.freeze()
PLAN = app.routes[-1].plan


@pytest.mark.parametrize("kind", list(BODIES))
def test_decode(benchmark: Any, kind: str) -> None:
    benchmark.group = f"msgpack: body decode x{LOOPS}"
    ctype, body = BODIES[kind]
    values = PLAN.needs.body_plan.values

    def run() -> Any:
        for _ in range(LOOPS):
            out = values(body, ctype)
        return out

    assert benchmark(run)[0]["item"].owner.id == 7


@pytest.mark.parametrize("kind", ["json", "msgpack", "msgpack-transcoded"])
def test_encode(benchmark: Any, kind: str) -> None:
    benchmark.group = f"msgpack: answer encode x{LOOPS}"
    item = msgspec.convert(DOC, Item)
    serialize = PLAN.serialize

    def as_json() -> bytes:
        for _ in range(LOOPS):
            out = serialize(item)
        return out

    encode = PLAN.msgpack.encode
    assert PLAN.msgpack.direct is not None

    def as_msgpack() -> bytes | None:
        for _ in range(LOOPS):
            out = encode(item, serialize)
        return out

    def transcoded() -> bytes | None:
        for _ in range(LOOPS):
            out = transcode(serialize(item))
        return out

    runs = {"json": as_json, "msgpack": as_msgpack, "msgpack-transcoded": transcoded}
    out = benchmark(runs[kind])
    decode = msgspec.json.decode if kind == "json" else msgspec.msgpack.decode
    assert decode(out) == DOC


def _raw(kind: str) -> bytes:
    ctype, body = BODIES[kind]
    head = (
        b"POST /items HTTP/1.1\r\nHost: 127.0.0.1:8080\r\ncontent-type: " + ctype
        + b"\r\naccept: " + ctype + b"\r\ncontent-length: %d\r\n\r\n" % len(body)
    )  # fmt: skip
    return head + body


@pytest.mark.parametrize("build", list(BUILDS))
@pytest.mark.parametrize("kind", list(BODIES))
def test_request(benchmark: Any, kind: str, build: str) -> None:
    benchmark.group = f"msgpack: POST echo x{LOOPS}: {build}"
    loop = asyncio.new_event_loop()
    mod = BUILDS[build]
    state = ServerState(ServerConfig(), loop, app, mod)
    dispatch = Dispatch(app, state, mod)
    state.handler = dispatch.handler
    transport = MemoryTransport()
    conn = mod.HttpProtocol(state)
    conn.connection_made(transport)
    raw = _raw(kind)
    feed, out = conn.data_received, transport.out

    def run() -> bytes:
        for _ in range(LOOPS):
            out.clear()
            feed(raw)  # NOTE: answered inside data_received: the lane, no Task
        return bytes(out)

    last = benchmark(run)
    ctype, body = BODIES[kind]
    assert b" 200 OK" in last[:20] and b"content-type: " + ctype in last, last[:200]
    assert last.endswith(body)
    conn.connection_lost(None)
    dispatch.close()
    loop.run_until_complete(asyncio.sleep(0))
    loop.close()
