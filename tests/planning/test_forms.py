"""Forms and uploads beyond what FastAPI is compared on: streaming, spooling, cleanup,
limits, ``Request.form()`` and the UploadFile API."""

import asyncio
import io
from typing import Annotated, Any

import httpx
import msgspec
import pytest

import fastcore
from fastcore import FastAPI, File, Form, Request, UploadFile
from fastcore._planning import forms
from fastcore._planning.forms import FormError, FormLimits, parse_form
from fastcore.datastructures import FormData, Headers
from fastcore.testclient import TestClient


def _multipart(data: Any = None, files: Any = None) -> dict[str, Any]:
    req = httpx.Request("POST", "http://testserver/", data=data, files=files)
    req.read()
    return {"content": req.content, "headers": {"content-type": req.headers["content-type"]}}


async def _call(app: Any, body: bytes, ctype: bytes, chunk: int) -> tuple[int, bytes]:
    """One request through the ASGI interface, the body delivered ``chunk`` bytes at a time."""
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "headers": [(b"content-type", ctype)],
        "http_version": "1.1",
        "scheme": "http",
        "server": ("testserver", 80),
        "client": ("c", 1),
        "root_path": "",
    }
    pieces = [body[i : i + chunk] for i in range(0, len(body), chunk)] or [b""]
    messages = [
        {"type": "http.request", "body": p, "more_body": i < len(pieces) - 1}
        for i, p in enumerate(pieces)
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


@pytest.fixture
def seen() -> list[Any]:
    return []


@pytest.fixture
def app(seen: list[Any]) -> FastAPI:
    app = FastAPI()

    @app.post("/")
    async def upload(file: UploadFile, n: Annotated[int, Form()] = 0) -> dict:
        seen.append(file)
        data = await file.read()
        return {"size": file.size, "len": len(data), "rolled": file.file._rolled, "n": n}

    return app


@pytest.mark.parametrize("chunk", [1, 7, 64, 65536])
def test_body_parsed_as_it_arrives_in_any_chunking(app: FastAPI, chunk: int) -> None:
    kw = _multipart({"n": "4"}, {"file": ("a.txt", b"0123456789" * 30)})
    status, body = asyncio.run(
        _call(app, kw["content"], kw["headers"]["content-type"].encode(), chunk)
    )
    assert status == 200
    assert body == b'{"size":300,"len":300,"rolled":false,"n":4}'


def test_large_upload_spools_to_disk_and_is_closed_after_the_response(
    app: FastAPI, seen: list[Any]
) -> None:
    big = b"x" * (forms._SPOOL_MAX_SIZE + 10)
    resp = TestClient(app).post("/", **_multipart(None, {"file": ("big.bin", big)}))
    assert resp.json() == {"size": len(big), "len": len(big), "rolled": True, "n": 0}
    assert seen[0].file.closed


def test_files_closed_when_validation_fails(app: FastAPI) -> None:
    app2 = FastAPI()
    kept: list[Any] = []

    @app2.post("/")
    async def two(file: UploadFile, n: Annotated[int, Form()]) -> dict:
        return {}

    original = UploadFile.close

    async def tracking_close(self: UploadFile) -> None:
        kept.append(self)
        await original(self)

    UploadFile.close = tracking_close  # type: ignore[method-assign]
    try:
        resp = TestClient(app2).post("/", **_multipart({"n": "x"}, {"file": ("a", b"1")}))
    finally:
        UploadFile.close = original  # type: ignore[method-assign]
    assert resp.status_code == 422
    assert len(kept) == 1 and kept[0].file.closed


def test_files_closed_when_the_body_is_malformed() -> None:
    parts = b"".join(
        b'--b\r\nContent-Disposition: form-data; name="f"; filename="x"\r\n\r\nabc\r\n'
        for _ in range(3)
    )
    limits = FormLimits(max_files=2)

    async def chunks() -> Any:
        yield parts + b"--b--\r\n"

    with pytest.raises(FormError, match="Too many files"):
        asyncio.run(parse_form(b"multipart/form-data; boundary=b", chunks(), limits))


def test_request_form_is_a_multidict_with_uploads() -> None:
    app = FastAPI()

    @app.post("/")
    async def handler(request: Request) -> dict:
        form = await request.form()
        again = await request.form()
        upload = form["f"]
        out = {
            "tags": form.getlist("tag"),
            "same": form is again,
            "file": [upload.filename, (await upload.read()).decode(), upload.content_type],
        }
        await form.close()
        return out

    kw = _multipart({"tag": ["a", "b"]}, {"f": ("n.txt", b"hi", "text/plain")})
    assert TestClient(app).post("/", **kw).json() == {
        "tags": ["a", "b"],
        "same": True,
        "file": ["n.txt", "hi", "text/plain"],
    }


def test_request_form_on_a_form_route_is_the_parsed_form() -> None:
    app = FastAPI()

    @app.post("/")
    async def handler(request: Request, name: Annotated[str, Form()]) -> dict:
        form = await request.form()
        return {"name": name, "form": dict(form)}

    resp = TestClient(app).post(
        "/", content=b"name=a&x=1", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert resp.json() == {"name": "a", "form": {"name": "a", "x": "1"}}


def test_request_form_limits_answer_400() -> None:
    app = FastAPI()

    @app.post("/")
    async def handler(request: Request) -> dict:
        return dict(await request.form(max_fields=1))

    resp = TestClient(app).post(
        "/", content=b"a=1&b=2", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert resp.status_code == 400
    assert resp.json() == {"detail": "Too many fields. Maximum number of fields is 1."}


def test_request_form_of_other_content_is_empty() -> None:
    app = FastAPI()

    @app.post("/")
    async def handler(request: Request) -> dict:
        return {"n": len(await request.form())}

    assert TestClient(app).post("/", content=b"{}").json() == {"n": 0}


def test_upload_file_api() -> None:
    async def run() -> None:
        headers = Headers({"content-type": "text/x"})
        up = UploadFile(io.BytesIO(), filename="a.txt", size=0, headers=headers)
        await up.write(b"hello ")
        await up.write(b"world")
        assert up.size == 11
        await up.seek(0)
        assert await up.read(5) == b"hello"
        assert await up.read() == b" world"
        assert up.content_type == "text/x"
        assert "a.txt" in repr(up)
        await up.close()
        await up.close()
        assert up.file.closed
        plain = UploadFile(io.BytesIO(b"abc"))
        assert await plain.read() == b"abc" and plain.content_type is None

    asyncio.run(run())


def test_form_data_close_closes_every_upload() -> None:
    async def run() -> None:
        a, b = UploadFile(io.BytesIO(), filename="a"), UploadFile(io.BytesIO(), filename="b")
        form = FormData([("a", a), ("t", "x"), ("b", b)])
        await form.close()
        assert a.file.closed and b.file.closed

    asyncio.run(run())


def test_form_and_file_markers_document_the_body() -> None:
    app = FastAPI()

    @app.post("/login")
    def login(user: Annotated[str, Form()]) -> dict:
        return {}

    @app.post("/up")
    def up(data: Annotated[bytes, File()]) -> dict:
        return {}

    doc = TestClient(app).get("/openapi.json").json()["paths"]
    assert list(doc["/login"]["post"]["requestBody"]["content"]) == [
        "application/x-www-form-urlencoded"
    ]
    assert list(doc["/up"]["post"]["requestBody"]["content"]) == ["multipart/form-data"]


def test_upload_file_is_exported() -> None:
    assert fastcore.UploadFile is UploadFile


class Signup(msgspec.Struct):
    email: str
    age: int
    langs: list[str] = []


def test_struct_form_model() -> None:
    app = FastAPI()

    @app.post("/")
    def signup(data: Annotated[Signup, Form()]) -> Signup:
        return data

    client = TestClient(app)
    ok = client.post(
        "/",
        content=b"email=a%40b.c&age=3&langs=en&langs=fr",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert ok.json() == {"email": "a@b.c", "age": 3, "langs": ["en", "fr"]}
    bad = client.post(
        "/", content=b"age=x", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert bad.status_code == 422
    assert [e["loc"] for e in bad.json()["detail"]] == [["body", "email"], ["body", "age"]]
