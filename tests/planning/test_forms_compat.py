"""Form and file routes written once, run on FastAPI and on fastcore: same answers.

Multipart bodies are encoded by httpx (what both test clients use) and sent as raw
content, so both apps receive the same bytes.
"""

from typing import Annotated, Any, Optional

import fastapi
import fastapi.testclient
import httpx
import pydantic
import pytest

import fastcore
import fastcore.testclient


class Login(pydantic.BaseModel):
    username: str = pydantic.Field(min_length=2)
    age: int
    tags: list[str] = []
    nick: Optional[str] = None


def forms_app(fw: Any) -> Any:
    Form, File, UploadFile = fw.Form, fw.File, fw.UploadFile
    app = fw.FastAPI()

    @app.post("/login")
    def login(
        username: Annotated[str, Form(min_length=2)],
        age: Annotated[int, Form(ge=0)],
        remember: Annotated[bool, Form()] = False,
        nick: Annotated[Optional[str], Form()] = None,
        tags: Annotated[list[str], Form()] = [],
    ) -> dict:
        return {"username": username, "age": age, "remember": remember, "nick": nick, "tags": tags}

    @app.post("/upload")
    async def upload(
        file: UploadFile,
        note: Annotated[str, Form()] = "none",
        raw: Annotated[Optional[bytes], File()] = None,
    ) -> dict:
        content = await file.read()
        return {
            "filename": file.filename,
            "content_type": file.content_type,
            "size": file.size,
            "content": content.decode("latin-1"),
            "note": note,
            "raw": raw.decode("latin-1") if raw is not None else None,
        }

    @app.post("/many")
    async def many(files: list[UploadFile], blobs: Annotated[list[bytes], File()] = []) -> dict:
        return {
            "names": [f.filename for f in files],
            "sizes": [len(await f.read()) for f in files],
            "blobs": [b.decode() for b in blobs],
        }

    @app.post("/optional")
    async def optional(file: Optional[UploadFile] = None) -> dict:
        return {"file": None if file is None else file.filename}

    @app.post("/bytes")
    def raw_bytes(data: Annotated[bytes, File()]) -> dict:
        return {"len": len(data)}

    @app.post("/model")
    def model(login: Annotated[Login, Form()]) -> dict:
        return login.model_dump()

    return app


def _multipart(data: Any = None, files: Any = None) -> dict[str, Any]:
    req = httpx.Request("POST", "http://testserver/", data=data, files=files)
    req.read()
    return {"content": req.content, "headers": {"content-type": req.headers["content-type"]}}


def _raw(body: bytes, ctype: str) -> dict[str, Any]:
    return {"content": body, "headers": {"content-type": ctype}}


def _form(data: Any) -> dict[str, Any]:
    return _raw(httpx.QueryParams(data).__str__().encode(), "application/x-www-form-urlencoded")


_BAD_PART = b'--b\r\nContent-Disposition: form-data; name="username"\r\n\r\nabc'
_NO_NAME = b"--b\r\nContent-Disposition: form-data\r\n\r\nabc\r\n--b--\r\n"
_HUGE_HEADER = b"--b\r\nX-Big: " + b"a" * (2 * 1024 * 1024) + b"\r\n\r\nabc\r\n--b--\r\n"
_GARBAGE = b"--b\r\nno colon here\r\n\r\nabc\r\n--b--\r\n"
_TOO_MANY = "&".join(f"f{i}=1" for i in range(1001)).encode()
_TOO_MANY_FILES = [("files", (f"{i}.txt", b"x")) for i in range(1001)]
_BIG_FIELD = _multipart({"username": "a" * (1024 * 1024 + 1), "age": "1"})
_MP = "multipart/form-data; boundary=b"

CASES = [
    ("/login", _form({"username": "ann", "age": "3"})),
    ("/login", _form([("username", "ann"), ("age", "3"), ("tags", "a"), ("tags", "b")])),
    ("/login", _form({"username": "ann", "age": "3", "remember": "yes", "nick": "n"})),
    ("/login", _multipart({"username": "ann", "age": "3"})),
    ("/login", _form({})),
    ("/login", _form({"username": "", "age": ""})),
    ("/login", _form({"username": "a", "age": "-1"})),
    ("/login", _form({"username": "ann", "age": "x", "remember": "maybe"})),
    ("/login", _form({"username": "ann", "age": "3", "nick": ""})),
    ("/login", _raw(b'{"username": "ann", "age": 3}', "application/json")),
    ("/login", {}),
    ("/login", _raw(b"username=%C3%A9t%C3%A9&age=1", "application/x-www-form-urlencoded")),
    ("/login", _raw(_TOO_MANY, "application/x-www-form-urlencoded")),
    ("/login", _raw(b"username=" + b"a" * (1024 * 1024 + 1), "application/x-www-form-urlencoded")),
    ("/login", _BIG_FIELD),
    ("/login", _raw(_BAD_PART, _MP)),
    ("/login", _raw(_BAD_PART, "multipart/form-data")),
    ("/login", _raw(_NO_NAME, _MP)),
    ("/login", _raw(_HUGE_HEADER, _MP)),
    ("/login", _raw(_GARBAGE, _MP)),
    ("/login", _raw(b"junk", _MP)),
    ("/upload", _multipart({"note": "hi"}, {"file": ("a.txt", b"hello", "text/plain")})),
    ("/upload", _multipart(None, {"file": ("a.bin", b"\x00\xff" * 5000)})),
    ("/upload", _multipart(None, {"file": ("a.txt", b"x"), "raw": ("r", b"RAW")})),
    ("/upload", _multipart({"raw": "text"}, {"file": ("a.txt", b"x")})),
    ("/upload", _multipart({"file": "not a file"})),
    ("/upload", _multipart(None, {"file": ("", b"")})),
    ("/upload", _multipart({"note": "x"})),
    ("/upload", _form({"file": "x"})),
    ("/many", _multipart(None, [("files", ("a", b"1")), ("files", ("b", b"22"))])),
    ("/many", _multipart(None, [("files", ("a", b"1")), ("blobs", ("b", b"B")), ("blobs", "s")])),
    ("/many", _multipart({"files": ["x", "y"]})),
    ("/many", _multipart(None, [("files", ("", b""))])),
    ("/many", _multipart(None, _TOO_MANY_FILES)),
    ("/optional", _multipart(None, {"file": ("o.txt", b"o")})),
    ("/optional", _multipart({"other": "1"})),
    ("/optional", {}),
    ("/model", _form([("username", "ann"), ("age", "3"), ("tags", "a"), ("tags", "b")])),
    ("/model", _multipart({"username": "ann", "age": "3", "nick": "", "extra": "x"})),
    ("/model", _form({"username": "a", "age": "x"})),
    ("/model", _form({})),
    ("/bytes", _multipart(None, {"data": ("d", b"12345")})),
    ("/bytes", _multipart({"data": "text"})),
    ("/bytes", _multipart({"nope": "1"})),
]


@pytest.fixture(scope="module")
def clients() -> tuple[Any, Any]:
    return (
        fastapi.testclient.TestClient(forms_app(fastapi)),
        fastcore.testclient.TestClient(forms_app(fastcore)),
    )


def _seen(resp: Any) -> dict[str, Any]:
    ctype = resp.headers.get("content-type", "")
    body = resp.json() if "json" in ctype else resp.text
    return {"status": resp.status_code, "body": body}


@pytest.mark.parametrize(("path", "kw"), CASES, ids=[f"{i}-{c[0]}" for i, c in enumerate(CASES)])
def test_same_answer(clients: tuple[Any, Any], path: str, kw: dict[str, Any]) -> None:
    ref, ours = clients
    expected = _seen(ref.post(path, **kw))
    got = _seen(ours.post(path, **kw))
    assert got == expected


def test_openapi_request_bodies_match() -> None:
    ref = fastapi.testclient.TestClient(forms_app(fastapi)).get("/openapi.json").json()
    ours = fastcore.testclient.TestClient(forms_app(fastcore)).get("/openapi.json").json()
    for path in ("/login", "/upload", "/many", "/optional", "/bytes", "/model"):
        assert (
            ours["paths"][path]["post"]["requestBody"]
            == (ref["paths"][path]["post"]["requestBody"])
        ), path
    ref_bodies = {k: v for k, v in ref["components"]["schemas"].items() if k.startswith("Body_")}
    ours_bodies = {k: v for k, v in ours["components"]["schemas"].items() if k.startswith("Body_")}
    assert ours_bodies == ref_bodies
