from fastcore.testclient import TestClient

from .main import app, current_user

client = TestClient(app)


def test_read_item() -> None:
    response = client.get("/items/3", params={"q": "x"})
    assert response.status_code == 200
    assert response.json() == {"item_id": 3, "q": "x"}


def test_a_bad_id_is_a_422() -> None:
    response = client.get("/items/three")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "item_id"]


def test_the_token_is_checked() -> None:
    assert client.get("/me").status_code == 401
    assert client.get("/me", headers={"X-Token": "secret"}).json() == {"user": "alice"}


def test_with_an_override() -> None:
    app.dependency_overrides[current_user] = lambda: "bob"
    try:
        assert client.get("/me").json() == {"user": "bob"}
    finally:
        app.dependency_overrides.clear()


def test_with_lifespan() -> None:
    with TestClient(app) as started:  # runs the lifespan's startup, then its shutdown
        assert started.get("/greeting").json() == {"greeting": "Hello"}
