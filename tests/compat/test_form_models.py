"""Form models (a model, an optional model, a union of models as ``Form()``): FastAPI vs fastcore.

Multipart bodies are encoded by httpx once and sent to both apps as the same raw bytes.
"""

from typing import Annotated, Any, Literal

import fastapi
import fastapi.testclient
import httpx
import msgspec
import pytest
from pydantic import BaseModel

import fastcore
import fastcore.testclient


class Login(BaseModel):
    model_config = {"extra": "forbid"}
    username: str
    password: str
    tags: list[str] = []


class SLogin(msgspec.Struct, forbid_unknown_fields=True):
    username: str
    password: str
    tags: list[str] = []


class Profile(BaseModel):
    name: str
    age: int


class Preferences(BaseModel):
    tags: list[str] = []


class Person(BaseModel):
    kind: Literal["person"]
    name: str


class Company(BaseModel):
    kind: Literal["company"]
    company_name: str


class Email(BaseModel):
    channel: Literal["email"]
    email: str


class SMS(BaseModel):
    channel: Literal["sms"]
    phone: str


def _app(fw: Any, login: Any) -> Any:
    Form = fw.Form
    app = fw.FastAPI()

    @app.post("/login")
    async def do_login(data: Annotated[login, Form()]) -> Any:
        return data

    @app.post("/profiles")
    async def profiles(
        profile: Annotated[Profile, Form()],
        preferences: Annotated[Preferences, Form()],
        token: Annotated[str, Form()],
    ) -> Any:
        return {"profile": profile, "preferences": preferences, "token": token}

    @app.post("/optional")
    async def optional(
        token: Annotated[str, Form()], profile: Annotated[Profile | None, Form()] = None
    ) -> Any:
        return {"token": token, "profile": profile}

    @app.post("/contacts")
    async def contacts(
        contact: Annotated[Person | Company | None, Form(discriminator="kind")] = None,
    ) -> Any:
        return contact

    @app.post("/notify")
    async def notify(
        contact: Annotated[Person | Company, Form(discriminator="kind")],
        token: Annotated[str, Form()],
        channel: Annotated[Email | SMS | None, Form(discriminator="channel")] = None,
    ) -> Any:
        return {"contact": contact, "channel": channel, "token": token}

    @app.post("/avatar")
    async def avatar(profile: Annotated[Profile, Form()], file: fw.UploadFile) -> Any:
        return {"profile": profile, "filename": file.filename, "size": len(await file.read())}

    return app


def _multipart(data: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
    request = httpx.Request("POST", "http://testserver/", data=data, files=files)
    return {"content": request.read(), "headers": {"content-type": request.headers["content-type"]}}


CASES: list[tuple[str, dict[str, Any]]] = [
    ("/login", {"data": {"username": "rick", "password": "x", "tags": ["a", "b"]}}),
    ("/login", {"data": {"username": "rick", "password": "x", "extra": "e"}}),
    ("/login", {"data": {"username": "rick", "password": ""}}),
    ("/login", {}),
    ("/login", {"json": {"username": "rick", "password": "x"}}),
    ("/profiles", {"data": {"name": "Rick", "age": "70", "tags": ["x", "y"], "token": "t"}}),
    ("/profiles", {"data": {"name": "Rick", "token": "t"}}),
    ("/profiles", {"data": {"age": "old"}}),
    ("/optional", {"data": {"token": "t"}}),
    ("/optional", {"data": {"token": "t", "name": "Rick", "age": "70"}}),
    ("/optional", {"data": {"token": "t", "name": ""}}),
    ("/optional", {"data": {"token": "t", "name": "Rick"}}),
    ("/contacts", {}),
    ("/contacts", {"data": {"kind": "person", "name": "Rick"}}),
    ("/contacts", {"data": {"kind": "company", "company_name": "Acme"}}),
    ("/contacts", {"data": {"kind": "person"}}),
    ("/contacts", {"data": {"name": "Rick"}}),
    ("/contacts", {"data": {"kind": "robot"}}),
    ("/notify", {"data": {"token": "t"}}),
    ("/notify", {"data": {"kind": "person", "name": "R", "token": "t"}}),
    ("/notify", {"data": {"kind": "person", "name": "R", "channel": "sms", "token": "t"}}),
    (
        "/notify",
        {
            "data": {
                "kind": "company",
                "company_name": "A",
                "channel": "email",
                "email": "e",
                "token": "t",
            }
        },
    ),
    ("/avatar", _multipart({"name": "Rick", "age": "70"}, {"file": ("a.png", b"image")})),
    ("/avatar", {"data": {"name": "Rick", "age": "70"}}),
]


def _seen(resp: Any) -> tuple[int, Any]:
    return resp.status_code, resp.json()


@pytest.mark.parametrize("login", [Login, SLogin], ids=["pydantic", "struct"])
@pytest.mark.parametrize(("url", "kw"), CASES)
def test_form_models(login: Any, url: str, kw: dict[str, Any]) -> None:
    ref = fastapi.testclient.TestClient(_app(fastapi, Login))
    ours = fastcore.testclient.TestClient(_app(fastcore, login))
    assert _seen(ours.post(url, **kw)) == _seen(ref.post(url, **kw))


def test_form_models_openapi() -> None:
    ref = fastapi.testclient.TestClient(_app(fastapi, Login)).get("/openapi.json").json()
    ours = fastcore.testclient.TestClient(_app(fastcore, Login)).get("/openapi.json").json()
    assert ours["paths"] == ref["paths"]
    assert ours["components"] == ref["components"]
