"""GZipMiddleware: same compression decisions, headers and bytes as Starlette's."""

from __future__ import annotations

import asyncio
import gzip
import zlib
from typing import Any

import pytest
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES
from starlette.middleware.gzip import GZipMiddleware as StarletteGZip

from fastcore import FastCore
from fastcore.middleware.gzip import GZipMiddleware
from fastcore.responses import PlainTextResponse, StreamingResponse
from fastcore.testclient import TestClient
from tests.support.reference import OLD_STARLETTE

BIG = b"fastcore " * 100


def make_app(
    body: bytes = BIG,
    *,
    status: int = 200,
    content_type: bytes | None = b"text/plain",
    extra: list[tuple[bytes, bytes]] | None = None,
    chunks: list[bytes] | None = None,
    length: bool = True,
) -> Any:
    async def app(scope: dict, receive: Any, send: Any) -> None:
        headers = [(b"content-type", content_type)] if content_type else []
        headers += extra or []
        if length:
            size = len(body) if chunks is None else sum(map(len, chunks))
            headers.append((b"content-length", str(size).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        if chunks is None:
            await send({"type": "http.response.body", "body": body})
            return
        for chunk in chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    return app


def seen(response: Any) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    return response.status_code, response.headers.raw, response.content


def both(app: Any, headers: dict[str, str] | None = None, method: str = "GET", **options: Any):
    ours = TestClient(GZipMiddleware(app, **options)).request(method, "/", headers=headers)
    theirs = TestClient(StarletteGZip(app, **options)).request(method, "/", headers=headers)
    return seen(ours), seen(theirs)


CASES = [
    ("big", make_app(), {}),
    ("small", make_app(b"x" * 10), {}),
    ("exactly minimum", make_app(b"y" * 500), {}),
    ("one under minimum", make_app(b"y" * 499), {}),
    ("empty", make_app(b""), {}),
    ("no content-length", make_app(length=False), {}),
    ("no content-type", make_app(content_type=None), {}),
    ("existing vary", make_app(extra=[(b"vary", b"Cookie")]), {}),
    ("existing vary small", make_app(b"x", extra=[(b"vary", b"Cookie")]), {}),
    ("already encoded", make_app(extra=[(b"content-encoding", b"br")]), {}),
    ("partial content", make_app(status=206), {}),
    ("error status", make_app(status=500), {}),
    ("event stream", make_app(content_type=b"text/event-stream"), {}),
    ("event stream small", make_app(b"x", content_type=b"text/event-stream"), {}),
    ("excluded with params", make_app(content_type=b"Image/PNG; q=1"), {}),
    ("excluded family", make_app(content_type=b"video/mp4"), {}),
    ("svg is text", make_app(content_type=b"image/svg+xml"), {}),
    ("json", make_app(content_type=b"application/json"), {}),
    ("not accepted", make_app(), {"accept-encoding": "br"}),
    ("not accepted small", make_app(b"x"), {"accept-encoding": "identity"}),
    ("upper-case GZIP", make_app(), {"accept-encoding": "GZIP"}),
    ("gzip among others", make_app(), {"accept-encoding": "br, gzip;q=0.5"}),
    ("no accept-encoding", make_app(), {"accept-encoding": ""}),
    ("stream", make_app(chunks=[b"a" * 10, b"b" * 10]), {}),
    ("stream big", make_app(chunks=[b"a" * 600, b"b" * 600]), {}),
    ("stream without length", make_app(chunks=[b"a" * 10, b"b"], length=False), {}),
    ("stream first chunk empty", make_app(chunks=[b"", b"a" * 10]), {}),
    ("stream not accepted", make_app(chunks=[b"a" * 10, b"b"]), {"accept-encoding": "br"}),
    ("stream encoded", make_app(chunks=[b"a"], extra=[(b"content-encoding", b"br")]), {}),
    (
        "stream event stream",
        make_app(chunks=[b"data: 1\n\n"], content_type=b"text/event-stream"),
        {},
    ),
]


@pytest.mark.parametrize(("app", "headers"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_matches_starlette(app: Any, headers: dict[str, str], method: str) -> None:
    ours, theirs = both(app, headers, method)
    assert ours == theirs


@pytest.mark.parametrize(
    "options",
    [
        {"minimum_size": 0},
        {"minimum_size": 10_000},
        {"compresslevel": 1},
        {"exclude_content_types": ("text/*",)},
        {"exclude_content_types": ()},
    ],
)
@pytest.mark.parametrize(
    "app",
    [make_app(), make_app(b""), make_app(chunks=[b"a" * 50, b"b"])],
    ids=["big", "empty", "stream"],
)
def test_options_match_starlette(app: Any, options: dict[str, Any]) -> None:
    ours, theirs = both(app, **options)
    assert ours == theirs


def _raw(app: Any, accept: bytes = b"gzip") -> list[dict]:
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b""}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [(b"accept-encoding", accept)],
    }
    asyncio.run(app(scope, receive, send))
    return sent


def test_same_bytes_as_starlette() -> None:
    for app in (make_app(), make_app(chunks=[b"a" * 700, b"b" * 10, b"c" * 3000])):
        ours = _raw(GZipMiddleware(app))
        theirs = _raw(StarletteGZip(app))
        assert ours == theirs


def test_each_streamed_chunk_is_decodable_when_sent() -> None:
    sent = _raw(GZipMiddleware(make_app(chunks=[b"first ", b"second"])))
    decoder = zlib.decompressobj(31)
    assert decoder.decompress(sent[1]["body"]) == b"first "
    assert decoder.decompress(sent[2]["body"]) == b"second"
    assert not sent[-1].get("more_body", False)


def test_large_chunks_compress_in_a_thread() -> None:
    body = bytes(range(256)) * 2048
    ours = _raw(GZipMiddleware(make_app(body), thread_minimum_size=1024))
    assert gzip.decompress(ours[1]["body"]) == body
    assert ours == _raw(StarletteGZip(make_app(body), thread_minimum_size=1024))


def test_other_messages_pass_through() -> None:
    async def app(scope: dict, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.pathsend", "path": "/dev/null"})

    sent = _raw(GZipMiddleware(app))
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.pathsend"]
    assert sent[0]["headers"] == []


def test_other_scopes_pass_through() -> None:
    kinds = []

    async def app(scope: dict, receive: Any, send: Any) -> None:
        kinds.append(scope["type"])

    for kind in ("websocket", "lifespan"):
        asyncio.run(GZipMiddleware(app)({"type": kind}, None, None))  # type: ignore[arg-type]
    assert kinds == ["websocket", "lifespan"]


@OLD_STARLETTE
def test_default_exclusions_are_starlettes() -> None:
    from starlette.middleware import gzip as sg

    assert DEFAULT_EXCLUDED_CONTENT_TYPES == sg.DEFAULT_EXCLUDED_CONTENT_TYPES


def test_with_a_fastcore_app() -> None:
    app = FastCore()
    app.add_middleware(GZipMiddleware, minimum_size=100)

    @app.get("/big")
    async def big() -> dict:
        return {"items": list(range(200))}

    @app.get("/small")
    async def small() -> dict:
        return {"ok": True}

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def chunks() -> Any:
            for i in range(3):
                yield f"line {i}\n"

        return StreamingResponse(chunks(), media_type="text/plain")

    @app.get("/events")
    async def events() -> PlainTextResponse:
        return PlainTextResponse("data: x\n\n" * 100, media_type="text/event-stream")

    client = TestClient(app)
    response = client.get("/big")
    assert response.json() == {"items": list(range(200))}
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert int(response.headers["content-length"]) < len(response.content)
    assert "content-encoding" not in client.get("/small").headers
    streamed = client.get("/stream")
    assert streamed.text == "line 0\nline 1\nline 2\n"
    assert streamed.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in client.get("/events").headers
    plain = client.get("/big", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.headers["vary"] == "Accept-Encoding"


@OLD_STARLETTE
def test_several_vary_headers_merge_like_starlette() -> None:
    app = make_app(extra=[(b"vary", b"A"), (b"x", b"1"), (b"vary", b"B")])
    ours = _raw(GZipMiddleware(app))
    assert ours == _raw(StarletteGZip(app))
    assert (b"vary", b"A, B, Accept-Encoding") in ours[0]["headers"]
