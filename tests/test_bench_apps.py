"""Each load-benchmark app answers each endpoint as bench/load/endpoints.py expects.

Through the ASGI entry (the TestClient) and through fastcore's server (the protocol build
fed in memory, bench/load/inmemory.py), in both builds; the server's answer must be the ASGI
entry's, byte for byte (status, content type, body). ``make bench-load`` smoke-checks the
same over sockets before it measures; this keeps a broken app out of main.
"""

from collections.abc import Iterator
from types import ModuleType

import pytest

from bench.load.apps import FASTCORE_APPS, load
from bench.load.endpoints import ENDPOINTS, Endpoint
from bench.load.inmemory import InMemoryServer, parse_response, raw_request
from fastcore.testclient import TestClient
from tests.support.builds import ids, implementations

PROTOCOLS = implementations("protocol")


@pytest.fixture(scope="module", params=list(FASTCORE_APPS))
def app_name(request: pytest.FixtureRequest) -> str:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def client(app_name: str) -> Iterator[TestClient]:
    with TestClient(load(app_name)) as client:
        yield client


@pytest.fixture(scope="module", params=PROTOCOLS, ids=ids(PROTOCOLS))
def server(request: pytest.FixtureRequest, app_name: str) -> Iterator[InMemoryServer]:
    protocol: ModuleType = request.param
    srv = InMemoryServer(load(app_name), protocol)
    yield srv
    srv.close()


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_app_answers_as_expected(
    client: TestClient, server: InMemoryServer, endpoint: Endpoint
) -> None:
    headers = {"Content-Type": "application/json"} if endpoint.body else {}
    ref = client.request(endpoint.method, endpoint.path, content=endpoint.body, headers=headers)
    ctype = ref.headers.get("content-type", "")
    assert endpoint.check(ref.status_code, ctype, ref.content) is None
    status, got_headers, body = parse_response(
        server.request(raw_request(endpoint.method, endpoint.path, endpoint.body))
    )
    assert (status, got_headers.get("content-type"), body) == (
        ref.status_code,
        ctype,
        ref.content,
    )


def test_every_fastcore_app_is_a_load_server() -> None:
    from bench.load.servers import SERVERS

    names = {s.name for s in SERVERS}
    assert set(FASTCORE_APPS) <= names
    assert {"fastcore-pure", "fastcore-annotated-pure"} <= names
