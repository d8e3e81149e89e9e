"""``make bench-memory``: one compiled fastcore worker's peak RSS and its growth under load.

The server (the benchmark app, one worker pinned to core 0) answers PER_PHASE requests, then
PER_PHASE more; VmRSS and VmHWM are read from /proc/<pid>/status at start-up and after each
phase. wrk cannot stop after a request count by itself, so a Lua script rotates through the
five endpoints and stops the thread once it has sent its quota; each wrk run is given a
duration from the rate measured so far, and runs repeat until the phase's count is reached
(wrk's own "requests" count, completed responses, is what is summed). Reports, never fails:
prints PASS/FAIL against the targets (peak <= 32 MiB, issues 9 and 11; growth < 1 MiB) and exits 0.

    python -m bench.load.memory [--requests 500000]
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import subprocess
import tempfile
import time
from pathlib import Path

from bench.load import report
from bench.load.endpoints import ENDPOINTS
from bench.load.servers import SERVERS, Server, fastcore_cli_available, worker_pid
from bench.load.smoke import smoke_check
from bench.load.wrk import CONNECTIONS, lua_literal, parse, wrk_command

TARGET_PEAK_MIB = 32.0
TARGET_GROWTH_MIB = 1.0


def lua_script(quota: int) -> str:
    """Rotate through the endpoints; stop the thread after ``quota`` requests are sent."""
    requests = []
    for e in ENDPOINTS:
        headers = '{["Content-Type"] = "application/json"}' if e.body else "nil"
        body = lua_literal(e.body) if e.body else "nil"
        requests.append(f'  wrk.format("{e.method}", "{e.path}", {headers}, {body}),')
    return "\n".join(
        [
            f"local quota = {quota}",
            "local sent = 0",
            "local requests",
            "function init(args)",
            "  requests = {",
            *requests,
            "  }",
            "end",
            "function request()",
            "  sent = sent + 1",
            "  if sent > quota then wrk.thread:stop() end",
            "  return requests[(sent % #requests) + 1]",
            "end",
        ]
    )


def status_mib(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of ``pid`` in MiB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


def drive(port: int, count: int, rate: float, directory: Path) -> tuple[int, float]:
    """Send about ``count`` requests; returns (completed, requests per second)."""
    done = 0
    # NOTE: requests in flight when the script stops are not counted; stop within that margin.
    while count - done > 2 * CONNECTIONS:
        quota = count - done
        seconds = max(1, math.ceil(quota / rate)) if rate else 3
        script = directory / "memory.lua"
        script.write_text(lua_script(quota))
        argv = wrk_command(seconds, f"http://127.0.0.1:{port}/", script)
        started = time.monotonic()
        out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
        if out.returncode != 0:
            raise RuntimeError(f"wrk failed: {out.stderr or out.stdout}")
        result = parse(out.stdout)
        if result.errors:
            print(f"  warning: {result.errors} errors in a wrk run", flush=True)
        done += result.requests
        rate = max(rate, result.requests / max(time.monotonic() - started, 0.1))
    return done, rate


def measure(per_phase: int) -> dict:
    spec = next(s for s in SERVERS if s.name == "fastcore")
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp, Server(spec, Path(tmp)) as srv:
        failures = smoke_check(srv.port, ENDPOINTS)
        if failures:
            print(f"SMOKE FAIL (measured anyway): {failures}", flush=True)
        pid = worker_pid(srv.pid)
        start = status_mib(pid)
        print(f"fastcore worker pid {pid}: RSS at start {start['VmRSS']:.1f} MiB", flush=True)
        done1, rate = drive(srv.port, per_phase, 0.0, Path(tmp))
        first = status_mib(pid)
        print(f"after {done1:,} requests: RSS {first['VmRSS']:.2f} MiB", flush=True)
        done2, rate = drive(srv.port, per_phase, rate, Path(tmp))
        second = status_mib(pid)
        print(f"after {done1 + done2:,} requests: RSS {second['VmRSS']:.2f} MiB", flush=True)
    return {
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "server": "its own server" if fastcore_cli_available() else "uvicorn (FALLBACK)",
        "per_phase": per_phase,
        "requests": [done1, done2],
        "rss_start_mib": start["VmRSS"],
        "rss_1_mib": first["VmRSS"],
        "rss_2_mib": second["VmRSS"],
        "growth_mib": second["VmRSS"] - first["VmRSS"],
        "peak_mib": second["VmHWM"],
        "target_peak_mib": TARGET_PEAK_MIB,
        "target_growth_mib": TARGET_GROWTH_MIB,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="fastcore memory and leak check")
    default = int(os.environ.get("BENCH_MEMORY_REQUESTS", "500000"))
    parser.add_argument("--requests", type=int, default=default, help="requests per phase")
    result = measure(parser.parse_args().requests)
    peak_ok = result["peak_mib"] <= TARGET_PEAK_MIB
    growth_ok = result["growth_mib"] < TARGET_GROWTH_MIB
    print(
        f"peak RSS {result['peak_mib']:.1f} MiB (<= {TARGET_PEAK_MIB:g}): "
        f"{'PASS' if peak_ok else 'FAIL'}\n"
        f"RSS growth over the second {result['per_phase']:,} requests "
        f"{result['growth_mib']:+.2f} MiB (< {TARGET_GROWTH_MIB:g}): "
        f"{'PASS' if growth_ok else 'FAIL'}"
    )
    report.RESULTS.mkdir(parents=True, exist_ok=True)
    report.MEMORY.write_text(json.dumps(result, indent=1) + "\n")
    report.write_docs()
    print(f"wrote {report.MEMORY} and the memory table in {report.DOC}")


if __name__ == "__main__":
    main()
