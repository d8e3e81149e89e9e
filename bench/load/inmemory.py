"""fastcore's server fed raw requests in memory: the protocol and its dispatch, no sockets.

Used by the smoke test of the benchmark apps (tests/test_bench_apps.py), the micro benchmarks
(bench/micro/test_bench_apps.py) and every test that feeds the server raw requests in memory
(tests/server/http/, tests/planning/test_msgpack.py, ...): the same HttpProtocol and Dispatch
a worker runs, on a private event loop, one keep-alive connection whose transport collects the bytes
written. A request whose handler finishes without suspending is answered inside
``data_received``; one that suspends (a Task, the thread pool for ``def`` handlers) is waited
for on the loop. Requests are fed from a callback of the running loop, outside any Task, as a
worker's transport feeds them.
"""

from __future__ import annotations

import asyncio
from types import ModuleType
from typing import Any

from fastcore.server.config import ServerConfig
from fastcore.server.dispatch import Dispatch
from fastcore.server.server import ServerState

__all__ = ["InMemoryServer", "MemoryTransport", "parse_head", "parse_response", "raw_request"]


def raw_request(method: str, path: str, body: bytes = b"") -> bytes:
    """The bytes of one HTTP/1.1 request as wrk sends it (a JSON body when there is one)."""
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


def parse_head(data: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, [(lower-case header, value), ...] in order, repeats kept, body) of a response."""
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = []
    for line in lines:
        name, _, value = line.partition(":")
        headers.append((name.strip().lower(), value.strip()))
    return int(status_line.split(" ", 2)[1]), headers, body


def parse_response(data: bytes) -> tuple[int, dict[str, str], bytes]:
    """(status, {lower-case header: value}, body) of one response with Content-Length."""
    status, headers, body = parse_head(data)
    return status, dict(headers), body


def _complete(data: bytearray, head_only: bool = False) -> bool:
    """Whether ``data`` holds a whole response (head and Content-Length bytes of body).

    ``head_only``: the answer to a HEAD request, whole with its head. PERF: byte searches
    only; it runs once per request of the micro benchmarks.
    """
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return False
    if head_only:
        return True
    start = data.find(b"content-length:", 0, end)  # NOTE: fastcore writes lower-case names
    if start < 0:
        start = data.lower().find(b"content-length:", 0, end)
        if start < 0:
            return True
    stop = data.find(b"\r\n", start, end + 2)
    return len(data) - end - 4 >= int(data[start + 15 : stop])


class MemoryTransport:
    """Collects what the protocol writes; wakes the waiting loop once a response is whole.

    ``writes`` counts the calls (``writelines`` is one), so a test can check that a response
    went out in one ``transport.write``.
    """

    def __init__(self) -> None:
        self.out = bytearray()
        self.writes = 0
        #: The response being waited for answers a HEAD request (no body follows its head).
        self.head_only = False
        self.done: asyncio.Future[None] | None = None

    def write(self, data: bytes) -> None:
        self.writes += 1
        self._add(data)

    def writelines(self, chunks: Any) -> None:
        self.writes += 1
        for chunk in chunks:
            self._add(chunk)

    def _add(self, data: bytes) -> None:
        self.out += data
        if self.done is not None and not self.done.done() and _complete(self.out, self.head_only):
            self.done.set_result(None)

    def get_extra_info(self, name: str) -> None:
        return None

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        pass

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def set_write_buffer_limits(self, high: int) -> None:
        pass

    def can_write_eof(self) -> bool:
        return False


class InMemoryServer:
    """One connection of ``protocol`` (the compiled or pure build) serving ``app``."""

    def __init__(self, app: Any, protocol: ModuleType) -> None:
        self.loop = asyncio.new_event_loop()
        app.freeze()
        self.state = ServerState(ServerConfig(), self.loop, app, protocol)
        self.dispatch = Dispatch(app, self.state, protocol)
        self.state.handler = self.dispatch.handler
        self.protocol = protocol
        self.transport = MemoryTransport()
        self.conn = protocol.HttpProtocol(self.state)
        self.conn.connection_made(self.transport)

    def connect(self) -> None:
        """A new connection and transport in place of the current ones (that one is lost)."""
        self.conn.connection_lost(None)
        self.transport = MemoryTransport()
        self.conn = self.protocol.HttpProtocol(self.state)
        self.conn.connection_made(self.transport)

    def request(self, raw: bytes) -> bytes:
        """The whole response to ``raw``, waiting on the loop if the handler suspended."""
        return self.loop.run_until_complete(self._serve(raw, 1))

    def repeat(self, raw: bytes, times: int) -> bytes:
        """Serve ``raw`` ``times`` times over (one after another); the last response."""
        return self.loop.run_until_complete(self._serve(raw, times))

    async def _serve(self, raw: bytes, times: int) -> bytes:
        # As a worker feeds it: data_received runs in a plain callback of the running loop,
        # never inside a Task (fed from a Task, the lane could not run a handler eagerly under
        # its host Task and every request would take the path of one that suspended). The
        # requests are fed one after another from one callback; only one that suspends (a
        # Task, the thread pool for ``def`` handlers) is waited for before the rest.
        transport, feed, out = self.transport, self.conn.data_received, self.transport.out
        transport.head_only = head_only = raw.startswith(b"HEAD ")
        remaining = times
        while remaining:
            waiter: asyncio.Future[None] = self.loop.create_future()

            def feed_some(waiter: asyncio.Future[None] = waiter) -> None:
                nonlocal remaining
                while remaining:
                    out.clear()
                    feed(raw)
                    remaining -= 1
                    if not _complete(out, head_only):
                        transport.done = waiter  # NOTE: the write that completes it wakes us
                        return
                waiter.set_result(None)

            self.loop.call_soon(feed_some)
            try:
                await asyncio.wait_for(waiter, 10)
            finally:
                transport.done = None
        return bytes(out)

    def settle(self) -> None:
        """Let what runs after the responses (dependency exits, background tasks) finish."""
        for _ in range(5):
            self.loop.run_until_complete(asyncio.sleep(0))

    def close(self) -> None:
        self.conn.connection_lost(None)
        self.settle()
        self.dispatch.close()  # NOTE: the idle host Task ends, as at a worker's shutdown
        self.settle()
        self.loop.close()
