"""Start ``python -m fastcore run ...`` as a real process and talk to it over 127.0.0.1.

Every wait has a timeout, the port comes from the server's own "listening on" line (servers
listen on port 0), and a server is stopped by its PID, SIGKILL as the last resort.
"""

import http.client
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TESTS = os.path.join(ROOT, "tests")
LISTENING = re.compile(r"listening on (https?://127\.0\.0\.1:(\d+)|unix:\S+)")


class ServerProcess:
    """``fastcore run ARGS`` (or ``command``) with stdout and stderr merged, read line by line.

    The apps are imported from tests/ (``--app-dir``, or PYTHONPATH for a ``command``).
    """

    def __init__(
        self, *args: str, env: dict | None = None, command: list | None = None, cwd: str = ROOT
    ) -> None:
        if command is None:
            command = [sys.executable, "-m", "fastcore", "run", *args, "--app-dir", TESTS]
        path = os.pathsep.join(filter(None, [TESTS, os.environ.get("PYTHONPATH")]))
        full_env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": path, **(env or {})}
        self.proc = subprocess.Popen(
            command,
            cwd=cwd,
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    @property
    def output(self) -> str:
        self._drain(0)
        return "\n".join(self.lines)

    def _drain(self, timeout: float) -> bool:
        """Move lines from the reader into ``lines``; False once the output has ended."""
        try:
            line = self._queue.get(timeout=timeout) if timeout else self._queue.get_nowait()
        except queue.Empty:
            return True
        while True:
            if line is None:
                return False
            self.lines.append(line)
            try:
                line = self._queue.get_nowait()
            except queue.Empty:
                return True

    def wait_for(self, pattern: str, timeout: float = 10.0, start: int = 0) -> re.Match:
        """The first output line from index ``start`` on matching ``pattern``."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        index, alive = start, True
        while True:
            while index < len(self.lines):
                match = regex.search(self.lines[index])
                index += 1
                if match:
                    return match
            left = deadline - time.monotonic()
            if left <= 0 or not alive:
                raise AssertionError(f"no line matching {pattern!r} in:\n{self.output}")
            alive = self._drain(min(left, 0.1))

    def position(self) -> int:
        """The number of lines seen so far: a ``start`` for lines that come after now."""
        self._drain(0)
        return len(self.lines)

    def port(self, timeout: float = 10.0) -> int:
        return int(self.wait_for(LISTENING.pattern, timeout).group(2))

    def signal(self, signum: int) -> None:
        os.kill(self.proc.pid, signum)

    def wait(self, timeout: float = 10.0) -> int:
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"server still running after {timeout} s:\n{self.output}")
        self._reader.join(5)
        self._drain(0)
        return code

    def stop(self, timeout: float = 10.0) -> int:
        if self.proc.poll() is None:
            self.signal(signal.SIGTERM)
        return self.wait(timeout)

    def __enter__(self) -> "ServerProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()  # by its own PID; the supervisor's workers die with it (PDEATHSIG)
            self.proc.wait(10)
        self._reader.join(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def get(port: int, path: str, timeout: float = 5.0) -> tuple[int, dict]:
    """One GET on a fresh connection: status and the JSON body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"null")
    finally:
        conn.close()


class UnixConnection(http.client.HTTPConnection):
    """HTTP over a Unix domain socket (``--uds``)."""

    def __init__(self, path: str, timeout: float = 5.0) -> None:
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


def markers(path: str) -> list[tuple[str, int]]:
    """The (event, pid) lines that tests/support/server_apps/cli_app.py wrote."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [(event, int(pid)) for event, pid in (line.split() for line in f if line.strip())]


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.05, what: str = "condition"):
    """Poll ``predicate`` until it returns something truthy; its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)
