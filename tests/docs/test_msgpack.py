"""docs/msgpack.md: docs_src/msgpack/app.py reads and answers MessagePack as the page says.

In memory (the ASGI entry) and over a socket (fastcore's own server, its direct lane), with
the page's client (docs_src/msgpack/client.py) doing the second.
"""

from __future__ import annotations

import datetime

import msgspec

from docs_src.msgpack import client as page_client
from docs_src.msgpack.app import app
from fastcore.testclient import TestClient
from tests.support.browser import fastcore_run, serve
from tests.support.shop_server import request

AT = datetime.datetime(2026, 12, 2, 18, 0, tzinfo=datetime.timezone.utc)
READING = {"sensor": "t1", "value": 21.5, "at": AT}
ECHO = {"sensor": "t1", "value": 21.5, "at": "2026-12-02T18:00:00Z"}
MSGPACK = {"content-type": "application/msgpack", "accept": "application/msgpack"}


def test_in_memory() -> None:
    client = TestClient(app)
    packed = client.post("/readings", content=msgspec.msgpack.encode(READING), headers=MSGPACK)
    assert packed.status_code == 201
    assert packed.headers["content-type"] == "application/msgpack"
    assert packed.headers["vary"] == "Accept"
    assert msgspec.msgpack.decode(packed.content) == ECHO
    as_json = client.post("/readings", json=ECHO)
    assert (as_json.status_code, as_json.json()) == (201, ECHO)
    bad = client.post(
        "/readings", content=msgspec.msgpack.encode({"sensor": "t1"}), headers=MSGPACK
    )
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/json"
    assert [e["loc"] for e in bad.json()["detail"]] == [["body", "value"], ["body", "at"]]
    health = client.get("/health", headers={"accept": "application/msgpack"})
    assert health.headers["content-type"] == "application/json" and health.json() == {"ok": True}
    doc = client.get("/openapi.json").json()
    content = doc["paths"]["/readings"]["post"]["requestBody"]["content"]
    assert list(content) == ["application/json", "application/msgpack"]


def test_on_fastcore_s_server() -> None:
    with serve(*fastcore_run("docs_src.msgpack.app:app")) as port:
        status, headers, body = request(
            port, "POST", "/readings", msgspec.msgpack.encode(READING), MSGPACK
        )
        assert status == 201 and headers["content-type"] == "application/msgpack"
        assert msgspec.msgpack.decode(body) == ECHO
        echoed = page_client.send(f"http://127.0.0.1:{port}")
        assert echoed["sensor"] == "t1" and echoed["at"].endswith("Z")
