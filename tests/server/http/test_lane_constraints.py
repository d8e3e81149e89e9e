"""Bounded int parameters (``Path(ge=...)``, ``Query(le=...)``) on the lane, both builds.

The lane converts them itself and checks the bounds (fastcore/_planning/lane_params.py); a value it
does not accept goes to the extractor for FastAPI's error. Answers must be the ASGI entry's.
"""

import json
from typing import Annotated, Any
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.load.inmemory import InMemoryServer, parse_response
from fastcore import FastAPI, Header, Path, Query
from fastcore._planning.lane_params import int_bounds
from fastcore.testclient import TestClient
from tests.support.builds import ids, implementations

PROTOCOLS = implementations("protocol")

app = FastAPI()


@app.get("/b/{n}")
async def bounded(
    n: Annotated[int, Path(ge=1, le=100, title="n")],
    q: Annotated[int, Query(gt=-5, lt=5)] = 0,
    big: Annotated[int, Query(ge=2**70)] = 2**70,
    step: Annotated[int, Query(multiple_of=3)] = 3,
    x_n: Annotated[int, Header(ge=0)] = 0,
):
    return {"n": n, "q": q, "big": big, "step": step, "x_n": x_n}


class _Server:
    """The protocol build fed in memory (bench/load/inmemory.py): (status, JSON body)."""

    def __init__(self, protocol: Any) -> None:
        self.inner = InMemoryServer(app, protocol)

    def request(self, raw: bytes) -> tuple[int, Any]:
        status, _, body = parse_response(self.inner.request(raw))
        return status, json.loads(body)


_SERVERS = {mod: _Server(mod) for mod in PROTOCOLS}


@pytest.fixture(params=PROTOCOLS, ids=ids(PROTOCOLS))
def server(request: pytest.FixtureRequest) -> _Server:
    return _SERVERS[request.param]


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(app)


def test_bounds_found() -> None:
    import msgspec

    assert int_bounds(Annotated[int, msgspec.Meta(ge=1, le=100, title="t")]) == (1, 100)
    assert int_bounds(Annotated[int, msgspec.Meta(gt=1, lt=5)]) == (2, 4)
    assert int_bounds(Annotated[int, msgspec.Meta(multiple_of=3)]) is None
    assert int_bounds(Annotated[int, msgspec.Meta(ge=2**70)]) is None
    assert int_bounds(Annotated[float, msgspec.Meta(ge=1)]) is None
    assert int_bounds(int) is None


WORDS = ["0", "1", "100", "101", "-1", "05", "4", "5", "-4", "-5", "x", "1.0", "+3", "99999"]


@pytest.mark.parametrize("word", WORDS)
def test_bounded_values_match_the_asgi_path(server: _Server, client: TestClient, word: str) -> None:
    w = quote(word, safe="")
    target = f"/b/{w}?q={w}&big={w}&step={w}"
    raw = f"GET {target} HTTP/1.1\r\nHost: t\r\nX-N: {word}\r\n\r\n".encode()
    status, body = server.request(raw)
    ref = client.get(target, headers={"X-N": word})
    assert (status, body) == (ref.status_code, ref.json())


@settings(max_examples=80, deadline=None)
@given(number=st.integers(-(2**64), 2**64))
def test_any_int_matches_the_asgi_path(number: int) -> None:
    client = TestClient(app)
    for mod in PROTOCOLS:
        server = _SERVERS[mod]
        target = f"/b/{number}?q={number}"
        status, body = server.request(f"GET {target} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
        ref = client.get(target)
        assert (status, body) == (ref.status_code, ref.json())
