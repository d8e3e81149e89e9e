"""The floor: the five endpoints on a bare uvloop + httptools protocol, no framework.

What a competent engineer writes by hand in an afternoon: httptools parses, a few ``if``s
dispatch, msgspec decodes, validates and encodes, one ``transport.write`` per response with
Content-Length, keep-alive as the client asks, a Date header rebuilt once per second. It is
the fastest honest Python server for these endpoints, the line fastcore is measured against.

    python -m bench.load.floor --host 127.0.0.1 --port 8000
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import time
from email.utils import formatdate

import httptools
import msgspec
import uvloop

from bench.load.endpoints import ROUTE_COUNT


class Item(msgspec.Struct):
    name: str
    price: float
    tags: list[str]


decode_item = msgspec.json.Decoder(Item).decode
encode = msgspec.json.Encoder().encode

TEXT = b"text/plain; charset=utf-8"
JSON = b"application/json"
REASONS = {200: b"OK", 400: b"Bad Request", 404: b"Not Found", 405: b"Method Not Allowed"}
REASONS[422] = b"Unprocessable Entity"
TRUE = {b"true", b"1", b"yes", b"on"}
NOT_FOUND = (404, JSON, b'{"detail":"Not Found"}')
NOT_ALLOWED = (405, JSON, b'{"detail":"Method Not Allowed"}')

_date = [0, b""]


def date_header() -> bytes:
    now = int(time.time())
    if now != _date[0]:
        _date[0] = now
        _date[1] = b"date: " + formatdate(now, usegmt=True).encode() + b"\r\n"
    return _date[1]


def query_flag(query: bytes, name: bytes) -> bool:
    for pair in query.split(b"&"):
        key, _, value = pair.partition(b"=")
        if key == name:
            return value.lower() in TRUE
    return False


def dispatch(method: bytes, url: bytes, body: bytes) -> tuple[int, bytes, bytes]:
    """(status, content type, payload) for one request."""
    path, _, query = url.partition(b"?")
    if path == b"/plaintext":
        return (200, TEXT, b"Hello, World!") if method == b"GET" else NOT_ALLOWED
    if path == b"/json":
        if method != b"GET":
            return NOT_ALLOWED
        return 200, JSON, encode({"message": "Hello, World!"})
    if path == b"/items":
        if method != b"POST":
            return NOT_ALLOWED
        try:
            item = decode_item(body)
        except msgspec.DecodeError as exc:  # ValidationError is a DecodeError
            return 422, JSON, encode({"detail": str(exc)})
        out = {"id": 1, "name": item.name, "price": item.price, "tags": item.tags}
        return 200, JSON, encode(out)
    parts = path.split(b"/")
    if len(parts) == 3 and parts[1] == b"users":
        if method != b"GET":
            return NOT_ALLOWED
        try:
            user_id = int(parts[2])
        except ValueError:
            return 422, JSON, b'{"detail":"user_id is not an integer"}'
        return 200, JSON, encode({"id": user_id, "verbose": query_flag(query, b"verbose")})
    if len(parts) == 4 and parts[2] == b"items" and parts[1][:1] == b"r" and parts[1][1:].isdigit():
        route = int(parts[1][1:])
        if route >= ROUTE_COUNT or parts[1][1:2] == b"0" and route:
            return NOT_FOUND
        if method != b"GET":
            return NOT_ALLOWED
        try:
            item_id = int(parts[3])
        except ValueError:
            return 422, JSON, b'{"detail":"item_id is not an integer"}'
        return 200, JSON, encode({"route": route, "item_id": item_id})
    return NOT_FOUND


class HttpProtocol(asyncio.Protocol):
    """One connection: httptools callbacks collect the URL and body, the last one answers."""

    def __init__(self) -> None:
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.url = b""
        self.body: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.respond((400, TEXT, b"Bad Request"), keep_alive=False)

    def on_message_begin(self) -> None:
        self.url = b""
        self.body = []

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        method = self.parser.get_method()
        answer = dispatch(method, self.url, b"".join(self.body))
        self.respond(answer, self.parser.should_keep_alive())

    def respond(self, answer: tuple[int, bytes, bytes], keep_alive: bool) -> None:
        status, content_type, payload = answer
        head = b"HTTP/1.1 %d %s\r\n%scontent-type: %s\r\ncontent-length: %d\r\n" % (
            status,
            REASONS[status],
            date_header(),
            content_type,
            len(payload),
        )
        transport = self.transport
        if keep_alive:
            transport.write(head + b"\r\n" + payload)
        else:
            transport.write(head + b"connection: close\r\n\r\n" + payload)
            transport.close()


async def serve(host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(HttpProtocol, host, port, backlog=2048)
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set_result, None)
    async with server:
        await stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    uvloop.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
