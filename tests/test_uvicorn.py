"""The ASGI entry under a real uvicorn on 127.0.0.1, on a port the OS picks."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.support.shop_server import request, shop_server


@pytest.fixture(scope="module")
def server_port() -> Iterator[int]:
    with shop_server() as port:
        yield port


def test_crud_over_uvicorn(server_port: int) -> None:
    status, _, body = request(server_port, "GET", "/health")
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    payload = json.dumps({"name": "pen", "price": 1.25}).encode()
    headers = {"content-type": "application/json", "x-api-key": "secret"}
    status, _, body = request(server_port, "POST", "/items", payload, headers)
    assert status == 201
    item = json.loads(body)
    assert item["name"] == "pen"
    status, _, body = request(server_port, "GET", f"/items/{item['id']}")
    assert (status, json.loads(body)) == (200, item)


def test_errors_over_uvicorn(server_port: int) -> None:
    status, _, body = request(server_port, "GET", "/items/abc")
    assert status == 422
    assert json.loads(body)["detail"][0]["type"] == "int_parsing"
    status, _, body = request(server_port, "POST", "/items", b"{}", {"x-api-key": "nope"})
    assert status == 401
    status, headers, body = request(server_port, "DELETE", "/health")
    assert status == 405
    assert headers["allow"] == "GET, HEAD"


def test_docs_over_uvicorn(server_port: int) -> None:
    status, _, body = request(server_port, "GET", "/openapi.json")
    assert status == 200
    assert "/items/{item_id}" in json.loads(body)["paths"]
    status, _, body = request(server_port, "GET", "/docs")
    assert status == 200
    assert b"swagger" in body.lower()
