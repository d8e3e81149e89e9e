"""Server: one worker's event loop, listening sockets, lifespan, timeouts and graceful stop.

The protocol module (compiled or pure) does the per-connection work; this module owns
what is shared by all connections of a worker (``ServerState``) and what happens once:
start-up, the quarter-second sweep that keeps the Date header and enforces timeouts, and
the stop on SIGTERM/SIGINT that lets in-flight requests finish.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import os
import signal
import socket
import sys
import time
from types import ModuleType
from typing import Any

from fastcore._accel import is_compiled, load
from fastcore.server.config import ServerConfig
from fastcore.server.contract import LaneApp
from fastcore.server.dispatch import Dispatch
from fastcore.server.lifespan import LifespanRunner
from fastcore.server.proxy import proxy_headers, scope_hook
from fastcore.server.sockets import ServerStartupError, bind_socket, describe
from fastcore.server.tls import ssl_context

__all__ = ["Server", "ServerState", "http_date"]

logger = logging.getLogger("fastcore.server")
#: How often timeouts are checked and the clock advanced; timeouts fire within this.
SWEEP_INTERVAL = 0.25
_QUIET = frozenset({"warning", "error", "critical"})


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def http_date(seconds: float) -> bytes:
    """RFC 9110's IMF-fixdate, in English whatever the locale (no strftime, no email)."""
    t = time.gmtime(seconds)
    return b"%s, %02d %s %04d %02d:%02d:%02d GMT" % (
        _DAYS[t.tm_wday].encode(),
        t.tm_mday,
        _MONTHS[t.tm_mon - 1].encode(),
        t.tm_year,
        t.tm_hour,
        t.tm_min,
        t.tm_sec,
    )


class ServerState:
    """What every connection of one worker shares; the protocol reads it per request."""

    def __init__(
        self,
        config: ServerConfig,
        loop: asyncio.AbstractEventLoop,
        app: Any,
        protocol: ModuleType,
    ) -> None:
        #: The per-request fields, in the protocol build's own type (C fields when compiled).
        self.shared = protocol.Shared()
        self.shared.access_log = False  # NOTE: set by observe(), with the observer it calls
        self.observer: Any = None
        self.loop = loop
        #: The limits; each connection copies them once (protocol ``__init__``).
        self.config = config
        self.root_path = ""
        #: "https" when this worker ends TLS itself; a trusted proxy's header may override it.
        self.scheme = "https" if config.ssl_certfile else "http"
        self.proxy = proxy_headers(config)
        #: The app as ``scope["app"]`` (a FastCore, FastAPI's own ``scope["app"]``) and as the
        #: judge of its WebSocket routes; None for another ASGI app.
        self.scope_app: LaneApp | None = app if isinstance(app, LaneApp) else None
        #: The ASGI app, for connections upgraded to WebSockets (fastcore/server/http/websocket.py).
        self.app = app
        #: Called on every scope built (root paths, proxy headers); None when all are off.
        self.scope_hook = scope_hook(config, getattr(self.scope_app, "root_path", "") or "")
        self.lifespan_state: dict[str, Any] = {}
        self.connections: set[Any] = set()
        self.tasks: set[asyncio.Task[Any]] = set()
        self.handler: Any = None
        self._second = -1
        self._server_line = (
            f"server: {config.server_header}\r\n".encode("latin-1") if config.server_header else b""
        )
        self.tick()

    @property
    def draining(self) -> bool:
        """True once the server stops: no new connections, no more keep-alive."""
        return bool(self.shared.draining)

    @draining.setter
    def draining(self, value: bool) -> None:
        self.shared.draining = value

    def tick(self) -> None:
        """Advance the coarse clock; rebuild the Date header when the second changes."""
        self.shared.now = self.loop.time()
        if not self.config.date_header:
            self.shared.extra_headers = self._server_line
            return
        second = int(time.time())
        if second != self._second:
            self._second = second
            date = b"date: " + http_date(second) + b"\r\n"
            self.shared.extra_headers = date + self._server_line

    def sweep(self, phases: ModuleType) -> None:
        """Close the connections whose current phase has run out of time."""
        now = self.shared.now
        config = self.config
        limits = {
            phases.HEAD: config.timeout_head,
            phases.BODY: config.timeout_body,
            phases.IDLE: config.timeout_keep_alive,
        }
        for conn in list(self.connections):
            limit = limits.get(conn.phase)
            if limit is None or now - conn.since <= limit:
                continue
            if conn.phase == phases.IDLE and (conn.active is not None or conn.pending):
                continue
            conn.timeout()

    def observe(self, observer: Any) -> None:
        """Turn on the access log, metrics or the request budget (``observe.py``)."""
        self.observer = observer
        self.shared.access_log = True
        self.handler = observer.wrap(self.handler)

    def log_access(self, client: Any, cycle: Any) -> None:
        """Called by the protocol after each response when ``shared.access_log`` is set."""
        if self.proxy is not None:
            client = self.proxy.forwarded(client, cycle.raw_headers)[0] or client
        assert self.observer is not None
        self.observer.done(client, cycle)


class Server:
    """fastcore's HTTP/1.1 server for one worker process."""

    def __init__(
        self,
        app: Any,
        config: ServerConfig,
        protocol: ModuleType | None = None,
        *,
        worker: int = 1,
        metrics_dir: str | None = None,
        heartbeat_fd: int | None = None,
    ) -> None:
        self.app = app
        self.config = config
        #: The supervisor's slot number (metrics label), where siblings' metrics are, and the
        #: pipe the supervisor's health check listens on (one byte per sweep); see supervisor.py.
        self.worker = worker
        self.metrics_dir = metrics_dir
        self.heartbeat_fd = heartbeat_fd
        #: The protocol build every connection of this worker uses (the compiled twin or the
        #: pure module: ``fastcore._accel``); the one place the server picks it.
        self.protocol = protocol if protocol is not None else load("fastcore.server.http.protocol")
        self.state: ServerState | None = None
        self.servers: list[asyncio.AbstractServer] = []
        self.lifespan: LifespanRunner | None = None
        self.dispatch: Dispatch | None = None
        self._exit: asyncio.Event | None = None
        self._exit_requested = False
        self._ticker: asyncio.TimerHandle | None = None

    async def start(self, sockets: list[socket.socket]) -> None:
        """Freeze the app, run the startup lifespan, then accept connections."""
        loop = asyncio.get_running_loop()
        self._exit = asyncio.Event()
        if self._exit_requested:
            self._exit.set()
        if hasattr(self.app, "freeze"):
            self.app.freeze()
        state = self.state = ServerState(self.config, loop, self.app, self.protocol)
        self.lifespan = LifespanRunner(self.app)
        await self.lifespan.startup()
        state.lifespan_state = self.lifespan.state
        self.dispatch = Dispatch(self.app, state, self.protocol)
        state.handler = self.dispatch.handler
        if self.config.access_log or self.config.metrics_path or self.config.limit_max_requests:
            from fastcore.server.observe import Observer  # NOTE: nothing of it when all are off

            observer = Observer(
                self.config,
                state,
                worker=self.worker,
                metrics_dir=self.metrics_dir,
                on_budget_spent=self._budget_spent,
            )
            state.observe(observer)
        protocol_class = self.protocol.HttpProtocol

        def factory() -> asyncio.Protocol:
            return protocol_class(state)  # type: ignore[no-any-return]

        # PERF: what start-up built (modules, plans, the app) lives as long as the worker:
        # moved out of the collector's sight, a full collection no longer walks it. p99
        # under load (bench-load) drops from several ms to the floor's.
        gc.collect()
        gc.freeze()
        _claim_asyncio_for_callbacks()
        tls = ssl_context(self.config)
        for sock in sockets:
            server = await loop.create_server(
                factory, sock=sock, backlog=self.config.backlog, ssl=tls
            )
            self.servers.append(server)
        self._schedule_tick()
        build = "compiled" if is_compiled(self.protocol) else "pure"
        for sock in sockets:
            where = describe(sock, tls is not None)
            print(
                f"fastcore: listening on {where} (pid {os.getpid()}, {build} build)",
                file=sys.stderr,
                flush=True,
            )

    def _schedule_tick(self) -> None:
        state = self.state
        assert state is not None
        state.tick()
        state.sweep(self.protocol)
        now = state.shared.now
        if state.observer is not None:
            state.observer.tick(now)
        if self.heartbeat_fd is not None:  # NOTE: every sweep, so a 1 s timeout has slack
            try:
                os.write(self.heartbeat_fd, b".")
            except OSError:  # NOTE: a full pipe (the supervisor is busy) or a closed one
                pass
        self._ticker = state.loop.call_later(SWEEP_INTERVAL, self._schedule_tick)

    def _budget_spent(self) -> None:
        """``--limit-max-requests`` reached: stop gracefully; the supervisor starts a new one."""
        if not self._exit_requested and self.config.log_level not in _QUIET:
            print(
                f"fastcore: worker pid {os.getpid()} served {self.config.limit_max_requests} "
                "requests (--limit-max-requests): exiting to be replaced",
                file=sys.stderr,
                flush=True,
            )
        self.request_exit()

    def request_exit(self) -> None:
        """Ask ``serve`` to stop; safe before ``start`` and when called twice."""
        self._exit_requested = True
        if self._exit is not None:
            self._exit.set()

    async def stop(self) -> None:
        """Stop accepting, let in-flight requests finish (up to the grace period), shut down."""
        state = self.state
        if state is None:
            return
        state.draining = True
        for server in self.servers:
            server.close()
        for conn in list(state.connections):
            conn.shutdown()
        loop = state.loop
        deadline = loop.time() + self.config.timeout_graceful
        dispatch = self.dispatch
        # NOTE: the lane's def calls and their exits run in the pool, outside any Task
        while (
            state.connections or state.tasks or (dispatch is not None and not dispatch.idle())
        ) and loop.time() < deadline:
            await asyncio.sleep(0.05)
        for conn in list(state.connections):
            conn.abort()
        for task in list(state.tasks):
            task.cancel()
        if state.tasks:
            await asyncio.wait(list(state.tasks), timeout=1)
        if self.dispatch is not None:
            self.dispatch.close()
        if self._ticker is not None:
            self._ticker.cancel()
        if self.lifespan is not None:
            await self.lifespan.shutdown()
        self.servers.clear()

    async def serve(self, sockets: list[socket.socket]) -> None:
        """Start, serve until ``request_exit``, then stop gracefully."""
        try:
            await self.start(sockets)
            assert self._exit is not None
            await self._exit.wait()
        finally:
            await self.stop()

    def run(self, sockets: list[socket.socket] | None = None) -> int:
        """Serve on a new uvloop loop until SIGTERM/SIGINT; 0 after a clean stop, 1 if it could
        not start."""
        import uvloop

        try:
            if sockets is None:
                sockets = [bind_socket(self.config)]
        except ServerStartupError as exc:
            print(f"fastcore: {exc}", file=sys.stderr, flush=True)
            return 1
        loop = uvloop.new_event_loop()
        asyncio.set_event_loop(loop)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.request_exit)
        try:
            loop.run_until_complete(self.serve(sockets))
        except ServerStartupError as exc:
            print(f"fastcore: {exc}", file=sys.stderr, flush=True)
            return 1
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
            loop.close()
            asyncio.set_event_loop(None)
        return 0


def _claim_asyncio_for_callbacks() -> None:
    """Tell anyio (through sniffio) that handlers run on asyncio, Task or not.

    The server starts a handler's coroutine straight from the protocol's callback and makes a
    Task only if it suspends; outside a Task sniffio finds no async library, so anyio calls
    (Starlette's FileResponse, ``run_in_threadpool``, background tasks, a user's
    ``anyio.sleep``) would fail. Connections copy the context of ``create_server``, so setting
    sniffio's context variable here covers every callback of this worker.
    """
    try:
        sniffio = importlib.import_module("sniffio")  # NOTE: optional, not a dependency
    except ImportError:  # NOTE: without sniffio anyio asks asyncio for a running loop itself
        return
    sniffio.current_async_library_cvar.set("asyncio")
