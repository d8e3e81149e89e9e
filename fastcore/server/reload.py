"""``--reload``: serve from a child process and start a new one when a source file changes.

The child is a fresh interpreter (``python -m fastcore run ...`` with the same arguments), so the
changed code is imported from scratch; nothing of the old app survives a restart. The parent
binds the socket once and hands it down with ``--fd``: the port stays the same even when it was
0, and a connection that arrives during a restart waits in the queue instead of being refused.

Changes are found by polling modification times twice a second. NOTE: polling rather than
inotify keeps the dependency list as it is and works the same on every system and in
containers with mounted volumes; walking a project's .py files takes milliseconds.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator, Sequence

from fastcore.server.config import ServerConfig
from fastcore.server.supervisor import SignalPipe, say

__all__ = ["IGNORED_DIRS", "Watcher", "child_arguments", "run_reloader"]

#: Directory names never watched: environments, caches, VCS data and build output.
IGNORED_DIRS = frozenset(
    {
        ".venv",
        "venv",
        "env",
        "__pycache__",
        ".git",
        ".hg",
        "build",
        "dist",
        "site",
        "node_modules",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".tox",
        ".nox",
    }
)
_POLL_SECONDS = 0.5
_KILL_MARGIN = 5.0
#: Flags the parent handles itself; the child gets ``--fd`` instead.
_PARENT_FLAGS = ("--reload", "--no-reload")
_PARENT_OPTIONS = ("--reload-dir", "--fd")
_PARENT_PREFIXES = tuple(option + "=" for option in _PARENT_OPTIONS)


class Watcher:
    """Finds the first .py file under ``dirs`` created, changed or removed since the last look."""

    def __init__(self, dirs: Sequence[str]) -> None:
        self.dirs = [os.path.abspath(d) for d in dirs]
        self.mtimes = self._snapshot()

    def changed(self) -> str | None:
        """A path that changed since the previous call (or construction), else None."""
        now = self._snapshot()
        before, self.mtimes = self.mtimes, now
        for path, mtime in now.items():
            if before.get(path) != mtime:
                return path
        return next((path for path in before if path not in now), None)

    def _snapshot(self) -> dict[str, int]:
        mtimes: dict[str, int] = {}
        for path in self._files():
            try:
                mtimes[path] = os.stat(path).st_mtime_ns
            except OSError:  # removed while walking
                pass
        return mtimes

    def _files(self) -> Iterator[str]:
        for top in self.dirs:
            for root, dirs, files in os.walk(top):
                dirs[:] = [d for d in dirs if d not in IGNORED_DIRS and not d.endswith(".egg-info")]
                for name in files:
                    if name.endswith(".py"):
                        yield os.path.join(root, name)


def child_arguments(argv: Sequence[str]) -> list[str]:
    """The CLI arguments without the reloader's own flags (the parser takes no abbreviations)."""
    out: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in _PARENT_OPTIONS:
            skip = True
        elif arg not in _PARENT_FLAGS and not arg.startswith(_PARENT_PREFIXES):
            out.append(arg)
    return out


def run_reloader(config: ServerConfig, sock: socket.socket, argv: Sequence[str]) -> int:
    """Serve ``argv`` (CLI arguments, reload flags removed) in a child; restart it on changes.

    Returns 0 after SIGINT/SIGTERM. A child that fails (an import error, a syntax error) is
    reported and restarted on the next change, so fixing the file is all it takes.
    """
    dirs = list(config.reload_dirs) or [os.getcwd()]
    watcher = Watcher(dirs)
    say(config, f"reloader pid {os.getpid()}, watching {', '.join(watcher.dirs)}")
    command = [sys.executable, "-m", "fastcore", *argv, "--fd", str(sock.fileno())]
    with SignalPipe((signal.SIGINT, signal.SIGTERM)) as signals:
        child = _start(command, sock)
        reported = False
        while True:
            if {signal.SIGINT, signal.SIGTERM} & set(signals.wait(_POLL_SECONDS)):
                _stop(child, config)
                say(config, "reloader exiting")
                return 0
            path = watcher.changed()
            if path is not None:
                say(config, f"{os.path.relpath(path)} changed, restarting")
                _stop(child, config)
                child, reported = _start(command, sock), False
            elif child.poll() is not None and not reported:
                say(config, f"server exited with code {child.returncode}; waiting for a change")
                reported = True


def _start(command: list[str], sock: socket.socket) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, pass_fds=(sock.fileno(),))


def _stop(child: subprocess.Popen[bytes], config: ServerConfig) -> None:
    """SIGTERM, then SIGKILL once the child's own grace period and a margin have passed."""
    if child.poll() is not None:
        return
    child.send_signal(signal.SIGTERM)
    try:
        child.wait(config.timeout_graceful + _KILL_MARGIN)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
