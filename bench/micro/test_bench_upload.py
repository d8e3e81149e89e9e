"""A 50 MB multipart upload streamed to disk: peak memory above idle, and throughput.

The body is generated chunk by chunk (64 KiB, as an ASGI server delivers it), so the
figure is what fastcore itself holds. tracemalloc counts every Python allocation,
including python-multipart's buffers and the spooled file while it is still in memory.
Target (issue 5): under 20 MB above idle.
"""

import asyncio
import time
import tracemalloc

import fastcore
from fastcore import UploadFile

SIZE = 50 * 1024 * 1024
CHUNK = 64 * 1024
BOUNDARY = b"bench-boundary"


def _app(sizes):
    app = fastcore.FastAPI()

    @app.post("/upload")
    async def upload(file: UploadFile) -> dict:
        sizes.append((file.size, file.file._rolled))
        return {"size": file.size}

    return app


def _receive():
    head = (
        b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="file"; filename="big.bin"'
        b"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    tail = b"\r\n--" + BOUNDARY + b"--\r\n"
    block = b"\xab" * CHUNK
    state = {"sent": -1}

    async def receive():
        sent = state["sent"]
        if sent < 0:
            state["sent"] = 0
            return {"type": "http.request", "body": head, "more_body": True}
        if sent >= SIZE:
            return {"type": "http.request", "body": tail, "more_body": False}
        state["sent"] = sent + CHUNK
        return {"type": "http.request", "body": block, "more_body": True}

    return receive


def _scope():
    ctype = b"multipart/form-data; boundary=" + BOUNDARY
    return {
        "type": "http",
        "method": "POST",
        "path": "/upload",
        "raw_path": b"/upload",
        "query_string": b"",
        "headers": [(b"content-type", ctype), (b"content-length", b"%d" % (SIZE + 200))],
        "http_version": "1.1",
        "scheme": "http",
        "server": ("testserver", 80),
        "client": ("c", 1),
        "root_path": "",
    }


async def _upload(app) -> list:
    sent = []

    async def send(message):
        sent.append(message)

    await app(_scope(), _receive(), send)
    return sent


def test_upload_50mb_peak_memory() -> None:
    sizes: list = []
    app = _app(sizes)
    asyncio.run(_upload(app))  # warm: plans built, modules imported, thread pool started
    tracemalloc.start()
    idle, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    start = time.perf_counter()
    sent = asyncio.run(_upload(app))
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    above = (peak - idle) / 1024 / 1024
    print(f"\n50 MB upload: peak {above:.1f} MiB above idle, {SIZE / elapsed / 1e6:.0f} MB/s")
    assert sent[0]["status"] == 200
    assert sizes[-1] == (SIZE, True)
    assert above < 20
