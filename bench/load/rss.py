"""One worker's RSS as ``make bench-load`` drives it, in seconds: ``python -m bench.load.rss``.

Each named server (bench/load/servers.py; default: fastcore and fastcore-tutorial) is started
as the load benchmark starts it (one process on core 0, bytecode compiled first), smoke-checked,
then each endpoint gets a 1 s warm-up and a ``--duration`` s wrk run, as in one round of
bench-load. VmHWM (peak), RssAnon (the heap: objects, arenas) and RssFile (mapped code and
libraries) are read from /proc/<pid>/status at start-up and after each endpoint. It writes
nothing: a quick loop for memory work, where bench-load takes minutes; bench-load's figure is
the last line's peak (it may read a little higher on a loaded machine).

    python -m bench.load.rss [SERVER ...] [--duration 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench.load.endpoints import ENDPOINTS
from bench.load.servers import SERVERS, Server, worker_pid
from bench.load.smoke import smoke_check
from bench.load.wrk import run_wrk

__all__ = ["main", "status_mib"]

_FIELDS = ("VmHWM", "RssAnon", "RssFile")


def status_mib(pid: int) -> dict[str, float]:
    """VmHWM, RssAnon and RssFile of ``pid`` in MiB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in _FIELDS:
            out[key] = int(value.split()[0]) / 1024
    return out


def _line(label: str, figures: dict[str, float]) -> str:
    return f"  {label:12} " + "  ".join(f"{k} {figures[k]:6.2f}" for k in _FIELDS)


def measure(name: str, duration: float) -> float:
    """Print the RSS of server ``name`` through one bench-load round; its peak in MiB."""
    spec = next((s for s in SERVERS if s.name == name), None)
    if spec is None:
        raise SystemExit(f"no server {name!r}; one of: {', '.join(s.name for s in SERVERS)}")
    with tempfile.TemporaryDirectory(prefix="bench-rss-") as tmp, Server(spec, Path(tmp)) as srv:
        pid = worker_pid(srv.pid)
        time.sleep(0.3)  # NOTE: what start-up finishes after the socket listens
        print(f"{name} (pid {pid})", flush=True)
        print(_line("start", status_mib(pid)), flush=True)
        failures = smoke_check(srv.port, ENDPOINTS)
        for endpoint in ENDPOINTS:
            if endpoint.name in failures:
                print(f"  {endpoint.name:12} SMOKE FAIL: {failures[endpoint.name]}", flush=True)
                continue
            run_wrk(srv.port, endpoint, 1)
            run_wrk(srv.port, endpoint, duration)
            print(_line(endpoint.name, status_mib(pid)), flush=True)
        return status_mib(pid)["VmHWM"]


def main() -> None:
    parser = argparse.ArgumentParser(description="one worker's RSS through a bench-load round")
    parser.add_argument("servers", nargs="*", default=["fastcore", "fastcore-tutorial"])
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per endpoint")
    args = parser.parse_args()
    peaks = {name: measure(name, args.duration) for name in args.servers}
    print("peak VmHWM (MiB): " + ", ".join(f"{k} {v:.2f}" for k, v in peaks.items()))


if __name__ == "__main__":
    main()
