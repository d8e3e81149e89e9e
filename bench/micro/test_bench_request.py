"""Whole requests in-process: a path+query plan alone, and full requests through the
test clients of fastcore and FastAPI for the same app."""

from typing import Annotated

import fastapi
import fastapi.testclient
import msgspec
import pydantic
from _support import drive, http_scope

import fastcore
import fastcore.testclient


class Item(msgspec.Struct):
    name: str
    price: float
    tags: list[str] = []


class PItem(pydantic.BaseModel):
    name: str
    price: float
    tags: list[str] = []


def _app(fw, model):
    app = fw.FastAPI()

    @app.get("/users/{user_id}")
    async def user(
        user_id: int, verbose: bool = False, limit: Annotated[int, fw.Query(le=100)] = 10
    ):
        return {"id": user_id, "verbose": verbose, "limit": limit}

    @app.post("/items")
    async def create(item: model) -> model:
        return item

    return app


BODY = {"name": "Widget", "price": 12.5, "tags": ["a", "b"]}


def test_plan_path_query(benchmark) -> None:
    """The route plan alone: extract, convert, call, encode; no client, no router."""
    benchmark.group = "plan: path+query"
    app = _app(fastcore, Item)
    app.freeze()
    plan = app.routes[0].plan
    scope = http_scope("/users/5", b"verbose=true&limit=7")
    sent: list = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b""}

    run = drive(lambda: plan(scope, receive, send, {"user_id": "5"}))
    run()
    assert sent[1]["body"] == b'{"id":5,"verbose":true,"limit":7}'
    benchmark(run)


def _client_get(benchmark, client) -> None:
    assert client.get("/users/5?verbose=true").status_code == 200
    benchmark(client.get, "/users/5?verbose=true")


def _client_post(benchmark, client) -> None:
    assert client.post("/items", json=BODY).status_code == 200
    benchmark(client.post, "/items", json=BODY)


def test_request_get_fastcore(benchmark) -> None:
    benchmark.group = "in-process GET /users/{id}?verbose=true"
    _client_get(benchmark, fastcore.testclient.TestClient(_app(fastcore, Item)))


def test_request_get_fastapi(benchmark) -> None:
    benchmark.group = "in-process GET /users/{id}?verbose=true"
    _client_get(benchmark, fastapi.testclient.TestClient(_app(fastapi, PItem)))


def test_request_post_fastcore(benchmark) -> None:
    benchmark.group = "in-process POST /items (validated body)"
    _client_post(benchmark, fastcore.testclient.TestClient(_app(fastcore, Item)))


def test_request_post_fastcore_pydantic(benchmark) -> None:
    benchmark.group = "in-process POST /items (validated body)"
    _client_post(benchmark, fastcore.testclient.TestClient(_app(fastcore, PItem)))


def test_request_post_fastapi(benchmark) -> None:
    benchmark.group = "in-process POST /items (validated body)"
    _client_post(benchmark, fastapi.testclient.TestClient(_app(fastapi, PItem)))
