"""The server's per-request work without sockets: raw request bytes in, response bytes out.

The five load-benchmark requests are fed to one connection of each server in memory:
the bare uvloop+httptools floor (bench/load/floor.py), fastcore's compiled protocol and
its pure twin, each with its direct lane, against the same app as ``make bench-load``.
What this leaves out (epoll, recv, send: ~5 µs of a request here) is the same for all of
them, so these figures say where a load run's differences come from.

    make bench BENCH_ARGS="-k server"
"""

import asyncio
import sys
from pathlib import Path

import pytest
from _support import build_id, builds

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.load import floor  # noqa: E402
from bench.load.apps.fastcore_app import app  # noqa: E402
from fastcore.server.config import ServerConfig  # noqa: E402
from fastcore.server.dispatch import Dispatch  # noqa: E402
from fastcore.server.server import ServerState  # noqa: E402

ITEM = b'{"name":"widget","price":9.5,"tags":["a","b"]}'
REQUESTS = {
    "plaintext": b"GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n",
    "json": b"GET /json HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n",
    "user": b"GET /users/42?verbose=true HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n",
    "post-item": b"POST /items HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
    b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(ITEM), ITEM),
    "route-99": b"GET /r99/items/7 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n",
}
#: Requests per benchmark round, so that pytest-benchmark's own overhead is amortised.
BATCH = 100


class _Transport:
    def __init__(self) -> None:
        self.last = b""

    def write(self, data: bytes) -> None:
        self.last = data

    def get_extra_info(self, name: str) -> None:
        return None

    def close(self) -> None:
        pass

    def set_write_buffer_limits(self, high: int) -> None:
        pass

    def can_write_eof(self) -> bool:
        return False


def _connection(kind: str):
    transport = _Transport()
    if kind == "floor":
        conn = floor.HttpProtocol()
    else:
        mod = {build_id(m): m for m in builds("protocol")}[kind]
        loop = asyncio.new_event_loop()
        app.freeze()
        state = ServerState(ServerConfig(), loop, app, mod)
        state.handler = Dispatch(app, state, mod).handler
        conn = mod.HttpProtocol(state)
    conn.connection_made(transport)
    return conn, transport


KINDS = ["floor", *(build_id(m) for m in builds("protocol"))]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", list(REQUESTS))
def test_server_request(benchmark, name: str, kind: str) -> None:
    benchmark.group = f"server: {name} x{BATCH}"
    conn, transport = _connection(kind)
    raw = REQUESTS[name]
    feed = conn.data_received

    def run() -> None:
        for _ in range(BATCH):
            feed(raw)

    run()
    if b" 200 OK" not in transport.last[:20]:
        raise RuntimeError(f"{kind} answered {transport.last[:60]!r} to {name}; fix before timing")
    benchmark(run)
