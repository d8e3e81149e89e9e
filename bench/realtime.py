"""WebSocket and SSE figures: fastcore's server beside uvicorn (websockets), in one run.

    .venv/bin/python bench/realtime.py [--seconds 3] [--connections 8] [--inflight 64]
        [--rounds 3] [--idle 1000]

Each server is a subprocess on 127.0.0.1 serving the same FastAPI-style app
(``bench/realtime_app.py``: written once, imported as fastcore or as FastAPI), pinned to the
first core (``taskset -c 0``):

- echo: ``bench/realtime_client.py`` in its own process on the second core, over raw sockets
  with pre-built masked frames, ``--connections`` connections each keeping ``--inflight``
  small text messages in flight, for ``--seconds``, ``--rounds`` times taking turns with the
  other servers (the best round is kept); messages echoed per second, with the
  client's and the server's CPU use (a figure measures the server when its CPU use is near 1
  and the client's well below);
- broadcast: ``--idle`` clients connected, one message fanned out to all of them by the
  app; seconds until every client has it (client-bound: the clients are one asyncio loop);
- idle memory: the server's RSS with ``--idle`` open, idle WebSocket connections, minus its
  RSS before, per connection;
- SSE: ``--idle`` concurrent event streams (one event a second each); RSS per stream.

Servers: fastcore's server with the fastcore app; uvicorn (``--ws websockets``, uvloop,
httptools) with the same app on FastAPI; and uvicorn with the fastcore app. The broadcast,
idle and SSE clients are the ``websockets`` asyncio client and httpx in this process. On a
shared machine quote the ratios of one run, not the absolute figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
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


#: The server on the first core, the echo client on the second (Linux, 2 cores or more).
_PIN = shutil.which("taskset") is not None and (os.cpu_count() or 1) >= 2
SERVER_CPU = ["taskset", "-c", "0"] if _PIN else []
CLIENT_CPU = ["taskset", "-c", "1"] if _PIN else []


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
        self.name = name
        self.port = _free_port()
        cmd = [*SERVER_CPU, *(a.format(py=sys.executable, port=self.port) for a in SERVERS[name])]
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

    def cpu(self) -> float:
        """User + system CPU seconds the server has used."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def echo(server: Server, connections: int, inflight: int, seconds: float) -> dict[str, Any]:
    """Pipelined echo from ``bench/realtime_client.py``, its own process on the other core.

    Returns its messages per second and CPU use beside the server's CPU use (seconds of CPU
    per second) over the same time: a figure counts when the server's is near 1 and the
    client's well below.
    """
    client = [
        *CLIENT_CPU, sys.executable, os.path.join(ROOT, "bench", "realtime_client.py"),
        "--port", str(server.port), "--connections", str(connections),
        "--inflight", str(inflight), "--seconds", str(seconds), "--warmup", "1",
    ]  # fmt: skip
    proc = subprocess.Popen(client, stdout=subprocess.PIPE, text=True)
    time.sleep(1.0)  # NOTE: the client's warm-up
    cpu_before, wall_before = server.cpu(), time.monotonic()
    out, _ = proc.communicate(timeout=seconds + 60)
    server_cpu = (server.cpu() - cpu_before) / (time.monotonic() - wall_before)
    if proc.returncode:
        raise RuntimeError(f"the echo client failed against {server.name}")
    result: dict[str, Any] = json.loads(out)
    result["server_cpu"] = round(server_cpu, 2)
    # NOTE: on a shared machine the server's core is not always its own: per CPU second too
    result["messages_per_server_cpu_s"] = round(result["messages_per_s"] / max(server_cpu, 0.01))
    return result


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
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--inflight", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--idle", type=int, default=1000)
    args = parser.parse_args()
    servers = {name: Server(name) for name in SERVERS}
    results: dict[str, Any] = {name: {} for name in SERVERS}
    try:
        # NOTE: echo rounds interleaved across the servers, so that a burst of load from
        # other jobs on the machine falls on all of them; each keeps its best round
        for _ in range(args.rounds):
            for name, server in servers.items():
                got = echo(server, args.connections, args.inflight, args.seconds)
                print(name, got, flush=True)
                best = results[name].get("echo")
                if best is None or got["messages_per_s"] > best["messages_per_s"]:
                    results[name]["echo"] = got
        for name, server in servers.items():
            row = results[name]
            per_conn, fanout = asyncio.run(idle_and_broadcast(server, args.idle))
            row["idle_kib_per_ws"] = round(per_conn, 1)
            row["broadcast_ms"] = round(fanout * 1000, 1)
            row["sse_kib_per_stream"] = round(asyncio.run(sse_streams(server, args.idle)), 1)
            print(name, row, flush=True)
    finally:
        for server in servers.values():
            server.stop()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
