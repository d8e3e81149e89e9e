"""The tutorial's handler shapes through fastcore's server, in memory (issue 11).

Each shape of bench/micro/lane_shapes.py (dependencies of every kind, ``def`` handlers in
the thread pool, a returned Response object, a router with a prefix and a response model)
is fed to one connection of each protocol build, on an event loop, request after request;
a shape that hops to the thread pool is timed with its hop. Compare a shape with ``bare``
(the direct path's floor) in the same run.

    make bench BENCH_ARGS="-k lane"
"""

import asyncio
import sys
from pathlib import Path

import pytest
from _support import build_id, builds

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from lane_shapes import SHAPES, app  # noqa: E402

from fastcore.server.config import ServerConfig  # noqa: E402
from fastcore.server.dispatch import Dispatch  # noqa: E402
from fastcore.server.server import ServerState  # noqa: E402

#: Requests per benchmark round, so that pytest-benchmark's own overhead is amortised.
BATCH = 50


class _Transport:
    def __init__(self) -> None:
        self.last = b""
        self.count = 0
        self.waiter: asyncio.Future[None] | None = None

    def write(self, data: bytes) -> None:
        self.last = data
        self.count += 1
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def get_extra_info(self, name: str) -> None:
        return None

    def close(self) -> None:
        pass

    def set_write_buffer_limits(self, high: int) -> None:
        pass

    def can_write_eof(self) -> bool:
        return False


@pytest.mark.parametrize("kind", [build_id(m) for m in builds("protocol")])
@pytest.mark.parametrize("name", list(SHAPES))
def test_lane_shape(benchmark, name: str, kind: str) -> None:
    benchmark.group = f"lane: {name} x{BATCH}"
    mod = {build_id(m): m for m in builds("protocol")}[kind]
    loop = asyncio.new_event_loop()
    app.freeze()
    state = ServerState(ServerConfig(), loop, app, mod)
    state.handler = Dispatch(app, state, mod).handler
    transport = _Transport()
    conn = mod.HttpProtocol(state)
    conn.connection_made(transport)
    raw = SHAPES[name]

    async def batch() -> None:
        for _ in range(BATCH):
            before = transport.count
            transport.waiter = loop.create_future()
            conn.data_received(raw)
            if transport.count == before:
                await transport.waiter

    def run() -> None:
        loop.run_until_complete(batch())

    run()
    if b" 200 OK" not in transport.last[:20]:
        raise RuntimeError(f"{kind} answered {transport.last[:60]!r} to {name}; fix before timing")
    benchmark(run)
    loop.close()
