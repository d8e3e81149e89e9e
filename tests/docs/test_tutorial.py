"""docs/tutorial.md: each docs_src/tutorial/ file, called with the requests the page describes."""

from __future__ import annotations

import pytest

from docs_src.tutorial import bodies, dependencies, errors, parameter_models, parameters, routes
from fastcore.testclient import TestClient


def test_routes() -> None:
    client = TestClient(routes.app)
    assert client.get("/items/3").json() == {"item_id": 3}
    assert client.get("/items/x").status_code == 422
    assert client.get("/users/me").json() == {"user": "me"}
    assert client.get("/users/7").json() == {"user_id": 7}
    missing = client.get("/nowhere")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not Found"})
    wrong = client.delete("/items/3")
    assert wrong.status_code == 405 and "GET" in wrong.headers["allow"]


def test_parameters() -> None:
    client = TestClient(parameters.app)
    response = client.get(
        "/search?q=ab&tag=a&tag=b", headers={"User-Agent": "docs"}, cookies={"session": "s1"}
    )
    assert response.json() == {
        "q": "ab",
        "limit": 10,
        "tag": ["a", "b"],
        "user_agent": "docs",
        "session": "s1",
    }
    short = client.get("/search?q=a")
    assert short.status_code == 422
    assert [e["type"] for e in short.json()["detail"]] == ["string_too_short"]
    upper = client.get("/search?q=AB")
    assert [e["type"] for e in upper.json()["detail"]] == ["string_pattern_mismatch"]
    assert client.get("/search?q=ab&limit=101").status_code == 422


def test_parameter_models() -> None:
    client = TestClient(parameter_models.app)
    assert client.get("/items?limit=5&tags=a&tags=b").json() == {"limit": 5, "tags": ["a", "b"]}
    assert client.get("/items").json() == {"limit": 100, "tags": []}
    extra = client.get("/items?color=red")
    assert extra.status_code == 422
    assert [e["type"] for e in extra.json()["detail"]] == ["extra_forbidden"]
    assert client.get("/items?limit=0").status_code == 422


def test_bodies_and_the_validation_error_shown() -> None:
    client = TestClient(bodies.app)
    created = client.post("/items", json={"name": "x", "price": 2})
    assert (created.status_code, created.json()) == (201, {"name": "x", "price": 2.0, "tags": []})
    bad = client.post("/items?limit=ten", json={"name": "x", "price": -1})
    assert bad.status_code == 422
    assert bad.json() == {
        "detail": [
            {
                "type": "int_parsing",
                "loc": ["query", "limit"],
                "msg": "Input should be a valid integer, unable to parse string as an integer",
                "input": "ten",
            },
            {
                "type": "greater_than",
                "loc": ["body", "price"],
                "msg": "Input should be greater than 0",
                "input": -1,
                "ctx": {"gt": 0.0},
            },
        ]
    }


def test_dependencies_close_after_the_response(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[dependencies.DB] = []

    def connect() -> dependencies.DB:
        opened.append(dependencies.DB())
        return opened[-1]

    monkeypatch.setattr(dependencies, "connect", connect)
    client = TestClient(dependencies.app)
    assert client.get("/items?skip=1&limit=2").json() == ["banana", "cherry"]
    assert client.get("/items").json() == ["apple", "banana", "cherry", "date"]
    assert len(opened) == 2 and all(db.closed for db in opened)


def test_errors() -> None:
    client = TestClient(errors.app)
    ghost = client.get("/items/ghost")
    assert (ghost.status_code, ghost.json()) == (404, {"detail": "Item not found"})
    assert ghost.headers["x-error"] == "missing"
    rare = client.get("/items/rare")
    assert (rare.status_code, rare.json()) == (409, {"detail": "rare is out of stock"})
    assert client.get("/items/hammer").json() == {"name": "hammer"}
