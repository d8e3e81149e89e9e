"""docs/streaming.md: the JSON Lines, Server-Sent Events and raw-chunk examples, as the page
shows their output, through the test client and on fastcore's server (chunked)."""

from __future__ import annotations

from pathlib import Path

import pytest

from docs_src.streaming import jsonl, raw_chunks, sse
from fastcore.testclient import TestClient
from tests.support.browser import fastcore_run, serve
from tests.support.shop_server import request

ROOT = Path(__file__).resolve().parents[2]

JSONL = b'{"name":"Plumbus","price":9.99}\n{"name":"Portal Gun","price":9.99}\n'
EVENTS = (
    b": stream of item updates\n\n"
    b'event: item_update\ndata: {"name": "Plumbus"}\nid: 0\nretry: 5000\n\n'
    b'event: item_update\ndata: {"name": "Portal Gun"}\nid: 1\nretry: 5000\n\n'
    b"event: done\ndata: [DONE]\n\n"
)
#: Bytes with line breaks, so ``yield from f`` sends the file as several chunks.
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def test_json_lines() -> None:
    with TestClient(jsonl.app).stream("GET", "/items/stream") as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/jsonl"
        assert list(response.iter_lines()) == JSONL.decode().splitlines()
    schema = TestClient(jsonl.app).get("/openapi.json").json()
    content = schema["paths"]["/items/stream"]["get"]["responses"]["200"]["content"]
    assert content["application/jsonl"]["itemSchema"] == {"$ref": "#/components/schemas/Item"}


def test_server_sent_events() -> None:
    response = TestClient(sse.app).get("/items/stream")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-accel-buffering"] == "no"
    assert response.content == EVENTS


def test_raw_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "image.png").write_bytes(PNG)
    monkeypatch.chdir(tmp_path)  # open("image.png") is relative
    response = TestClient(raw_chunks.app).get("/image")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content == PNG


@pytest.mark.parametrize(
    ("module", "path", "media_type", "body"),
    [
        ("jsonl", "/items/stream", "application/jsonl", JSONL),
        ("sse", "/items/stream", "text/event-stream", EVENTS),
        ("raw_chunks", "/image", "image/png", PNG),
    ],
)
def test_streamed_in_chunks_by_fastcore_s_server(
    tmp_path: Path, module: str, path: str, media_type: str, body: bytes
) -> None:
    (tmp_path / "image.png").write_bytes(PNG)
    command = fastcore_run(f"docs_src.streaming.{module}:app", "--app-dir", str(ROOT))
    with serve(*command, cwd=tmp_path, ready="/openapi.json") as port:
        status, headers, received = request(port, "GET", path)
    headers = {k.lower(): v for k, v in headers.items()}
    assert (status, received) == (200, body)
    assert headers["content-type"].startswith(media_type)
    assert headers.get("transfer-encoding") == "chunked"
