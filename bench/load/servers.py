"""How each measured server is started (one process pinned to core 0), waited for and stopped.

Every server is a subprocess on 127.0.0.1 and a free port, stopped by its own PID: SIGTERM,
then SIGKILL after a timeout.
"""

from __future__ import annotations

import compileall
import dataclasses
import functools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.load.apps import FASTAPI_ON_FASTCORE, FASTCORE_APPS

__all__ = [
    "PEERS",
    "SERVERS",
    "Server",
    "Spec",
    "cpu_seconds",
    "fastcore_cli_available",
    "free_port",
    "worker_pid",
]

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
SERVER_CORE = "0"
UVICORN = ["--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning"]


@functools.cache
def fastcore_cli_available() -> bool:
    """True when fastcore runs on its own server (``python -m fastcore run``).

    BENCH_FASTCORE_SERVER=uvicorn forces uvicorn (fastcore's ASGI entry), =cli forces the CLI;
    by default (auto) the CLI is used once ``python -m fastcore run --help`` works. Cached: the
    runner checks once at the start and again (``cache_clear()``) at the end.
    """
    choice = os.environ.get("BENCH_FASTCORE_SERVER", "auto")
    if choice in ("uvicorn", "cli"):
        return choice == "cli"
    probe = subprocess.run(
        [PY, "-m", "fastcore", "run", "--help"], cwd=ROOT, capture_output=True, timeout=60
    )
    return probe.returncode == 0


@functools.cache
def compile_bytecode() -> None:
    """Write fastcore's and the apps' ``__pycache__`` before any server starts (once a run).

    An installed fastcore has its bytecode (pip compiles a wheel's modules, as it did every
    peer's); this checkout is an editable install, and with ``PYTHONDONTWRITEBYTECODE=1`` (set
    on this machine) every worker would compile all of fastcore's sources at start-up. The
    compiler's transient memory stays in the worker's peak RSS (about 0.8 MiB more VmHWM
    measured on the bench app), so without this the figure would be a checkout's, not a
    deployment's. Stale files are harmless: Python checks each one against its source.
    """
    for tree in ("fastcore", "bench/load"):
        compileall.compile_dir(ROOT / tree, quiet=2)


def _uvicorn(app: str) -> Callable[[int], list[str]]:
    return lambda port: (
        [PY, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)] + (UVICORN)
    )


def _fastcore_app(name: str) -> Callable[[int], list[str]]:
    """How fastcore serves the app of server ``name`` (bench/load/apps/__init__.py)."""
    app = FASTCORE_APPS[name][0] + ":app"
    alias = ["--as-fastapi"] if name == FASTAPI_ON_FASTCORE else []

    def argv(port: int) -> list[str]:
        if not fastcore_cli_available():
            if alias:
                raise RuntimeError(f"{name} needs `fastcore run --as-fastapi` (the CLI)")
            return _uvicorn(app)(port)
        return [PY, "-m", "fastcore", "run", app, "--host", "127.0.0.1", "--port", str(port)] + [
            *alias,
            "--log-level",
            "warning",
        ]

    return argv


_fastcore = _fastcore_app("fastcore")
_PURE = (("FASTCORE_NO_EXTENSIONS", "1"),)


def _sanic(port: int) -> list[str]:
    app = "bench.load.apps.sanic_app:app"
    return [PY, "-m", "sanic", app, "--host", "127.0.0.1", "--port", str(port)] + [
        "--single-process",
        "--no-access-logs",
        "--no-motd",
    ]


@dataclasses.dataclass(frozen=True)
class Spec:
    """A server to measure: its name in the tables, how it is run, what it is."""

    name: str
    argv: Callable[[int], list[str]]
    about: str
    env: tuple[tuple[str, str], ...] = ()


SERVERS = (
    Spec(
        "floor",
        lambda port: [PY, "-m", "bench.load.floor", "--host", "127.0.0.1", "--port", str(port)],
        "bare uvloop + httptools protocol, hand-written dispatch, msgspec",
    ),
    Spec("fastcore", _fastcore, "fastcore, compiled, its own server"),
    Spec(
        "fastcore-pure",
        _fastcore,
        "fastcore, pure Python build (FASTCORE_NO_EXTENSIONS=1), its own server",
        env=_PURE,
    ),
    *(
        Spec(name, _fastcore_app(name), f"fastcore, compiled: {about}")
        for name, (_, about) in FASTCORE_APPS.items()
        if name != "fastcore"
    ),
    Spec(
        "fastcore-annotated-pure",
        _fastcore_app("fastcore-annotated"),
        "the annotated app on the pure Python build",
        env=_PURE,
    ),
    Spec(
        "fastapi",
        _uvicorn("bench.load.apps.fastapi_app:app"),
        "FastAPI + pydantic under uvicorn (uvloop, httptools)",
    ),
    Spec(
        "blacksheep",
        _uvicorn("bench.load.apps.blacksheep_app:app"),
        "BlackSheep under uvicorn (uvloop, httptools)",
    ),
    Spec("sanic", _sanic, "Sanic, its own server, single process, access log off"),
    Spec(
        "falcon",
        _uvicorn("bench.load.apps.falcon_app:app"),
        "Falcon ASGI under uvicorn (uvloop, httptools)",
    ),
)
PEERS = ("blacksheep", "sanic", "falcon")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time ``pid`` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker_pid(pid: int) -> int:
    """The process serving requests: ``pid`` itself, or its only child if it forked one."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return pid
    return int(children[0]) if len(children) == 1 else pid


class Server:
    """A running server process; use as a context manager."""

    def __init__(self, spec: Spec, log_dir: Path) -> None:
        self.spec = spec
        self.port = free_port()
        self.argv = ["taskset", "-c", SERVER_CORE, *spec.argv(self.port)]
        self.log_path = log_dir / f"{spec.name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        compile_bytecode()
        env = {**os.environ, **dict(self.spec.env), "PYTHONPATH": str(ROOT)}
        env.pop("FASTCORE_REQUIRE_EXTENSIONS", None)
        if "FASTCORE_NO_EXTENSIONS" not in dict(self.spec.env):
            env.pop("FASTCORE_NO_EXTENSIONS", None)
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                self.argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_ready()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                tail = self.log_path.read_text(errors="replace")[-1500:]
                raise RuntimeError(f"{self.spec.name} exited with {self.proc.returncode}:\n{tail}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.spec.name} did not listen within {timeout} s")

    def stop(self, timeout: float = 10.0) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
