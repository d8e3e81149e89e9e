"""Headless Chromium for the tests that look at pages as a reader does, with no network.

Chromium comes from Debian's ``chromium`` package. When it is missing and we are root, the
``chromium`` fixture installs it with apt-get (about 20 s). Where that cannot be done the test
is skipped with the reason, unless ``FASTCORE_REQUIRE_BROWSER=1`` (set by ``make test``), when
it fails instead: a CI run never passes by quietly skipping the browser checks.

Every run resolves no host but 127.0.0.1, so a page that still needed a CDN renders nothing.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]


def _unavailable(reason: str) -> None:
    if os.environ.get("FASTCORE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"FASTCORE_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def find_chromium() -> str:
    """The Chromium binary, installed with apt-get first when it is missing and we may."""
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        _unavailable(f"{CHROMIUM} is missing and cannot be installed here (needs root, apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "chromium"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            _unavailable(f"{' '.join(command)} failed, so no Chromium: {done.stderr[-500:]}")
    return CHROMIUM


def run_chromium(binary: str, profile: Path, *args: str, budget_ms: int = 10_000) -> str:
    """Run headless Chromium once, offline but for 127.0.0.1; returns its stdout."""
    done = subprocess.run(
        [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--user-data-dir={profile}",
            f"--virtual-time-budget={budget_ms}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def dump_dom(binary: str, profile: Path, url: str, budget_ms: int = 10_000) -> str:
    """The page's DOM after its scripts ran, as HTML."""
    return run_chromium(binary, profile, "--dump-dom", url, budget_ms=budget_ms)


def _wait_until_up(port: int, proc: subprocess.Popen[bytes], path: str, seconds: float) -> None:
    """Until ``GET path`` gets any answer (the socket accepts before the app is ready)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the server exited with {proc.returncode}"
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", path)
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.05)
        finally:
            conn.close()
    raise AssertionError(f"GET {path} got no answer on 127.0.0.1:{port} in {seconds} s")


@contextmanager
def serve(
    *command: str,
    cwd: Path = ROOT,
    ready: str = "/",
    seconds: float = 20,
    exit_codes: list[int] | None = None,
) -> Iterator[int]:
    """Run ``command`` with ``{fd}`` replaced by a listening socket's fd; yields its port.

    The socket is bound here on a port the OS picks and inherited by the child (the way
    systemd hands one over with ``fastcore run --fd``), so there is no port race. Stopped by
    its PID with SIGTERM; its exit code is appended to ``exit_codes`` when one is given.
    """
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    argv = [part.replace("{fd}", str(sock.fileno())) for part in command]
    proc = subprocess.Popen(argv, cwd=cwd, pass_fds=(sock.fileno(),))
    sock.close()
    try:
        _wait_until_up(port, proc, ready, seconds)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if exit_codes is not None:
            exit_codes.append(proc.returncode)


def fastcore_run(app: str, *options: str) -> list[str]:
    """``python -m fastcore run APP --fd {fd}``: what ``make run`` starts, on a given socket."""
    return [sys.executable, "-m", "fastcore", "run", app, "--fd", "{fd}", *options]


class DevTools:
    """One headless Chromium driven over the DevTools protocol, for pages that need waiting.

    ``--dump-dom`` snapshots a page once its load settles; a search that runs in a web worker
    answers later. This opens the page, then evaluates a JavaScript expression until it is
    truthy (or ``seconds`` pass) and returns its value. Offline as ``run_chromium``.
    """

    def __init__(self, binary: str, profile: Path) -> None:
        import re

        from websockets.sync.client import connect

        self.proc = subprocess.Popen(
            [
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                f"--user-data-dir={profile}",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stderr is not None
        url = None
        deadline = time.monotonic() + 30
        while url is None and time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line and self.proc.poll() is not None:
                break
            found = re.search(r"DevTools listening on (ws://\S+)", line)
            url = found.group(1) if found else None
        assert url, "Chromium did not start its DevTools endpoint"
        self._connection = connect(url, max_size=None)
        self.ws = self._connection.__enter__()
        self._id = 0

    def __enter__(self) -> DevTools:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, session: str | None = None, **params: object) -> dict[str, Any]:
        self._id += 1
        message: dict[str, object] = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        while True:
            reply = json.loads(self.ws.recv(timeout=30))
            if reply.get("id") == self._id:
                assert "error" not in reply, reply
                return dict(reply.get("result", {}))

    def wait_for(self, url: str, expression: str, seconds: float = 30) -> Any:
        """Open ``url`` and evaluate ``expression`` until it is truthy; its last value."""
        target = self._call("Target.createTarget", url=url)["targetId"]
        session = self._call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        deadline = time.monotonic() + seconds
        value: Any = None
        while time.monotonic() < deadline:
            result = self._call(
                "Runtime.evaluate", session, expression=expression, returnByValue=True
            )
            value = result.get("result", {}).get("value")
            if value:
                return value
            time.sleep(0.2)
        return value

    def close(self) -> None:
        self._connection.__exit__(None, None, None)
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stderr is not None:
            self.proc.stderr.close()
