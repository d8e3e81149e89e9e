"""docs/first-steps.md and docs/index.md: docs_src/first_steps/main.py, as the pages run it."""

from __future__ import annotations

import json

from docs_src.first_steps.main import app
from fastcore.testclient import TestClient
from tests.support.browser import fastcore_run, serve
from tests.support.shop_server import request


def test_the_routes_answer_as_the_page_says() -> None:
    client = TestClient(app)
    assert client.get("/").json() == {"message": "Hello World"}
    assert client.get("/items/5", params={"q": "cheese"}).json() == {"item_id": 5, "q": "cheese"}
    assert client.get("/items/5").json() == {"item_id": 5, "q": None}
    bad = client.get("/items/foo")
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["path", "item_id"]


def test_fastcore_run_serves_it_with_its_docs() -> None:
    """``fastcore run main:app``, then curl and /docs, on a real socket."""
    with serve(*fastcore_run("docs_src.first_steps.main:app")) as port:
        status, headers, body = request(port, "GET", "/")
        assert (status, json.loads(body)) == (200, {"message": "Hello World"})
        status, _, body = request(port, "GET", "/items/5?q=cheese")
        assert json.loads(body) == {"item_id": 5, "q": "cheese"}
        status, _, page = request(port, "GET", "/docs")
        assert status == 200 and b'src="/docs/assets/swagger-ui-bundle.js"' in page
        assert request(port, "GET", "/docs/assets/swagger-ui-bundle.js")[0] == 200
        status, _, body = request(port, "GET", "/openapi.json")
        assert set(json.loads(body)["paths"]) == {"/", "/items/{item_id}"}
