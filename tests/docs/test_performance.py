"""docs/performance.md: docs_src/performance/paths.py answers the same on every path.

``/fast/...`` is a route fastcore's server serves on its direct path and ``/general/...`` one
it serves on the general path; both are called in memory (the ASGI entry) and over a socket
(fastcore's own server), and must answer as the page says either way.
"""

from __future__ import annotations

import json

from docs_src.performance.paths import app
from fastcore.testclient import TestClient
from tests.support.browser import fastcore_run, serve
from tests.support.shop_server import request

ITEM = json.dumps({"name": "a", "price": 1}).encode()
FAST = (200, {"shop": "north", "item": {"name": "a", "price": 1.0}, "limit": 3, "client": "cli"})
GENERAL = (201, {"shop": "north", "item": {"name": "a", "price": 1.0}})


def test_in_memory() -> None:
    client = TestClient(app)
    fast = client.post("/fast/items/north?limit=3", content=ITEM, headers={"x-client": "cli"})
    assert (fast.status_code, fast.json()) == FAST
    general = client.post("/general/items/North", content=ITEM)
    assert (general.status_code, general.json()) == GENERAL
    bad = client.post("/fast/items/north", json={"name": "a", "price": "x"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "price"]


def test_on_fastcore_s_server() -> None:
    headers = {"content-type": "application/json", "x-client": "cli"}
    with serve(*fastcore_run("docs_src.performance.paths:app")) as port:
        status, _, body = request(port, "POST", "/fast/items/north?limit=3", ITEM, headers)
        assert (status, json.loads(body)) == FAST
        status, _, body = request(port, "POST", "/general/items/North", ITEM, headers)
        assert (status, json.loads(body)) == GENERAL


def test_sync_inline_in_memory_and_on_fastcore_s_server() -> None:
    from docs_src.performance.sync_inline import app as inline_app

    digest = {"digest": "4cf6829a"}
    client = TestClient(inline_app)
    assert client.get("/pooled").json() == {"thread": True}
    assert client.get("/fast/digest/a").json() == digest
    with serve(*fastcore_run("docs_src.performance.sync_inline:app")) as port:
        status, _, body = request(port, "GET", "/fast/digest/a", b"", {})
        assert (status, json.loads(body)) == (200, digest)
        status, _, body = request(port, "GET", "/pooled", b"", {})
        assert (status, json.loads(body)) == (200, {"thread": True})
