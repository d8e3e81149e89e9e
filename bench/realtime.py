"""WebSocket and SSE figures: fastcore's server beside uvicorn (websockets), in one run.

    .venv/bin/python bench/realtime.py [--seconds 3] [--clients 10] [--idle 1000]

Each server is a subprocess on 127.0.0.1 serving the same FastAPI-style app
(``bench/realtime_app.py``: written once, imported as fastcore or as FastAPI):

- echo: ``--clients`` connections each sending a small text message and awaiting the echo,
  for ``--seconds``; messages per second (round trips);
- broadcast: ``--idle`` clients connected, one message fanned out to all of them by the
  app; seconds until every client has it;
- idle memory: the server's RSS with ``--idle`` open, idle WebSocket connections, minus its
  RSS before, per connection;
- SSE: ``--idle`` concurrent event streams (one event a second each); RSS per stream.

Servers: fastcore's server with the fastcore app; uvicorn (``--ws websockets``, uvloop,
httptools) with the same app on FastAPI; and uvicorn with the fastcore app. The client is
the ``websockets`` asyncio client and httpx in this process, so on a 2-core machine the
figures are ratios from one run, not capacities.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any

import httpx
import websockets.asyncio.client

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SERVERS = {
    "fastcore": ["{py}", "-m", "fastcore", "run", "bench.realtime_app:app", "--port", "{port}"],
    "uvicorn+FastAPI": [
        "{py}", "-m", "uvicorn", "bench.realtime_app:fastapi_app", "--port", "{port}",
        "--ws", "websockets", "--loop", "uvloop", "--http", "httptools", "--log-level", "warning",
    ],
    "uvicorn+fastcore": [
        "{py}", "-m", "uvicorn", "bench.realtime_app:app", "--port", "{port}",
        "--ws", "websockets", "--loop", "uvloop", "--http", "httptools", "--log-level", "warning",
    ],
}  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class Server:
    def __init__(self, name: str) -> None:
        self.port = _free_port()
        cmd = [a.format(py=sys.executable, port=self.port) for a in SERVERS[name]]
        env = {**os.environ, "PYTHONPATH": ROOT}
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"{name} did not start")

    def rss(self) -> int:
        return _rss_kib(self.proc.pid)

    def stop(self) -> None:
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


async def echo(port: int, clients: int, seconds: float) -> float:
    url = f"ws://127.0.0.1:{port}/echo"
    async with websockets.asyncio.client.connect(url, compression=None) as ws:
        await ws.send("warm-up")  # NOTE: first-use imports on the server are not measured
        await ws.recv()
    stop = time.monotonic() + seconds
    counts = [0] * clients

    async def one(i: int) -> None:
        async with websockets.asyncio.client.connect(url, compression=None) as ws:
            while time.monotonic() < stop:
                await ws.send("hello")
                await ws.recv()
                counts[i] += 1

    start = time.monotonic()
    await asyncio.gather(*(one(i) for i in range(clients)))
    return sum(counts) / (time.monotonic() - start)


async def idle_and_broadcast(server: Server, n: int) -> tuple[float, float]:
    url = f"ws://127.0.0.1:{server.port}/room"
    before = server.rss()
    conns = []
    for _ in range(n):
        conns.append(
            await websockets.asyncio.client.connect(url, compression=None, ping_interval=None)
        )
    await asyncio.sleep(1.0)
    per_conn = (server.rss() - before) / n
    start = time.monotonic()
    await conns[0].send("news")
    await asyncio.gather(*(c.recv() for c in conns))
    fanout = time.monotonic() - start
    await asyncio.gather(*(c.close() for c in conns))
    return per_conn, fanout


async def sse_streams(server: Server, n: int) -> float:
    before = server.rss()
    limits = httpx.Limits(max_connections=n + 10)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        ready = asyncio.Event()
        opened = 0

        async def one() -> None:
            nonlocal opened
            url = f"http://127.0.0.1:{server.port}/ticks"
            async with client.stream("GET", url) as response:
                async for line in response.aiter_lines():
                    if line.startswith("data:"):
                        opened += 1
                        if opened == n:
                            ready.set()
                        await ready.wait()
                        return

        tasks = [asyncio.create_task(one()) for _ in range(n)]
        await asyncio.wait_for(ready.wait(), 60)
        per_stream = (server.rss() - before) / n
        await asyncio.gather(*tasks)
    return per_stream


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--idle", type=int, default=1000)
    args = parser.parse_args()
    results: dict[str, Any] = {}
    for name in SERVERS:
        server = Server(name)
        try:
            row: dict[str, Any] = {}
            rate = asyncio.run(echo(server.port, args.clients, args.seconds))
            row["echo_msgs_per_s"] = round(rate)
            per_conn, fanout = asyncio.run(idle_and_broadcast(server, args.idle))
            row["idle_kib_per_ws"] = round(per_conn, 1)
            row["broadcast_ms"] = round(fanout * 1000, 1)
            row["sse_kib_per_stream"] = round(asyncio.run(sse_streams(server, args.idle)), 1)
            results[name] = row
        finally:
            server.stop()
        print(name, results[name], flush=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
