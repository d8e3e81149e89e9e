"""The app's own tests, as written for FastAPI."""

import warnings

import pytest
from fastapi.exceptions import FastAPIDeprecationWarning
from fastapi.testclient import TestClient
from main import app

client = TestClient(app)


def test_list_items_with_pagination():
    response = client.get("/items/", params={"limit": 5})
    assert response.status_code == 200
    assert response.json() == {"items": ["Hammer"], "skip": 0, "limit": 5}


def test_limit_is_validated_by_the_custom_handler():
    response = client.get("/items/", params={"limit": 1000})
    assert response.status_code == 422
    assert response.json() == {"errors": [{"loc": ["query", "limit"], "type": "less_than_equal"}]}


def test_read_item_and_404():
    assert client.get("/items/1").json() == {"name": "Hammer", "price": 9.5, "tags": ["tools"]}
    response = client.get("/items/42")
    assert response.status_code == 404
    assert response.json() == {"detail": "Item not found"}


def test_create_item_needs_a_token():
    item = {"name": "Saw", "price": 20}
    response = client.post("/items/", json=item)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    response = client.post("/items/", json=item, headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token"}
    response = client.post("/items/", json=item, headers={"Authorization": "Bearer secret"})
    assert response.status_code == 201
    assert response.json() == {"id": 2, "owner": "alice", "name": "Saw", "price": 20.0, "tags": []}


def test_body_is_validated():
    response = client.post(
        "/items/", json={"name": "Saw", "price": -1}, headers={"Authorization": "Bearer secret"}
    )
    assert response.status_code == 422
    assert response.json() == {"errors": [{"loc": ["body", "price"], "type": "greater_than"}]}


def test_health_route_from_fastapi_health():
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {}


def test_openapi_document():
    document = client.get("/openapi.json").json()
    assert document["info"]["title"] == "Inventory"
    assert set(document["paths"]) == {"/items/", "/items/{item_id}", "/health"}
    assert document["paths"]["/items/{item_id}"]["get"]["tags"] == ["items"]


@pytest.mark.filterwarnings("ignore::fastapi.exceptions.FastAPIDeprecationWarning")
def test_a_warning_mark_naming_fastapis_class():
    warnings.warn("old", FastAPIDeprecationWarning)
