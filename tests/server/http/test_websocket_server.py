"""WebSockets on fastcore's own server, over real sockets, with the ``websockets`` client.

The app is FastAPI-style (``@app.websocket``); the server runs in a thread on its own loop
(both builds). Echo, fragmentation, ping, close codes both ways, oversized messages,
invalid UTF-8, bad handshakes, a client vanishing mid-message, a server shutdown (1001)
and 1,000 connections at once.
"""

import asyncio
import socket
import threading
import time
from types import ModuleType
from typing import Any

import pytest
import websockets.asyncio.client
import websockets.sync.client
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.frames import Frame, Opcode
from websockets.uri import parse_uri

from fastcore import FastAPI, WebSocket, WebSocketDisconnect
from fastcore.server.http import websocket as ws_server
from tests.support.server_thread import ServerThread, run_server


def ws_app(seen: list[Any]) -> FastAPI:
    app = FastAPI()

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    @app.websocket("/echo/{name}")
    async def echo(websocket: WebSocket, name: str, times: int = 1) -> None:
        await websocket.accept(subprotocol="chat" if websocket.scope["subprotocols"] else None)
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    seen.append(("disconnect", message["code"]))
                    return
                if message.get("text") is not None:
                    for _ in range(times):
                        await websocket.send_text(f"{name}: {message['text']}")
                else:
                    await websocket.send_bytes(message["bytes"])
        except WebSocketDisconnect as exc:  # pragma: no cover - receive() does not raise
            seen.append(("disconnect", exc.code))

    @app.websocket("/bye")
    async def bye(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.close(code=4001, reason="bye")

    @app.websocket("/typed/{n}")
    async def typed(websocket: WebSocket, n: int) -> None:
        await websocket.accept()  # pragma: no cover - n is never an int in the test

    @app.websocket("/wait")
    async def wait(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            await websocket.receive_text()
        except WebSocketDisconnect as exc:
            seen.append(("wait-disconnect", exc.code))

    @app.websocket("/flood")
    async def flood(websocket: WebSocket) -> None:
        await websocket.accept()
        chunk = b"z" * 65536
        while True:
            await websocket.send_bytes(chunk)
            seen.append("sent")

    @app.websocket("/deaf")
    async def deaf(websocket: WebSocket) -> None:
        await websocket.accept()
        await asyncio.sleep(30)  # pragma: no cover - never reads; cancelled at shutdown

    return app


@pytest.fixture
def server(protocol_impl: ModuleType) -> Any:
    seen: list[Any] = []
    with run_server(protocol_impl, ws_app(seen)) as port:
        yield port, seen


def _url(port: int, path: str) -> str:
    return f"ws://127.0.0.1:{port}{path}"


def test_echo_text_bytes_and_subprotocol(server: Any) -> None:
    port, _ = server
    with websockets.sync.client.connect(
        _url(port, "/echo/ann?times=2"), subprotocols=["chat"]
    ) as c:
        assert c.subprotocol == "chat"
        c.send("hi")
        assert [c.recv(timeout=5), c.recv(timeout=5)] == ["ann: hi", "ann: hi"]
        c.send(b"\x00\x01")
        assert c.recv(timeout=5) == b"\x00\x01"


def test_fragmented_message_and_ping(server: Any) -> None:
    port, _ = server
    with websockets.sync.client.connect(_url(port, "/echo/f")) as c:
        c.send(["frag", "men", "ted ✓"])  # NOTE: an iterable is sent as fragments
        assert c.recv(timeout=5) == "f: fragmented ✓"
        assert c.ping(b"abc").wait(5)


def test_close_codes_both_ways(server: Any) -> None:
    port, seen = server
    with websockets.sync.client.connect(_url(port, "/bye")) as c:
        with pytest.raises(ConnectionClosed) as closed:
            c.recv(timeout=5)
        assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4001, "bye")
    with websockets.sync.client.connect(_url(port, "/echo/x")) as c:
        c.close(code=4002, reason="client leaves")
    _until(lambda: ("disconnect", 4002) in seen)


def test_validation_error_closes_with_1008(server: Any) -> None:
    port, _ = server
    url = _url(port, "/typed/abc")
    with pytest.raises((InvalidStatus, ConnectionClosed)) as exc:  # noqa: SIM117
        with websockets.sync.client.connect(url) as c:
            c.recv(timeout=5)
    if isinstance(exc.value, InvalidStatus):  # NOTE: closed before accept: HTTP 403
        assert exc.value.response.status_code == 403


def test_no_websocket_route_is_plain_http(server: Any) -> None:
    """An upgrade to a path with no WebSocket route is answered as HTTP (here: 404)."""
    port, _ = server
    with pytest.raises(InvalidStatus) as exc:
        websockets.sync.client.connect(_url(port, "/nowhere"))
    assert exc.value.response.status_code == 404


def test_oversized_message_closes_with_1009(protocol_impl: ModuleType) -> None:
    with run_server(protocol_impl, ws_app([]), ws_max_size=1024) as port:  # noqa: SIM117
        with websockets.sync.client.connect(_url(port, "/echo/x"), max_size=None) as c:
            c.send("x" * 1000)
            assert c.recv(timeout=5) == "x: " + "x" * 1000
            c.send("y" * 2000)
            with pytest.raises(ConnectionClosed) as closed:
                c.recv(timeout=5)
            assert closed.value.rcvd.code == 1009


def _raw_client(port: int, path: str) -> tuple[socket.socket, ClientProtocol]:
    """A handshake done by websockets' sans-I/O client over a plain socket."""
    client = ClientProtocol(parse_uri(_url(port, path)))
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    client.send_request(client.connect())
    sock.sendall(b"".join(client.data_to_send()))
    while client.handshake_exc is None and not client.events_received() and not _opened(client):
        client.receive_data(sock.recv(65536))
    return sock, client


def _opened(client: ClientProtocol) -> bool:
    return client.state.name == "OPEN"


def test_invalid_utf8_closes_with_1007(server: Any) -> None:
    port, _ = server
    sock, client = _raw_client(port, "/echo/x")
    client.send_frame(Frame(Opcode.TEXT, b"ok \xff\xfe"))
    sock.sendall(b"".join(client.data_to_send()))
    frames = _read_until_close(sock, client)
    assert frames[-1].opcode is Opcode.CLOSE
    assert client.close_rcvd is not None and client.close_rcvd.code == 1007
    sock.close()


def _read_until_close(sock: socket.socket, client: ClientProtocol) -> list[Frame]:
    frames: list[Frame] = []
    while not frames or frames[-1].opcode is not Opcode.CLOSE:
        data = sock.recv(65536)
        if not data:
            break
        client.receive_data(data)
        frames += [e for e in client.events_received() if isinstance(e, Frame)]
    return frames


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n", 400),
        (
            "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 8\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
            400,
        ),
    ],
    ids=["missing-key", "wrong-version"],
)
def test_bad_handshakes_are_refused(server: Any, headers: str, status: int) -> None:
    port, _ = server
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"GET /echo/x HTTP/1.1\r\nHost: t\r\n{headers}\r\n".encode())
        answer = _read_all(sock)
    assert answer.startswith(f"HTTP/1.1 {status} ".encode()), answer[:80]


def test_post_upgrade_is_plain_http(server: Any) -> None:
    port, _ = server
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(
            b"POST /echo/x HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            b"Content-Length: 0\r\n\r\n"
        )
        answer = _read_all(sock)
    assert not answer.startswith(b"HTTP/1.1 101")
    assert answer.startswith(b"HTTP/1.1 404 ")


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        try:
            data = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


def test_client_vanishing_mid_message(server: Any) -> None:
    port, seen = server
    sock, client = _raw_client(port, "/echo/x")
    client.send_frame(Frame(Opcode.TEXT, b"half a mess", fin=False))
    sock.sendall(b"".join(client.data_to_send()))
    sock.close()
    _until(lambda: ("disconnect", 1006) in seen)
    with websockets.sync.client.connect(_url(port, "/echo/y")) as c:
        c.send("still here")
        assert c.recv(timeout=5) == "y: still here"


def test_server_shutdown_closes_with_1001(protocol_impl: ModuleType) -> None:
    seen: list[Any] = []
    runner = ServerThread(protocol_impl, ws_app(seen))
    port = runner.start()
    stopper = threading.Thread(target=runner.stop)
    with websockets.sync.client.connect(_url(port, "/wait")) as c:
        stopper.start()
        with pytest.raises(ConnectionClosed) as closed:
            c.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
    stopper.join(10)
    runner.check()
    assert ("wait-disconnect", 1001) in seen


def test_a_thousand_connections(protocol_impl: ModuleType) -> None:
    """1,000 sessions at once; generous head/idle timeouts: one client loop opens them all."""
    with run_server(protocol_impl, ws_app([]), timeout_keep_alive=60, timeout_head=60) as port:
        _thousand(port)


def _thousand(port: int) -> None:

    async def one(i: int) -> str:
        async with websockets.asyncio.client.connect(
            _url(port, f"/echo/{i}"), open_timeout=30
        ) as c:
            await c.send("ping")
            return str(await asyncio.wait_for(c.recv(), 30))

    async def many() -> list[str]:
        return await asyncio.gather(*(one(i) for i in range(1000)))

    assert asyncio.run(many()) == [f"{i}: ping" for i in range(1000)]


def test_a_reader_that_never_reads_pauses_the_sender(server: Any) -> None:
    """64 KiB messages to a client that reads nothing: the app's send waits for the socket."""
    port, seen = server
    sock, client = _raw_client(port, "/flood")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    time.sleep(0.5)
    first = seen.count("sent")
    time.sleep(0.5)
    assert seen.count("sent") == first, "the app kept sending to a reader that reads nothing"
    assert first < 200  # NOTE: kernel buffers and the write buffer hold a few MiB at most
    sock.close()


def test_a_reader_that_never_reads_stays_within_the_write_limits(
    protocol_impl: ModuleType,
) -> None:
    """The app sends 64 KiB messages without pause to a client that never reads: the bytes
    the server holds for it (the transport's write buffer plus what the session has not
    written yet) never pass ``write_buffer_high + ws_write_limit`` plus one message, and the
    app's ``send`` stops returning."""
    seen: list[Any] = []
    high, limit, message = 128 * 1024, 32 * 1024, 65536
    runner = ServerThread(protocol_impl, ws_app(seen), write_buffer_high=high, ws_write_limit=limit)
    port = runner.start()
    try:
        sock, client = _raw_client(port, "/flood")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        sessions = [c for c in runner.server.state.connections if hasattr(c, "messages")]
        assert len(sessions) == 1
        session = sessions[0]
        held: list[int] = []
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            held.append(session.transport.get_write_buffer_size() + session.unflushed)
            time.sleep(0.005)
        sent = seen.count("sent")
        time.sleep(0.3)
        assert seen.count("sent") == sent, "the app kept sending to a reader that reads nothing"
        assert max(held) <= high + limit + message, max(held)
        assert session.writing_paused
        sock.close()
    finally:
        runner.stop()
    runner.check()


def test_websocket_limits_are_server_config(protocol_impl: ModuleType) -> None:
    """The ws_* fields reach each session (fastcore run --ws-* sets them)."""
    runner = ServerThread(
        protocol_impl, ws_app([]), ws_max_queue=3, ws_ping_interval=0, ws_write_limit=999
    )
    port = runner.start()
    try:
        with websockets.sync.client.connect(_url(port, "/echo/x")) as c:
            c.send("hi")
            assert c.recv(timeout=5) == "x: hi"
            (session,) = [s for s in runner.server.state.connections if hasattr(s, "messages")]
            assert (session.max_queue, session.ping_interval, session.write_limit) == (3, 0, 999)
            assert session.ping_handle is None  # NOTE: 0: no keep-alive ping
    finally:
        runner.stop()
    runner.check()


def test_websocket_masking_uses_websockets_c_speedup() -> None:
    """websockets unmasks client frames with its C extension when it is built; the pure
    fallback is several times slower per byte."""
    import types

    from websockets import frames

    assert isinstance(frames.apply_mask, types.BuiltinFunctionType), frames.apply_mask
    assert ws_server.apply_mask is frames.apply_mask  # NOTE: the session's own frame path


def test_a_flooding_client_is_read_no_faster_than_the_app(protocol_impl: ModuleType) -> None:
    """A client that sends while the app never receives: the server stops reading at
    ``ws_max_queue`` messages instead of queueing without bound."""
    runner = ServerThread(protocol_impl, ws_app([]))
    port = runner.start()
    try:
        sock, client = _raw_client(port, "/deaf")
        sock.settimeout(0.2)
        sent = 0
        try:
            for _ in range(20000):
                client.send_binary(b"q" * 4096)
                sock.sendall(b"".join(client.data_to_send()))
                sent += 1
        except TimeoutError:
            pass  # NOTE: the server stopped reading; the kernel buffers are full
        sessions = [c for c in runner.server.state.connections if hasattr(c, "messages")]
        assert len(sessions) == 1
        assert sent < 20000, "the server read everything a client that nobody reads sent"
        # NOTE: the queue, plus what one 16 KiB slice of the socket's bytes held
        assert len(sessions[0].messages) <= runner.config.ws_max_queue + 4
        assert sessions[0].reading_paused
        sock.close()
    finally:
        runner.stop()
    runner.check()


def _until(check: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.mark.parametrize("size", [0, 5, 125, 126, 65535, 65536, 70000])
@pytest.mark.parametrize("opcode", [Opcode.TEXT, Opcode.BINARY])
def test_frame_head_matches_websockets(size: int, opcode: Opcode) -> None:
    """The session's own head for an unmasked frame is the one websockets would write."""
    data = b"a" * size
    expected = Frame(opcode, data).serialize(mask=False)
    first = 0x80 | opcode.value
    assert ws_server._frame_head(first, size) + data == expected


@pytest.mark.parametrize("chunk", [1, 7, 4096, 1 << 20], ids=lambda n: f"chunk-{n}")
def test_frames_split_anywhere_across_reads(server: Any, chunk: int) -> None:
    """Small frames (taken by the session itself), large ones (given to websockets in
    slices), fragments and pings, in one stream cut into reads of ``chunk`` bytes: every
    message comes back whole and in order."""
    port, _ = server
    sock, client = _raw_client(port, "/echo/x")
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    client.send_text(b"a")
    client.send_binary(b"b" * 200)  # NOTE: 16-bit length
    client.send_binary(bytes(range(256)) * 80)  # NOTE: 20 KiB: past the session's own path
    client.send_ping(b"p")
    client.send_text(b"frag ", fin=False)
    client.send_continuation("✓".encode(), fin=True)
    client.send_binary(b"c" * 70000)  # NOTE: 64-bit length
    client.send_text("ü".encode() * 100)
    stream = b"".join(client.data_to_send())
    for i in range(0, len(stream), chunk):
        sock.sendall(stream[i : i + chunk])
    expected: list[Any] = [
        "x: a",
        b"b" * 200,
        bytes(range(256)) * 80,
        "x: frag ✓",
        b"c" * 70000,
        "x: " + "ü" * 100,
    ]
    got: list[Any] = []
    pongs = 0
    while len(got) < len(expected):
        data = sock.recv(1 << 20)
        assert data, f"closed after {len(got)} messages"
        client.receive_data(data)
        for frame in client.events_received():
            assert isinstance(frame, Frame)
            if frame.opcode is Opcode.PONG:
                pongs += 1
            elif frame.opcode is Opcode.TEXT:
                got.append("" + bytes(frame.data).decode())
            elif frame.opcode is Opcode.BINARY:
                got.append(bytes(frame.data))
    assert got == expected
    assert pongs == 1
    sock.close()


def test_invalid_utf8_in_a_fragment_closes_with_1007(server: Any) -> None:
    port, _ = server
    sock, client = _raw_client(port, "/echo/x")
    client.send_text(b"ok ", fin=False)
    client.send_continuation(b"\xff", fin=True)
    sock.sendall(b"".join(client.data_to_send()))
    _read_until_close(sock, client)
    assert client.close_rcvd is not None and client.close_rcvd.code == 1007
    sock.close()
