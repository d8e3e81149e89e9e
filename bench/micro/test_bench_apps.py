"""Each load-benchmark app's five requests through fastcore's server in memory, both builds.

The same apps as ``make bench-load`` (bench/load/apps: today's, the annotated one, the
tutorial-style one, its ``def`` variant, FastAPI's app through the alias) beside the floor,
fed to one connection (bench/load/inmemory.py) without sockets: where an app's load figure
goes, per endpoint, without the machine's noise. Per 100 requests.

    make bench BENCH_ARGS="-k apps"
"""

import sys
from pathlib import Path

import pytest
from _support import build_id, builds

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.load import floor  # noqa: E402
from bench.load.apps import FASTCORE_APPS, load  # noqa: E402
from bench.load.endpoints import ENDPOINTS  # noqa: E402
from bench.load.inmemory import InMemoryServer, raw_request  # noqa: E402

BATCH = 100
BUILDS = {build_id(m): m for m in builds("protocol")}


class _Sink:
    last = b""

    def write(self, data: bytes) -> None:
        self.last = data

    def get_extra_info(self, name: str) -> None:
        return None


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_floor_request(benchmark, endpoint) -> None:
    benchmark.group = f"apps: {endpoint.name} x{BATCH}"
    conn, sink = floor.HttpProtocol(), _Sink()
    conn.connection_made(sink)
    raw = raw_request(endpoint.method, endpoint.path, endpoint.body)

    def run() -> None:
        for _ in range(BATCH):
            conn.data_received(raw)

    benchmark(run)


@pytest.mark.parametrize("build", list(BUILDS))
@pytest.mark.parametrize("app_name", list(FASTCORE_APPS))
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_app_request(benchmark, endpoint, app_name: str, build: str) -> None:
    benchmark.group = f"apps: {endpoint.name} x{BATCH}"
    server = InMemoryServer(load(app_name), BUILDS[build])
    raw = raw_request(endpoint.method, endpoint.path, endpoint.body)
    last = server.repeat(raw, 1)
    if b" 200 OK" not in last[:20]:
        raise RuntimeError(f"{app_name} answered {last[:80]!r} to {endpoint.name}")
    benchmark(server.repeat, raw, BATCH)
    server.close()
