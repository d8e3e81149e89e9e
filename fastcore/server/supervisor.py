"""Worker processes on one listening socket, kept alive by a supervisor (``--workers N``).

NOTE: one socket, bound in the supervisor and inherited by every worker, rather than a
SO_REUSEPORT socket per worker:
- a connection waiting to be accepted belongs to the shared socket, so when a worker dies the
  others (and its replacement) accept it; with SO_REUSEPORT the kernel hashes each connection
  to one worker's own queue, and whatever was queued on a dead worker's socket is reset;
- the address is claimed once: a port already taken is one clear message and exit 1, port 0
  means one port for all workers, and Unix sockets and inherited descriptors work unchanged.
The price is a less even spread under some loads (whichever idle worker wakes first accepts);
a load balancer in front evens that out, and the worker that is busy does not accept.

NOTE: workers are forked, not spawned. Each starts as a copy of the supervisor after the app was
imported and frozen, so the module is imported once (an import error is reported once),
``app.run(workers=N)`` can hand over its in-memory app, and workers share the built plans'
memory. That is safe because the supervisor never starts an event loop or a thread: the loop,
the lifespan and everything else with state start in each worker, after the fork.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import os
import select
import signal
import socket
import sys
import time
import traceback
from collections.abc import Iterable
from types import FrameType, TracebackType
from typing import Any, NoReturn

from fastcore.server.config import ServerConfig

__all__ = ["WORKER_BOOT_FAILED", "SignalPipe", "Supervisor", "say"]

#: A worker's exit code when its lifespan startup failed: it would fail again, so the
#: supervisor stops everything (exit 1) instead of restarting it forever, as gunicorn does.
WORKER_BOOT_FAILED = 3
#: Seconds a worker must live for its exit to count as a one-off rather than a crash loop.
_STABLE_AFTER = 5.0
_MAX_BACKOFF = 5.0
#: Seconds after the graceful timeout before workers that have not exited are killed.
_KILL_MARGIN = 5.0
_QUIET_LEVELS = frozenset({"warning", "error", "critical"})


def say(config: ServerConfig, message: str) -> None:
    """One line on stderr for the person running the server, unless the log level is quieter."""
    if config.log_level.lower() not in _QUIET_LEVELS:
        print(f"fastcore: {message}", file=sys.stderr, flush=True)


def _noop(signum: int, frame: FrameType | None) -> None:
    """A Python-level handler, so the signal reaches the wakeup pipe (SIGCHLD is ignored else)."""


class SignalPipe:
    """Signals delivered as bytes on a pipe, so a plain loop can wait for a signal or a timeout.

    The supervisor and the reloader wait without asyncio (they must not own an event loop:
    the supervisor forks) and without sleeping in slices (a signal should act at once).
    """

    def __init__(self, signums: Iterable[int]) -> None:
        self.signums = tuple(signums)
        self._old: dict[int, Any] = {}
        self._old_fd = -1
        self._fds: tuple[int, int] | None = None

    def __enter__(self) -> SignalPipe:
        read, write = os.pipe()
        os.set_blocking(read, False)
        os.set_blocking(write, False)
        self._fds = (read, write)
        self._old_fd = signal.set_wakeup_fd(write, warn_on_full_buffer=False)
        for signum in self.signums:
            self._old[signum] = signal.signal(signum, _noop)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Put back the handlers and wakeup fd found on entry; also run in a fresh worker."""
        if self._fds is None:
            return
        for signum, handler in self._old.items():
            signal.signal(signum, handler)
        signal.set_wakeup_fd(self._old_fd)
        for fd in self._fds:
            os.close(fd)
        self._fds = None

    def wait(self, timeout: float | None) -> list[int]:
        """The signals received, waiting up to ``timeout`` seconds for the first."""
        return self.wait_any(timeout, ())[0]

    def wait_any(self, timeout: float | None, fds: Iterable[int]) -> tuple[list[int], list[int]]:
        """The signals received and which of ``fds`` are readable, waiting up to ``timeout``."""
        assert self._fds is not None
        read = self._fds[0]
        wait = None if timeout is None else max(timeout, 0)
        ready, _, _ = select.select([read, *fds], [], [], wait)
        signums: list[int] = []
        if read in ready:
            try:
                signums = list(os.read(read, 512))
            except BlockingIOError:
                pass
        return signums, [fd for fd in ready if fd != read]


@dataclasses.dataclass
class _Slot:
    """One worker position: the process in it now and how often it failed lately."""

    number: int
    pid: int = 0
    started: float = 0.0
    failures: int = 0
    restart_at: float | None = None
    #: Read end of the worker's heartbeat pipe, and when its last beat came (None: not yet).
    beat_fd: int = -1
    beat_at: float | None = None


class Supervisor:
    """Forks ``config.workers`` workers on ``sock``, restarts those that die, stops them all."""

    def __init__(self, app: Any, config: ServerConfig, sock: socket.socket) -> None:
        self.app = app
        self.config = config
        self.sock = sock
        self.slots = [_Slot(number) for number in range(1, config.workers + 1)]
        self.exit_code = 0
        self.stopping = False
        self._signals = SignalPipe((signal.SIGINT, signal.SIGTERM, signal.SIGCHLD))
        #: Where workers leave their metrics for each other's scrapes (``--metrics-path``).
        self.metrics_dir: str | None = None

    def run(self) -> int:
        """Blocks until SIGINT/SIGTERM (then 0) or a worker fails to start (then 1)."""
        say(self.config, f"supervisor pid {os.getpid()}, {len(self.slots)} workers")
        if self.config.metrics_path and len(self.slots) > 1:
            import tempfile

            self.metrics_dir = tempfile.mkdtemp(prefix="fastcore-metrics-")
        try:
            with self._signals:
                for slot in self.slots:
                    self._spawn(slot)
                while not self.stopping:
                    self._wait()
                    self._reap()
                    self._check_health()
                    self._restart_due()
                self._stop_all()
        finally:
            for slot in self.slots:
                self._close_beat(slot)
            if self.metrics_dir is not None:
                import shutil

                shutil.rmtree(self.metrics_dir, ignore_errors=True)
        say(self.config, "supervisor exiting")
        return self.exit_code

    def _wait(self) -> None:
        """Until a signal, a heartbeat, a restart or a health check is due."""
        beats = {s.beat_fd: s for s in self.slots if s.beat_fd >= 0}
        signums, ready = self._signals.wait_any(self._next_due_in(), beats)
        for signum in signums:
            if signum in (signal.SIGINT, signal.SIGTERM):
                say(self.config, f"{signal.Signals(signum).name}: stopping the workers")
                self.stopping = True
        now = time.monotonic()
        for fd in ready:
            slot = beats[fd]
            try:
                data = os.read(fd, 512)
            except BlockingIOError:
                continue
            if data:
                slot.beat_at = now
            else:  # NOTE: the worker closed its end (it exited): wait for SIGCHLD
                self._close_beat(slot)

    def _check_health(self) -> None:
        """Kill a worker whose loop stopped beating (``--timeout-worker-healthcheck``)."""
        if self.stopping:
            return
        limit, now = self.config.timeout_worker_healthcheck, time.monotonic()
        for slot in self.slots:
            if slot.pid and slot.beat_at is not None and now - slot.beat_at > limit:
                say(
                    self.config,
                    f"worker {slot.number} (pid {slot.pid}) sent no heartbeat for "
                    f"{now - slot.beat_at:.1f} s (--timeout-worker-healthcheck {limit:g}): "
                    "killing it",
                )
                slot.beat_at = None
                try:
                    os.kill(slot.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def _close_beat(self, slot: _Slot) -> None:
        if slot.beat_fd >= 0:
            os.close(slot.beat_fd)
            slot.beat_fd, slot.beat_at = -1, None

    # -- workers ------------------------------------------------------------------------
    def _spawn(self, slot: _Slot) -> None:
        parent = os.getpid()
        self._close_beat(slot)
        beat_read, beat_write = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            os.close(beat_read)
            self._worker(parent, slot.number, beat_write)
        os.close(beat_write)
        os.set_blocking(beat_read, False)
        slot.beat_fd, slot.beat_at = beat_read, None
        slot.pid, slot.started, slot.restart_at = pid, time.monotonic(), None
        say(self.config, f"worker {slot.number} started (pid {pid})")

    def _worker(self, parent: int, number: int, beat_fd: int) -> NoReturn:
        """The forked child: the supervisor's signal setup undone, then one server."""
        code = WORKER_BOOT_FAILED  # until the server exists: a failure here would repeat
        try:
            self._signals.close()
            for slot in self.slots:  # NOTE: the siblings' heartbeat pipes are not this worker's
                if slot.beat_fd >= 0:
                    os.close(slot.beat_fd)
            os.set_blocking(beat_fd, False)
            _die_with_parent(parent)
            from fastcore.server.server import Server

            server = Server(
                self.app,
                self.config,
                worker=number,
                metrics_dir=self.metrics_dir,
                heartbeat_fd=beat_fd,
            )
            code = 1
            code = server.run([self.sock])
            if code == 1:  # its lifespan startup failed
                code = WORKER_BOOT_FAILED
        except KeyboardInterrupt:  # Ctrl-C reached the worker before its loop took SIGINT
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            slot = next((s for s in self.slots if s.pid == pid), None)
            if slot is not None:
                self._exited(slot, os.waitstatus_to_exitcode(status))

    def _exited(self, slot: _Slot, code: int) -> None:
        how = f"was killed by {_signal_name(-code)}" if code < 0 else f"exited with code {code}"
        slot.pid = 0
        self._close_beat(slot)
        if self.metrics_dir is not None:
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(self.metrics_dir, f"worker-{slot.number}.json"))
        if self.stopping:
            say(self.config, f"worker {slot.number} {how}")
            return
        if code == WORKER_BOOT_FAILED:
            print(
                f"fastcore: worker {slot.number} {how}: its startup failed, stopping",
                file=sys.stderr,
                flush=True,
            )
            self.stopping, self.exit_code = True, 1
            return
        if code == 0:  # NOTE: it chose to exit (--limit-max-requests): replace it at once
            slot.restart_at = time.monotonic()
            say(self.config, f"worker {slot.number} {how}; starting a fresh one")
            return
        lived = time.monotonic() - slot.started
        slot.failures = slot.failures + 1 if lived < _STABLE_AFTER else 0
        delay = 0.0 if slot.failures == 0 else min(0.1 * 2 ** (slot.failures - 1), _MAX_BACKOFF)
        slot.restart_at = time.monotonic() + delay
        say(self.config, f"worker {slot.number} {how}; restarting it in {delay:.1f} s")

    def _next_due_in(self) -> float | None:
        """Seconds to the next restart or health-check deadline; None when nothing is due."""
        limit = self.config.timeout_worker_healthcheck
        due = [s.restart_at for s in self.slots if s.restart_at is not None]
        due += [s.beat_at + limit for s in self.slots if s.pid and s.beat_at is not None]
        return max(0.0, min(due) - time.monotonic() + 0.01) if due else None

    def _restart_due(self) -> None:
        if self.stopping:
            return
        now = time.monotonic()
        for slot in self.slots:
            if slot.restart_at is not None and slot.restart_at <= now:
                self._spawn(slot)

    def _stop_all(self) -> None:
        """SIGTERM every worker; SIGKILL those still running after the grace period and margin.

        A second SIGINT/SIGTERM (a second Ctrl-C) does not wait for the grace period.
        """
        self._send(signal.SIGTERM)
        deadline = time.monotonic() + self.config.timeout_graceful + _KILL_MARGIN
        while any(s.pid for s in self.slots):
            left = deadline - time.monotonic()
            signums = self._signals.wait(left) if left > 0 else []
            if left <= 0 or {signal.SIGINT, signal.SIGTERM} & set(signums):
                say(self.config, "killing the workers that are still running")
                self._send(signal.SIGKILL)
                deadline = time.monotonic() + _KILL_MARGIN
            self._reap()

    def _send(self, signum: int) -> None:
        for slot in self.slots:
            if slot.pid:
                try:
                    os.kill(slot.pid, signum)
                except ProcessLookupError:
                    pass


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def _die_with_parent(parent: int) -> None:
    """Ask Linux to SIGTERM this worker when the supervisor dies, even by SIGKILL.

    NOTE: without it a killed supervisor leaves workers holding the port with nobody to stop
    them. Best effort: other systems keep the workers until they are stopped by hand.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGTERM), 0, 0, 0)  # 1 is PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the supervisor died before prctl took effect
        os._exit(0)
