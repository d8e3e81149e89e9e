"""The server's direct lane answers exactly as the ASGI entry does, in both builds.

The lane (fastcore/server/http/lane.py, compiled as it is into _lane_c) serves simple routes without
an ASGI scope, and the compiled one converts unconstrained str/int/bool parameters and
msgspec JSON bodies itself. Here the same requests go through the protocol (fed in
memory, no sockets) and through the TestClient (the ASGI path); status and body must
match, for valid and invalid values alike.
"""

import json
from collections.abc import Iterator
from types import ModuleType
from typing import Annotated
from urllib.parse import quote

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.load.inmemory import InMemoryServer, parse_response
from fastcore import Cookie, FastAPI, Header, Query
from fastcore.testclient import TestClient
from tests.support.builds import ids, implementations

PROTOCOLS = implementations("protocol")


class Item(msgspec.Struct):
    name: str
    price: float
    tags: list[str] = []


app = FastAPI()


@app.get("/p/{number}/{word}")
async def path_params(number: int, word: str, flag: bool = False, count: int = 3):
    return {"number": number, "word": word, "flag": flag, "count": count}


@app.get("/q")
async def query_params(
    n: int,
    s: str = "x",
    b: bool | None = None,
    limited: Annotated[int, Query(ge=1, le=10)] = 5,
    tags: Annotated[list[str], Query()] = [],
):
    return {"n": n, "s": s, "b": b, "limited": limited, "tags": tags}


@app.get("/h")
async def header_params(
    x_count: Annotated[int, Header()] = 0,
    session: Annotated[str | None, Cookie()] = None,
):
    return {"x_count": x_count, "session": session}


@app.post("/items/{item_id}")
async def create(item_id: int, item: Item):
    return {"id": item_id, "item": item}


class _Server(InMemoryServer):
    """The app on a protocol build in memory (bench/load/inmemory.py), a connection a request."""

    def __init__(self, mod: ModuleType) -> None:
        super().__init__(app, mod)

    def answer(self, raw: bytes) -> tuple[int, object]:
        self.connect()
        status, _, body = parse_response(self.request(raw))
        return status, json.loads(body)


@pytest.fixture(scope="module", params=PROTOCOLS, ids=ids(PROTOCOLS))
def server(request: pytest.FixtureRequest) -> Iterator[_Server]:
    served = _Server(request.param)
    yield served
    served.close()


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(app)


def _get(target: str, headers: str = "") -> bytes:
    return f"GET {target} HTTP/1.1\r\nHost: t\r\n{headers}\r\n".encode()


def _same(server: _Server, client: TestClient, raw: bytes, target: str, **kw: object) -> None:
    status, body = server.answer(raw)
    ref = client.request(raw.split(b" ", 1)[0].decode(), target, **kw)
    assert (status, body) == (ref.status_code, ref.json()), raw


WORDS = [
    "0", "7", "-3", "+5", " 5", "5 ", "05", "-0", "1e3", "1.0", "", "-", "٣",
    "12345678901234567890", "999999999999999999", "true", "TRUE", "On", "yes", "no", "0x10",
    "1_000", "abc", "%20", "%2B1",
]  # fmt: skip


@pytest.mark.parametrize("word", WORDS)
def test_query_values_match_the_asgi_path(server: _Server, client: TestClient, word: str) -> None:
    word = quote(word, safe="")
    target = f"/q?n={word}&s={word}&b={word}&limited={word}&tags={word}&tags=z"
    _same(server, client, _get(target), target)


@pytest.mark.parametrize("word", [w for w in WORDS if w])
def test_path_values_match_the_asgi_path(server: _Server, client: TestClient, word: str) -> None:
    word = quote(word, safe="")
    target = f"/p/{word}/{word}?flag={word}&count={word}"
    _same(server, client, _get(target), target)


@pytest.mark.parametrize("word", [w for w in WORDS if w.strip() == w and w.isascii()])
def test_header_and_cookie_values_match(server: _Server, client: TestClient, word: str) -> None:
    headers = f"X-Count: {word}\r\nCookie: session={word}\r\n"
    status, body = server.answer(_get("/h", headers))
    ref = client.get("/h", headers={"X-Count": word, "Cookie": f"session={word}"})
    assert (status, body) == (ref.status_code, ref.json())


def test_missing_values_match(server: _Server, client: TestClient) -> None:
    for target in ["/q", "/q?s=1", "/p/1/a", "/h"]:
        _same(server, client, _get(target), target)


BODIES = [
    b'{"name":"a","price":1.5,"tags":["x"]}',
    b'{"name":"a","price":"1.5"}',
    b'{"name":1,"price":1.5}',
    b'{"price":1.5}',
    b'{"name":"a","price":1.5,"tags":"x"}',
    b"[1,2]",
    b"{not json",
    b"",
    b'{"name":"\xff","price":1}',
]


@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize("ctype", ["application/json", "text/plain", None])
def test_bodies_match_the_asgi_path(
    server: _Server, client: TestClient, body: bytes, ctype: str | None
) -> None:
    head = f"POST /items/3 HTTP/1.1\r\nHost: t\r\nContent-Length: {len(body)}\r\n"
    if ctype:
        head += f"Content-Type: {ctype}\r\n"
    status, got = server.answer(head.encode() + b"\r\n" + body)
    headers = {"Content-Type": ctype} if ctype else {}
    ref = client.post("/items/3", content=body, headers=headers)
    assert (status, got) == (ref.status_code, ref.json())


@settings(max_examples=150, deadline=None)
@given(word=st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12))
def test_any_query_value_matches_the_asgi_path(word: str) -> None:
    value = quote(word, safe="")
    target = f"/q?n={value}&s={value}&b={value}&limited={value}"
    client = TestClient(app)
    for mod in PROTOCOLS:
        _same(_Server(mod), client, _get(target), target)
