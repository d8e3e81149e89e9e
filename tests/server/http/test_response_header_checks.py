"""A response header holding CR, LF or NUL is never written, in either protocol build.

Starlette's Response does not check its headers; fastcore's writer does (``check_header``:
``_http11_c``'s memchr in the compiled build, ``http11``'s in the pure one): the app's error path
answers 500 and no injected header reaches the client.
"""

from typing import Any

import pytest
from starlette.responses import PlainTextResponse

from bench.load.inmemory import InMemoryServer, parse_response, raw_request
from fastcore import FastAPI
from tests.support.builds import ids as _ids
from tests.support.builds import implementations

PROTOCOLS = implementations("protocol")

app = FastAPI()


@app.get("/split")
async def split() -> Any:
    return PlainTextResponse("x", headers={"x-a": "1\r\nset-cookie: a=b"})


@app.get("/nul")
async def nul() -> Any:
    return PlainTextResponse("x", headers={"x-a": "a\x00b"})


@app.get("/fine")
async def fine() -> Any:
    return PlainTextResponse("x", headers={"x-a": "1"})


@pytest.fixture(params=PROTOCOLS, ids=_ids(PROTOCOLS))
def server(request: pytest.FixtureRequest) -> Any:
    srv = InMemoryServer(app, request.param)
    yield srv
    srv.close()


@pytest.mark.parametrize("path", ["/split", "/nul"])
def test_a_header_that_would_split_the_response_is_refused(server: Any, path: str) -> None:
    out = server.request(raw_request("GET", path))
    status, headers, _ = parse_response(out)
    assert status == 500
    assert b"set-cookie" not in out.lower()
    assert "x-a" not in headers


def test_a_clean_header_is_written(server: Any) -> None:
    status, headers, body = parse_response(server.request(raw_request("GET", "/fine")))
    assert (status, headers["x-a"], body) == (200, "1", b"x")
