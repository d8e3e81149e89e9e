"""Path operations that yield, on FastAPI and on fastcore: the same bytes on the wire.

JSON Lines (the default for a generator), Server-Sent Events (``EventSourceResponse``) and
raw chunks (``StreamingResponse``), async and sync generators, annotated and not: every
case compares status, the headers a client reads, the whole body and the OpenAPI document.
"""

from collections.abc import AsyncIterable, Iterable
from typing import Annotated, Any

import fastapi
import fastapi.exceptions
import fastapi.responses
import fastapi.sse
import fastapi.testclient
import pydantic
import pytest

import fastcore
import fastcore.responses
import fastcore.sse
import fastcore.testclient


class Item(pydantic.BaseModel):
    name: str
    price: float = 1.5
    tags: list[str] = []


ITEMS = [Item(name="a"), Item(name="b", price=float("nan"), tags=["x"])]


def stream_app(fw: Any) -> Any:
    app = fw.FastAPI()
    sse = fw.sse

    @app.get("/jsonl")
    async def jsonl() -> AsyncIterable[Item]:
        for item in ITEMS:
            yield item

    @app.get("/jsonl-dicts")
    def jsonl_dicts() -> Iterable[Item]:
        yield {"name": "c", "price": 2, "extra": "dropped"}

    @app.get("/jsonl-plain")
    async def jsonl_plain(n: int = 2):  # type: ignore[no-untyped-def]
        for i in range(n):
            yield {"i": i, "f": float("inf"), "s": "é"}

    @app.get("/jsonl-bad")
    async def jsonl_bad() -> AsyncIterable[Item]:
        yield {"price": "x"}  # type: ignore[misc]

    @app.get("/sse", response_class=sse.EventSourceResponse)
    async def events(last_event_id: Annotated[int | None, fw.Header()] = None):  # type: ignore[no-untyped-def]
        yield sse.ServerSentEvent(comment="hello\nthere")
        yield sse.ServerSentEvent(data={"a": [1, 2]}, event="e", id="1", retry=10)
        yield sse.ServerSentEvent(data=ITEMS[0])
        yield sse.ServerSentEvent(raw_data="line1\nline2", id=str(last_event_id))
        yield "plain"
        yield ITEMS[1]

    @app.post("/sse-items", response_class=sse.EventSourceResponse)
    def sse_items(n: int = 2) -> Iterable[Item]:
        for i in range(n):
            yield Item(name=str(i))

    @app.get("/raw", response_class=fw.responses.StreamingResponse)
    async def raw() -> AsyncIterable[bytes]:
        yield b"ab"
        yield b"cd"

    @app.get("/raw-sync", response_class=fw.responses.StreamingResponse)
    def raw_sync():  # type: ignore[no-untyped-def]
        yield "x"
        yield b"y"

    @app.get("/with-response", response_class=sse.EventSourceResponse)
    async def with_response(response: fw.Response):  # type: ignore[no-untyped-def]
        response.headers["x-extra"] = "1"
        response.status_code = 201
        yield sse.ServerSentEvent(data=1)

    return app


READ_HEADERS = ("content-type", "cache-control", "x-accel-buffering", "x-extra")
CASES = [
    ("GET", "/jsonl"),
    ("GET", "/jsonl-dicts"),
    ("GET", "/jsonl-plain?n=3"),
    ("GET", "/jsonl-plain?n=x"),
    ("GET", "/sse"),
    ("POST", "/sse-items?n=3"),
    ("GET", "/raw"),
    ("GET", "/raw-sync"),
    ("GET", "/with-response"),
]


def _answer(client: Any, method: str, path: str, **kw: Any) -> tuple[int, dict[str, str], str]:
    response = client.request(method, path, **kw)
    headers = {k: response.headers[k] for k in READ_HEADERS if k in response.headers}
    return response.status_code, headers, response.text


@pytest.mark.parametrize(("method", "path"), CASES, ids=[p for _, p in CASES])
def test_same_stream(method: str, path: str) -> None:
    theirs = _answer(fastapi.testclient.TestClient(stream_app(fastapi)), method, path)
    ours = _answer(fastcore.testclient.TestClient(stream_app(fastcore)), method, path)
    assert ours == theirs


def test_last_event_id_header() -> None:
    client = fastcore.testclient.TestClient(stream_app(fastcore))
    text = client.get("/sse", headers={"last-event-id": "7"}).text
    assert "data: line1\ndata: line2\nid: 7\n\n" in text


def test_item_that_does_not_fit_is_a_server_error() -> None:
    """Found mid-stream, after the 200 went out: the stream breaks off and the error is raised."""
    with pytest.raises(fastapi.exceptions.ResponseValidationError):
        fastapi.testclient.TestClient(stream_app(fastapi)).get("/jsonl-bad")
    with pytest.raises(fastcore.ResponseValidationError):
        fastcore.testclient.TestClient(stream_app(fastcore)).get("/jsonl-bad")


def test_same_openapi() -> None:
    theirs = fastapi.testclient.TestClient(stream_app(fastapi)).get("/openapi.json").json()
    ours = fastcore.testclient.TestClient(stream_app(fastcore)).get("/openapi.json").json()
    assert ours == theirs


def test_event_fields_are_checked() -> None:
    """As FastAPI's pydantic model: single-line event/id, no NUL in id, retry >= 0."""
    bad = [{"event": "a\nb"}, {"id": "a\rb"}, {"id": "a\0"}, {"retry": -1}]
    bad.append({"data": 1, "raw_data": "x"})
    for fields in bad:
        with pytest.raises(ValueError):
            fastapi.sse.ServerSentEvent(**fields)
        with pytest.raises(ValueError):
            fastcore.sse.ServerSentEvent(**fields)
    assert fastcore.responses.EventSourceResponse is fastcore.sse.EventSourceResponse


def test_format_sse_event_matches() -> None:
    kw: dict[str, Any] = {"data_str": "a\r\nb\rc\n", "event": "e", "id": "i", "retry": 3}
    kw["comment"] = "c1\nc2"
    assert fastcore.sse.format_sse_event(**kw) == fastapi.sse.format_sse_event(**kw)
    assert fastcore.sse.format_sse_event() == fastapi.sse.format_sse_event()


def test_keepalive_comment_when_the_generator_is_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    """A quiet generator gets ``: ping`` comments between its events; its events still arrive."""
    import asyncio

    monkeypatch.setattr(fastcore.sse, "_PING_INTERVAL", 0.05)
    app = fastcore.FastAPI()

    @app.get("/slow", response_class=fastcore.sse.EventSourceResponse)
    async def slow() -> AsyncIterable[int]:
        yield 1
        await asyncio.sleep(0.3)
        yield 2

    text = fastcore.testclient.TestClient(app).get("/slow").text
    assert text.startswith("data: 1\n\n: ping\n\n")
    assert text.endswith("data: 2\n\n")
