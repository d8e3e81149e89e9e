"""A WebSocket echo client cheap enough that the server, not the client, is measured.

    python bench/realtime_client.py --port P [--connections 8] [--inflight 64] [--seconds 3]

bench/realtime.py runs it as its own process pinned to the other core (``taskset``). A
client written on a WebSocket library (framing, masking and a coroutine per message in
Python) costs as much per message as the server does, so on 2 cores it, not the server, set
the figure. This one works on raw sockets with ``selectors``:

- the handshake is one pre-built request; no extension is offered (no compression);
- every message is the same pre-built masked text frame (``hello``), so sending N of them is
  one ``send`` of a slice of a pre-built buffer;
- each connection keeps ``--inflight`` messages in flight (pipelined echo): as echoes come
  back, as many new frames go out;
- echoes are counted from the bytes read (each is a 7-byte unmasked frame), not parsed.

It prints one JSON line: messages echoed per second over ``--seconds`` (after a warm-up),
and the client's own CPU use over that time (user + system seconds per second), which says
whether it could have gone faster.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import selectors
import socket
import time

PAYLOAD = b"hello"
MASK = b"\x37\xfa\x21\x3d"
#: The client's frame: FIN + text, masked, 5 bytes of payload.
FRAME = (
    bytes([0x81, 0x80 | len(PAYLOAD)])
    + MASK
    + bytes(b ^ MASK[i % 4] for i, b in enumerate(PAYLOAD))
)
#: The server's echo: FIN + text, unmasked.
ECHO = len(PAYLOAD) + 2


def connect(port: int, path: str) -> socket.socket:
    """A WebSocket connection after a 101, with nothing of the server's left unread."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed during the handshake")
        head += chunk
    if not head.startswith(b"HTTP/1.1 101"):
        raise ConnectionError(f"handshake refused: {head[:40]!r}")
    if head.index(b"\r\n\r\n") + 4 != len(head):
        raise ConnectionError("bytes after the 101 before anything was sent")
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(port: int, connections: int, inflight: int, warmup: float, seconds: float) -> dict:
    socks = [connect(port, "/echo") for _ in range(connections)]
    batch = FRAME * inflight
    selector = selectors.DefaultSelector()
    carry = {}
    for sock in socks:
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
        carry[sock] = 0
        sock.sendall(batch)  # NOTE: small enough for the socket buffer: never partial
    echoed = 0
    start_at = time.monotonic() + warmup
    stop_at = start_at + seconds
    counted = 0
    cpu_start = 0.0
    started = False
    while True:
        now = time.monotonic()
        if not started and now >= start_at:
            started, counted, cpu_start = True, echoed, cpu_seconds()
        if now >= stop_at:
            break
        for key, _ in selector.select(1.0):
            sock = key.fileobj
            data = sock.recv(1 << 18)  # type: ignore[union-attr]
            if not data:
                raise ConnectionError("the server closed an echo connection")
            total = carry[sock] + len(data)
            n, carry[sock] = divmod(total, ECHO)
            echoed += n
            sock.send(batch[: n * len(FRAME)])  # type: ignore[union-attr]
    elapsed = time.monotonic() - start_at
    cpu = cpu_seconds() - cpu_start
    for sock in socks:
        sock.close()
    return {
        "messages_per_s": round((echoed - counted) / elapsed),
        "client_cpu": round(cpu / elapsed, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--inflight", type=int, default=64)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    result = run(args.port, args.connections, args.inflight, args.warmup, args.seconds)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
