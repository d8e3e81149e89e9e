"""The app the server tests run: FastAPI-style handlers covering what the protocol must carry.

Bodies read whole and streamed, a validated msgspec body, plain, chunked and file responses,
a handler that raises, one that puts CR/LF into a response header, and slow ones.
"""

import asyncio
import hashlib
import time

import msgspec

from fastcore import FastAPI, HTTPException, Request
from fastcore.responses import FileResponse, PlainTextResponse, Response, StreamingResponse

#: Size of each block of the large streamed response; the pattern makes every byte checkable.
BLOCK = 64 * 1024


def pattern(size: int) -> bytes:
    """``size`` bytes of a repeating, position-dependent pattern (a lost or moved byte shows)."""
    unit = bytes(range(251))  # NOTE: a prime length, so blocks do not line up with the pattern
    reps = size // len(unit) + 1
    return (unit * reps)[:size]


class Item(msgspec.Struct):
    name: str
    price: float
    tags: list[str] = []


def build_app(file_path: str) -> FastAPI:
    """The app under test; ``file_path`` is what ``/file`` serves."""
    app = FastAPI()

    @app.get("/hello")
    async def hello() -> dict:
        return {"hello": "world"}

    @app.get("/items/{item_id}")
    async def read_item(item_id: int, q: str = "") -> dict:
        return {"id": item_id, "q": q}

    @app.post("/items")
    async def create_item(item: Item) -> Item:
        return item

    @app.get("/sync")
    def sync_handler() -> dict:
        return {"thread": True}

    @app.post("/echo")
    async def echo(request: Request) -> Response:
        body = await request.body()
        return Response(body, media_type="application/octet-stream")

    @app.post("/count")
    async def count(request: Request) -> dict:
        size = chunks = 0
        digest = hashlib.sha256()
        async for chunk in request.stream():
            if chunk:
                chunks += 1
                size += len(chunk)
                digest.update(chunk)
        return {"bytes": size, "chunks": chunks, "sha256": digest.hexdigest()}

    @app.post("/slow-count")
    async def slow_count(request: Request, delay: float = 1.0) -> dict:
        await asyncio.sleep(delay)
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
        return {"bytes": size}

    @app.post("/ignore")
    async def ignore_body() -> dict:
        return {"ignored": True}

    @app.get("/boom")
    async def boom() -> dict:
        raise RuntimeError("handler failure")

    @app.get("/boom-sync")
    def boom_sync() -> dict:
        raise ValueError("sync handler failure")

    @app.get("/teapot")
    async def teapot() -> dict:
        raise HTTPException(418, "short and stout", headers={"x-tea": "earl grey"})

    @app.get("/crlf-value")
    async def crlf_value() -> Response:
        return PlainTextResponse("split?", headers={"x-evil": "a\r\nx-injected: yes"})

    @app.get("/lf-value")
    async def lf_value() -> Response:
        return PlainTextResponse("split?", headers={"x-evil": "a\nx-injected: yes"})

    @app.get("/crlf-name")
    async def crlf_name() -> Response:
        resp = PlainTextResponse("split?")
        resp.raw_headers.append((b"x-evil\r\nx-injected", b"yes"))
        return resp

    @app.get("/crlf-stream")
    async def crlf_stream() -> Response:
        async def gen():
            yield b"never"

        return StreamingResponse(gen(), headers={"x-evil": "a\r\n\r\nHTTP/1.1 200 OK"})

    @app.get("/stream")
    async def stream(n: int = 10) -> Response:
        async def gen():
            for i in range(n):
                yield f"chunk-{i}\n".encode()
                await asyncio.sleep(0)

        return StreamingResponse(gen(), media_type="text/plain")

    @app.get("/stream-fail")
    async def stream_fail() -> Response:
        async def gen():
            yield b"first\n"
            await asyncio.sleep(0.05)
            yield b"second\n"
            raise RuntimeError("stream failure")

        return StreamingResponse(gen(), media_type="text/plain")

    @app.get("/stream-fail-first")
    async def stream_fail_first() -> Response:
        async def gen():
            raise RuntimeError("stream failure before any chunk")
            yield b""

        return StreamingResponse(gen(), media_type="text/plain")

    @app.get("/stream-empty")
    async def stream_empty() -> Response:
        async def gen():
            return
            yield b""

        return StreamingResponse(gen(), media_type="text/plain")

    @app.get("/big")
    async def big(size: int = 8 * 1024 * 1024) -> Response:
        return Response(pattern(size), media_type="application/octet-stream")

    @app.get("/big-stream")
    async def big_stream(size: int = 8 * 1024 * 1024) -> Response:
        data = pattern(size)

        async def gen():
            for start in range(0, size, BLOCK):
                yield data[start : start + BLOCK]

        return StreamingResponse(gen(), media_type="application/octet-stream")

    @app.get("/file")
    async def file() -> Response:
        return FileResponse(file_path)

    @app.get("/slow")
    async def slow(delay: float = 0.3) -> dict:
        await asyncio.sleep(delay)
        return {"slept": delay}

    @app.get("/blob")
    async def blob(kb: int = 64) -> Response:
        return Response(b"b" * (kb * 1024), media_type="application/octet-stream")

    @app.get("/blob-json")
    async def blob_json(kb: int = 64) -> dict:
        return {"blob": "j" * (kb * 1024)}

    @app.get("/block")
    async def block(seconds: float = 2.0) -> dict:
        time.sleep(seconds)  # NOTE: blocks the event loop on purpose (a stall)
        return {"blocked": seconds}

    @app.post("/form")
    async def form(request: Request) -> dict:
        data = await request.form(max_part_size=1000)
        return {"fields": sorted(data.keys())}

    @app.get("/headers")
    async def headers(request: Request) -> dict:
        return {"headers": [[k, v] for k, v in request.headers.items()]}

    return app
