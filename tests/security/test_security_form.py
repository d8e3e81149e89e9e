"""OAuth2PasswordRequestForm on FastAPI and fastcore: the same answers and the same docs."""

from typing import Annotated, Any

import fastapi
import fastapi.security
import fastapi.testclient
import pytest

import fastcore
import fastcore.security
import fastcore.testclient


def login_app(fw: Any) -> Any:
    app = fw.FastAPI()

    @app.post("/token")
    async def token(form: Annotated[fw.security.OAuth2PasswordRequestForm, fw.Depends()]) -> dict:
        return {
            "u": form.username,
            "p": form.password,
            "scopes": form.scopes,
            "grant": form.grant_type,
            "client": form.client_id,
        }

    @app.post("/strict")
    async def strict(
        form: Annotated[fw.security.OAuth2PasswordRequestFormStrict, fw.Depends()],
    ) -> dict:
        return {"u": form.username, "grant": form.grant_type}

    return app


CASES = [
    ("/token", {"username": "alice", "password": "pw"}),
    ("/token", {"username": "alice", "password": "pw", "scope": "read  write", "client_id": "c"}),
    ("/token", {"username": "alice"}),
    ("/token", {}),
    ("/token", {"username": "a", "password": "p", "grant_type": "client_credentials"}),
    ("/token", {"username": "a", "password": "p", "grant_type": "password"}),
    ("/strict", {"username": "a", "password": "p"}),
    ("/strict", {"username": "a", "password": "p", "grant_type": "password"}),
]


@pytest.mark.parametrize(("url", "data"), CASES)
def test_same_answers(url: str, data: dict) -> None:
    ref = fastapi.testclient.TestClient(login_app(fastapi)).post(url, data=data)
    ours = fastcore.testclient.TestClient(login_app(fastcore)).post(url, data=data)
    assert (ours.status_code, ours.json()) == (ref.status_code, ref.json())


def test_same_openapi() -> None:
    ref = login_app(fastapi).openapi()
    ours = login_app(fastcore).openapi()
    for path in ("/token", "/strict"):
        assert (
            ours["paths"][path]["post"]["requestBody"] == ref["paths"][path]["post"]["requestBody"]
        )
    for name, schema in ref["components"]["schemas"].items():
        if name.startswith("Body_"):
            assert ours["components"]["schemas"][name] == schema, name
