"""max_body_size= and form_limits= on app, router and route (FastAPI 0.165): FastAPI vs fastcore."""

from typing import Annotated, Any

import fastapi
import fastapi.responses
import fastapi.testclient
import httpx
import pytest

import fastcore
import fastcore.responses
import fastcore.testclient


def _app(fw: Any) -> Any:
    app = fw.FastAPI(max_body_size=1000, form_limits={"max_fields": 3})
    uploads = fw.APIRouter(prefix="/uploads", max_body_size=5000)

    @app.post("/items")
    def create_item(item: dict) -> Any:
        return item

    @app.post("/notes")
    async def notes(text: Annotated[str, fw.Form()]) -> Any:
        return {"size": len(text)}

    @app.post("/documents", form_limits={"max_part_size": 2000})
    async def documents(text: Annotated[str, fw.Form()]) -> Any:
        return {"size": len(text)}

    @app.post("/raw", max_body_size=5)
    async def raw(request: fw.Request) -> Any:
        # NOTE: the handler reads the body itself: the limit holds there too
        return fw.responses.PlainTextResponse(await request.body())

    @app.post("/streamed", max_body_size=5)
    async def streamed(request: fw.Request) -> Any:
        return {"size": sum([len(chunk) async for chunk in request.stream()])}

    @app.post("/bodyless", max_body_size=5)
    async def bodyless() -> Any:
        return {"read": False}

    @uploads.post("/")
    def upload(file: fw.UploadFile) -> Any:
        return {"filename": file.filename, "size": file.size}

    @uploads.post("/small", max_body_size=1500)
    def small(file: fw.UploadFile) -> Any:
        return {"filename": file.filename, "size": file.size}

    app.include_router(uploads)
    return app


def _multipart(files: dict[str, Any], data: dict[str, Any] | None = None) -> dict[str, Any]:
    request = httpx.Request("POST", "http://testserver/", data=data, files=files)
    return {"content": request.read(), "headers": {"content-type": request.headers["content-type"]}}


def _raw(*parts: bytes) -> Any:
    yield from parts


def _chunks(size: int) -> Any:
    # NOTE: no Content-Length: the limit is found while the body streams in
    yield b'{"a": "'
    yield b"x" * size
    yield b'"}'


CASES: list[tuple[str, Any]] = [
    ("/items", lambda: {"json": {"name": "Plumbus"}}),
    ("/items", lambda: {"content": b"x" * 1001}),
    ("/items", lambda: {"json": {"a": "x" * 2000}}),
    ("/items", lambda: {"content": _chunks(2000), "headers": {"content-type": "application/json"}}),
    ("/items", lambda: {"content": _chunks(10), "headers": {"content-type": "application/json"}}),
    ("/raw", lambda: {"content": _raw(b"12", b"345")}),
    ("/raw", lambda: {"content": _raw(b"123", b"456")}),
    ("/raw", lambda: {"content": b"123456"}),
    ("/streamed", lambda: {"content": _raw(b"1234", b"5")}),
    ("/streamed", lambda: {"content": _raw(b"1234", b"56")}),
    ("/bodyless", lambda: {"content": b"12345"}),
    ("/bodyless", lambda: {"content": b"123456"}),
    ("/bodyless", lambda: {"content": _raw(b"1234", b"56")}),
    ("/notes", lambda: {"data": {"text": "ok"}}),
    ("/notes", lambda: {"data": {"text": "x" * 1200}}),
    ("/notes", lambda: {"data": {"text": "ok", "a": "1", "b": "2", "c": "3"}}),
    ("/documents", lambda: {"data": {"text": "x" * 900}}),
    ("/documents", lambda: _multipart({"text": (None, "x" * 950)})),
    ("/uploads/", lambda: _multipart({"file": ("a.txt", b"x" * 3000)})),
    ("/uploads/", lambda: _multipart({"file": ("a.txt", b"x" * 6000)})),
    ("/uploads/small", lambda: _multipart({"file": ("a.txt", b"x" * 1200)})),
    ("/uploads/small", lambda: _multipart({"file": ("a.txt", b"x" * 3000)})),
]


@pytest.mark.parametrize(("url", "kw"), CASES)
def test_body_limits(url: str, kw: Any) -> None:
    ref = fastapi.testclient.TestClient(_app(fastapi)).post(url, **kw())
    ours = fastcore.testclient.TestClient(_app(fastcore)).post(url, **kw())
    assert (ours.status_code, ours.text) == (ref.status_code, ref.text)


@pytest.mark.parametrize("fw", [fastapi, fastcore], ids=["fastapi", "fastcore"])
def test_bad_limits_refused(fw: Any) -> None:
    with pytest.raises(ValueError):
        fw.FastAPI(max_body_size=-1)
    with pytest.raises(ValueError):
        fw.APIRouter(max_body_size=True)
