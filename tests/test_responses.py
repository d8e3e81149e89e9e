"""Response classes send what Starlette's send: each case runs through both and is compared."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import enum
import os
import re
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pydantic
import pytest
from starlette import responses as sr

from fastcore import responses as fr
from fastcore.background import BackgroundTask

Message = dict[str, Any]


def http_scope(method: str = "GET", headers: list | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "method": method,
        "path": "/",
        "headers": headers or [],
        **extra,
    }


def run(response: Any, scope: dict[str, Any] | None = None) -> list[Message]:
    """Call a response as an ASGI app; the client never disconnects on its own."""
    sent: list[Message] = []

    async def receive() -> Message:
        await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(response(scope or http_scope(), receive, send))
    return sent


def wire(response: Any, scope: dict[str, Any] | None = None) -> tuple[int, list, bytes]:
    """Status, raw headers and joined body of one response."""
    sent = run(response, scope)
    start = sent[0]
    assert start["type"] == "http.response.start"
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], [(bytes(k), bytes(v)) for k, v in start["headers"]], body


def same(make: Callable[[Any], Any], scope: dict[str, Any] | None = None) -> tuple:
    """Build the response from each module, send both and assert they match."""
    ours, theirs = wire(make(fr), scope), wire(make(sr), scope)
    assert ours == theirs
    return ours


# -- Response and the plain subclasses --------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.Response(),
        lambda m: m.Response(b"raw bytes"),
        lambda m: m.Response("text é", media_type="text/plain"),
        lambda m: m.Response("x", media_type="text/csv; charset=latin-1"),
        lambda m: m.Response("x", media_type="application/xml"),
        lambda m: m.Response(memoryview(b"view")),
        lambda m: m.Response(status_code=204),
        lambda m: m.Response(status_code=304, headers={"ETag": '"x"'}),
        lambda m: m.Response(b"", status_code=101),
        lambda m: m.Response("a", headers={"Content-Length": "5", "X-A": "1"}),
        lambda m: m.Response("a", headers={"content-type": "text/x"}, media_type="text/plain"),
        lambda m: m.PlainTextResponse("hello"),
        lambda m: m.PlainTextResponse("teapot", status_code=418, headers={"x": "y"}),
        lambda m: m.HTMLResponse("<h1>é</h1>"),
        lambda m: m.HTMLResponse(None),
    ],
)
def test_plain_responses_match_starlette(make: Callable[[Any], Any]) -> None:
    same(make)


def test_head_requests_still_get_the_body_like_starlette() -> None:
    assert same(lambda m: m.PlainTextResponse("body"), http_scope("HEAD"))[2] == b"body"


def test_background_runs_after_the_body_is_sent() -> None:
    events: list[str] = []

    async def send(message: Message) -> None:
        events.append(message["type"])

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    async def task() -> None:
        events.append("task")

    response = fr.Response(b"x", background=BackgroundTask(task))
    asyncio.run(response(http_scope(), receive, send))
    assert events == ["http.response.start", "http.response.body", "task"]


# -- JSON -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        {"a": 1, "b": [1, 2.5, None, True, "é ☃"], "c": {"nested": "x"}},
        [],
        "string",
        None,
        0,
        {"emoji": "🎉", "quote": '"', "ctrl": "\n\t\u0001"},
    ],
)
def test_json_response_matches_starlette(content: Any) -> None:
    same(lambda m: m.JSONResponse(content))
    same(lambda m: m.JSONResponse(content, status_code=422, headers={"X-E": "1"}))


class Color(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Model(pydantic.BaseModel):
    name: str
    when: dt.date


# -- cookies ----------------------------------------------------------------------------------

_cookie_cases: list[dict[str, Any]] = [
    {"key": "a"},
    {"key": "a", "value": "b"},
    {"key": "sp", "value": "has space;semi"},
    {"key": "a", "value": "b", "max_age": 60, "path": "/p", "domain": "example.com"},
    {"key": "a", "expires": 10},
    {"key": "a", "expires": "Thu, 01 Jan 2037 00:00:00 GMT"},
    {"key": "a", "expires": dt.datetime(2037, 1, 1, tzinfo=dt.timezone.utc)},
    {"key": "a", "secure": True, "httponly": True, "samesite": "strict"},
    {"key": "a", "samesite": None, "path": None},
    {"key": "a", "samesite": "none", "secure": True},
]


@pytest.mark.parametrize("kwargs", _cookie_cases)
def test_set_cookie_matches_starlette(kwargs: dict[str, Any]) -> None:
    ours, theirs = fr.Response(), sr.Response()
    ours.set_cookie(**kwargs)
    theirs.set_cookie(**kwargs)
    if isinstance(kwargs.get("expires"), int):  # relative to now: may tick between the calls
        assert _no_expiry(ours.raw_headers) == _no_expiry(theirs.raw_headers)
    else:
        assert ours.raw_headers == theirs.raw_headers


def _no_expiry(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    return [(k, re.sub(rb"expires=[^;]+", b"expires=X", v)) for k, v in headers]


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"path": "/x", "domain": "d.com"}, {"secure": True, "httponly": True, "samesite": None}],
)
def test_delete_cookie_matches_starlette(kwargs: dict[str, Any]) -> None:
    ours, theirs = fr.Response(), sr.Response()
    ours.delete_cookie("session", **kwargs)
    theirs.delete_cookie("session", **kwargs)
    # The expiry is "now", which may tick over between the two calls: compare it apart.
    assert _no_expiry(ours.raw_headers) == _no_expiry(theirs.raw_headers)
    assert b"GMT" in ours.raw_headers[-1][1]
    assert b"Max-Age=0" in ours.raw_headers[-1][1]


# -- redirects --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/simple",
        "https://example.com/a b?q=é&x=1#frag",
        "/path with spaces/ü?a=[1]&b=%20",
        "http://user:pw@h:8080/p;params?q='x'",
        '/weird<>"{}|\\^`',
    ],
)
def test_redirect_location_is_quoted_like_starlette(url: str) -> None:
    same(lambda m: m.RedirectResponse(url))
    same(lambda m: m.RedirectResponse(url, status_code=303, headers={"X-R": "1"}))


def test_redirect_accepts_a_url_object_and_overrides_location() -> None:
    from fastcore.datastructures import URL

    r = fr.RedirectResponse(URL("http://h/x"), headers={"Location": "ignored"})
    assert r.headers.getlist("location") == ["http://h/x"] and r.status_code == 307


# -- streaming --------------------------------------------------------------------------------


def _sync_chunks() -> Iterator[str | bytes]:
    yield "é"
    yield b"bytes"
    yield memoryview(b"view")  # type: ignore[misc]


async def _async_chunks() -> AsyncIterator[str | bytes]:
    yield "a"
    await asyncio.sleep(0)
    yield b"b"


@pytest.mark.parametrize("source", [_sync_chunks, _async_chunks])
def test_streaming_response_matches_starlette(source: Callable[[], Any]) -> None:
    status, headers, body = same(
        lambda m: m.StreamingResponse(source(), media_type="text/plain", headers={"X-S": "1"})
    )
    assert b"content-length" not in dict(headers)
    assert body in (b"\xc3\xa9bytesview", b"ab")


def test_streaming_sends_chunks_then_an_empty_last_one_and_runs_background() -> None:
    done: list[bool] = []
    response = fr.StreamingResponse(
        iter([b"1", b"2"]), background=BackgroundTask(lambda: done.append(True))
    )
    sent = run(response)
    assert [(m.get("body"), m.get("more_body")) for m in sent[1:]] == [
        (b"1", True),
        (b"2", True),
        (b"", False),
    ]
    assert done == [True]


def test_streaming_stops_when_an_old_server_reports_disconnect() -> None:
    sent: list[Message] = []
    produced: list[int] = []

    async def forever() -> AsyncIterator[bytes]:
        for i in range(10**6):
            produced.append(i)
            yield b"x"
            await asyncio.sleep(0)

    async def receive() -> Message:
        await asyncio.sleep(0.01)
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = http_scope(asgi={"version": "3.0"})
    asyncio.run(fr.StreamingResponse(forever())(scope, receive, send))
    assert 0 < len(produced) < 10**6


def test_streaming_errors_propagate() -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield b"x"
        raise ValueError("mid-stream")

    async def receive() -> Message:
        await asyncio.Event().wait()
        return {}

    async def send(message: Message) -> None:
        pass

    with pytest.raises(ValueError, match="mid-stream"):
        asyncio.run(fr.StreamingResponse(broken())(http_scope(asgi={}), receive, send))


# -- files ------------------------------------------------------------------------------------


@pytest.fixture
def big_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.txt"
    path.write_bytes(bytes(range(256)) * 600)  # 153600 bytes: more than two 64 KiB chunks
    return path


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"filename": "report.csv"},
        {"filename": "naïve résumé.pdf"},
        {"filename": "x.bin", "content_disposition_type": "inline"},
        {"media_type": "application/x-custom", "headers": {"X-F": "1", "ETag": '"mine"'}},
        {"status_code": 203},
    ],
)
def test_file_response_matches_starlette(big_file: Path, kwargs: dict[str, Any]) -> None:
    status, headers, body = same(lambda m: m.FileResponse(big_file, **kwargs))
    assert body == big_file.read_bytes()


def test_file_response_with_stat_result_sets_headers_up_front(big_file: Path) -> None:
    st = os.stat(big_file)
    ours = fr.FileResponse(big_file, stat_result=st)
    theirs = sr.FileResponse(big_file, stat_result=st)
    assert ours.raw_headers == theirs.raw_headers
    assert ours.headers["content-length"] == str(st.st_size)
    assert re.fullmatch(r'"[0-9a-f]{32}"', ours.headers["etag"])


def test_file_response_chunks_are_64_kib(big_file: Path) -> None:
    sizes = [len(m["body"]) for m in run(fr.FileResponse(big_file))[1:]]
    assert sizes == [65536, 65536, 153600 - 2 * 65536]


def test_file_response_exact_multiple_of_chunk_size(tmp_path: Path) -> None:
    path = tmp_path / "exact.bin"
    path.write_bytes(b"z" * 65536)
    sent = run(fr.FileResponse(path))
    assert [(len(m["body"]), m["more_body"]) for m in sent[1:]] == [(65536, True), (0, False)]


def test_file_response_missing_file_or_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="does not exist"):
        run(fr.FileResponse(tmp_path / "missing.txt"))
    with pytest.raises(RuntimeError, match="is not a file"):
        run(fr.FileResponse(tmp_path))


def test_file_response_uses_pathsend_when_the_server_offers_it(big_file: Path) -> None:
    sent = run(fr.FileResponse(big_file), http_scope(extensions={"http.response.pathsend": {}}))
    assert sent[1] == {"type": "http.response.pathsend", "path": str(big_file)}


@pytest.mark.parametrize(
    "range_header",
    [
        "bytes=0-99",
        "bytes=100-",
        "bytes=-50",
        "bytes=153500-999999",
        "bytes=0-0",
        "bytes=5-1",
        "bytes=999999-",
        "bytes=",
        "bytes=x-y",
        "items=0-1",
        "garbage",
        "bytes=0-1," * 101,
    ],
)
def test_single_ranges_and_range_errors_match_starlette(big_file: Path, range_header: str) -> None:
    scope = http_scope(headers=[(b"range", range_header.encode())])
    same(lambda m: m.FileResponse(big_file), scope)


def _unboundary(result: tuple[int, list, bytes]) -> tuple[int, list, bytes]:
    status, headers, body = result
    boundary = re.search(rb"boundary=([0-9a-f]+)", dict(headers)[b"content-type"])
    assert boundary is not None
    token = boundary.group(1)
    headers = [(k, v.replace(token, b"B")) for k, v in headers]
    return status, headers, body.replace(token, b"B")


@pytest.mark.parametrize(
    "range_header", ["bytes=0-9,20-29", "bytes=50-60, 0-5, 55-70", "bytes=-5,0-1"]
)
def test_multiple_ranges_match_starlette(big_file: Path, range_header: str) -> None:
    scope = http_scope(headers=[(b"range", range_header.encode())])
    raw = wire(fr.FileResponse(big_file), scope)
    assert raw[0] == 206 and int(dict(raw[1])[b"content-length"]) == len(raw[2])
    assert _unboundary(raw) == _unboundary(wire(sr.FileResponse(big_file), scope))


def test_range_is_ignored_when_if_range_does_not_match(big_file: Path) -> None:
    response = fr.FileResponse(big_file, stat_result=os.stat(big_file))
    etag = response.headers["etag"].encode()
    for if_range, status in [(b'"other"', 200), (etag, 206), (b"W/" + etag, 200)]:
        scope = http_scope(headers=[(b"range", b"bytes=0-1"), (b"if-range", if_range)])
        assert wire(fr.FileResponse(big_file), scope)[0] == status
        assert wire(sr.FileResponse(big_file), scope)[0] == status
    post = http_scope("POST", headers=[(b"range", b"bytes=0-1")])
    assert wire(fr.FileResponse(big_file), post)[0] == 200


def test_head_with_range_sends_no_body(big_file: Path) -> None:
    scope = http_scope("HEAD", headers=[(b"range", b"bytes=0-9")])
    assert same(lambda m: m.FileResponse(big_file), scope)[2] == b""
    multi = http_scope("HEAD", headers=[(b"range", b"bytes=0-9,20-29")])
    assert wire(fr.FileResponse(big_file), multi)[2] == b""
