"""fastcore's own server on 127.0.0.1, run in a thread on its own uvloop loop, for both builds.

``run_server`` binds a port the OS picks, serves the app until the test is done, then asks the
server to exit and checks that it did, cleanly and in time. Anything the event loop reports as
unhandled while serving (an exception in a protocol callback, a task nobody awaited) fails the
test: the server must not get into a state it did not plan for, whatever a client sends.
"""

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import uvloop

from fastcore.server.config import ServerConfig
from fastcore.server.server import Server
from fastcore.server.sockets import bind_socket
from tests.support.http_app import build_app
from tests.support.rawhttp import Conn

__all__ = ["BASE_SETTINGS", "ServerThread", "run_server", "take_problems"]

#: Settings every test server gets unless the test says otherwise: short enough that a test
#: which leaves a connection open does not hold up the server's exit.
BASE_SETTINGS: dict[str, Any] = {"timeout_graceful": 1.0, "timeout_keep_alive": 5.0}


class ServerThread:
    """A Server on its own uvloop loop in a daemon thread; ``stop()`` is a graceful exit."""

    def __init__(self, impl: ModuleType, app: Any = None, **settings: Any) -> None:
        if app is None:
            app = build_app("/dev/null")
        self.config = ServerConfig(host="127.0.0.1", port=0, **{**BASE_SETTINGS, **settings})
        self.sock = bind_socket(self.config)
        self.port: int = self.sock.getsockname()[1]
        self.server = Server(app, self.config, protocol=impl)
        self.loop = uvloop.new_event_loop()
        #: What the loop reported as unhandled, and anything serve() raised.
        self.problems: list[Any] = []
        self.loop.set_exception_handler(lambda _loop, context: self.problems.append(context))
        self.thread = threading.Thread(target=self._serve, name=f"server-{self.port}", daemon=True)

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self.server.serve([self.sock]))
        except BaseException as exc:
            self.problems.append({"message": "serve() raised", "exception": exc})
        finally:
            self.loop.close()

    def start(self) -> int:
        _RUNNING.append(self)
        self.thread.start()
        _wait_ready(self.port, self.thread)
        return self.port

    def stop(self) -> float:
        """Ask the server to exit and wait for it; returns the seconds it took."""
        start = time.monotonic()
        with contextlib.suppress(RuntimeError):  # NOTE: the loop is closed if serve() failed
            self.loop.call_soon_threadsafe(self.server.request_exit)
        self.thread.join(timeout=self.config.timeout_graceful + 5)
        self.sock.close()
        if self in _RUNNING:
            _RUNNING.remove(self)
        return time.monotonic() - start

    def check(self) -> None:
        assert not self.thread.is_alive(), "the server did not exit within timeout_graceful + 5 s"
        assert not self.problems, f"the server's event loop reported: {self.problems!r}"


#: The servers now running: the loop problems they report are charged to the current test.
_RUNNING: list[ServerThread] = []


def take_problems() -> list[Any]:
    """What the running servers' loops reported since the last call (``_no_loop_problems``)."""
    taken: list[Any] = []
    for runner in _RUNNING:
        problems, runner.problems[:] = runner.problems[:], []
        taken.extend(problems)
    return taken


@contextlib.contextmanager
def run_server(impl: ModuleType, app: Any = None, **settings: Any) -> Iterator[int]:
    """Serve ``app`` (the test app by default) with ``impl``; yields the port."""
    runner = ServerThread(impl, app, **settings)
    try:
        yield runner.start()
    finally:
        runner.stop()
    runner.check()


def _wait_ready(port: int, thread: threading.Thread) -> None:
    """Until the server answers a request (the socket accepts from the start: backlog)."""
    deadline = time.monotonic() + 10
    while True:
        try:
            with Conn(port, timeout=2) as conn:
                conn.request("GET", "/hello", headers=[("Connection", "close")])
            return
        except OSError:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise
            time.sleep(0.02)
