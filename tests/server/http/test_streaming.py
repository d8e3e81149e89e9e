"""Streams from ``yield`` over real sockets, on fastcore's own server, both builds.

A client that goes away stops the generator (its ``finally`` runs); a client that stops
reading pauses it (the server does not buffer what the socket will not take); SSE and JSON
Lines are read by a real HTTP client (httpx) as they are produced.
"""

import asyncio
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from types import ModuleType

import httpx

from fastcore import FastAPI
from fastcore.responses import StreamingResponse
from fastcore.sse import EventSourceResponse, ServerSentEvent
from tests.support.server_thread import run_server


class Probe:
    """What the generators did, read by the test thread."""

    def __init__(self) -> None:
        self.produced = 0
        self.closed = threading.Event()
        self.lock = threading.Lock()

    def step(self) -> None:
        with self.lock:
            self.produced += 1


def stream_app(probe: Probe) -> FastAPI:
    app = FastAPI()

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    @app.get("/forever", response_class=EventSourceResponse)
    async def forever() -> AsyncIterator[ServerSentEvent]:
        try:
            while True:
                probe.step()
                yield ServerSentEvent(data={"n": probe.produced}, id=str(probe.produced))
                await asyncio.sleep(0.001)
        finally:
            probe.closed.set()

    @app.get("/big", response_class=StreamingResponse)
    async def big() -> AsyncIterator[bytes]:
        chunk = b"x" * 65536
        try:
            while True:
                probe.step()
                yield chunk
        finally:
            probe.closed.set()

    @app.get("/lines")
    def lines(n: int) -> Iterator[dict[str, int]]:
        for i in range(n):
            yield {"i": i}

    return app


def test_sse_and_jsonl_read_by_httpx(protocol_impl: ModuleType) -> None:
    probe = Probe()
    with run_server(protocol_impl, stream_app(probe)) as port:
        url = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=url, timeout=5) as client:
            with client.stream("GET", "/forever") as response:
                assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
                events = []
                for line in response.iter_lines():
                    if line.startswith("data: "):
                        events.append(json.loads(line[6:]))
                    if len(events) == 3:
                        break
            assert [e["n"] for e in events] == [1, 2, 3]
            assert probe.closed.wait(5), "the generator was not closed after the client left"
            response = client.get("/lines", params={"n": 4})
            assert response.headers["content-type"] == "application/jsonl"
            assert [json.loads(x) for x in response.text.splitlines()] == [
                {"i": i} for i in range(4)
            ]


def test_client_vanishing_closes_the_generator(protocol_impl: ModuleType) -> None:
    probe = Probe()
    with run_server(protocol_impl, stream_app(probe)) as port:
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(b"GET /forever HTTP/1.1\r\nHost: t\r\n\r\n")
        assert b"200 OK" in sock.recv(4096)
        sock.close()
        assert probe.closed.wait(5), "the generator kept running after the client vanished"
        stopped_at = probe.produced
        time.sleep(0.2)
        assert probe.produced == stopped_at


def test_a_client_that_stops_reading_pauses_the_generator(protocol_impl: ModuleType) -> None:
    """64 KiB chunks to a reader that reads nothing: the generator waits for the socket."""
    probe = Probe()
    with run_server(protocol_impl, stream_app(probe)) as port:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        sock.settimeout(5)
        sock.connect(("127.0.0.1", port))
        sock.sendall(b"GET /big HTTP/1.1\r\nHost: t\r\n\r\n")
        time.sleep(0.5)
        first = probe.produced
        time.sleep(0.5)
        paused = probe.produced
        # NOTE: kernel buffers on both sides hold a few MiB at most; 64 KiB chunks.
        assert paused == first, "the generator kept producing for a reader that reads nothing"
        assert paused < 200
        received = 0
        while received < 4 * 1024 * 1024:
            data = sock.recv(1 << 20)
            assert data
            received += len(data)
        # NOTE: the server resumes the generator once its write buffer drains, asynchronously:
        # give it a moment instead of asking at the very instant the last recv returned.
        deadline = time.monotonic() + 5
        while probe.produced <= paused and time.monotonic() < deadline:
            time.sleep(0.01)
        assert probe.produced > paused, "the generator did not resume once the client read"
        sock.close()
        assert probe.closed.wait(5)
