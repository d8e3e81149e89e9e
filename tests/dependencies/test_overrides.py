"""``app.dependency_overrides``: swapped at any time, including after the app has started."""

from typing import Annotated

import pytest

from fastcore import Depends, FastCore, FastCoreError, Header
from fastcore.testclient import TestClient


def get_db() -> str:
    return "real"


def get_user(db: Annotated[str, Depends(get_db)]) -> str:
    return f"user from {db}"


def make_app() -> FastCore:
    app = FastCore()

    @app.get("/user")
    async def user(u: Annotated[str, Depends(get_user)]) -> str:
        return u

    @app.get("/plain")
    async def plain() -> str:
        return "plain"

    return app


def test_override_set_after_start_and_cleared() -> None:
    app = make_app()
    client = TestClient(app)
    assert client.get("/user").json() == "user from real"
    app.dependency_overrides[get_db] = lambda: "fake"
    assert client.get("/user").json() == "user from fake"
    app.dependency_overrides.clear()
    assert client.get("/user").json() == "user from real"


def test_override_of_an_inner_dependency_and_of_the_outer() -> None:
    app = make_app()
    client = TestClient(app)
    app.dependency_overrides[get_user] = lambda: "someone"
    assert client.get("/user").json() == "someone"


def test_override_reads_parameters_the_original_did_not() -> None:
    app = make_app()
    client = TestClient(app)

    async def by_header(x_db: Annotated[str, Header()]) -> str:
        return x_db

    app.dependency_overrides[get_db] = by_header
    assert client.get("/user", headers={"x-db": "hdr"}).json() == "user from hdr"
    r = client.get("/user")
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["header", "x-db"]


def test_override_that_reads_the_body_is_refused_clearly() -> None:
    import msgspec

    class Payload(msgspec.Struct):
        a: int

    app = make_app()
    client = TestClient(app, raise_server_exceptions=True)

    def wants_body(p: Payload) -> str:
        return "x"

    app.dependency_overrides[get_db] = wants_body
    with pytest.raises(FastCoreError, match="reads the request body"):
        client.get("/user")


def test_routes_without_dependencies_are_untouched() -> None:
    app = make_app()
    app.dependency_overrides[get_db] = lambda: "fake"
    assert TestClient(app).get("/plain").json() == "plain"
