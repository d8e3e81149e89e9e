"""Running wrk on core 1 and reading its report: requests per second, p99, errors."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import tempfile
from pathlib import Path

from bench.load.endpoints import Endpoint

__all__ = ["CLIENT_CORE", "CONNECTIONS", "WrkResult", "lua_literal", "run_wrk", "wrk_command"]

CLIENT_CORE = "1"
CONNECTIONS = 64
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


@dataclasses.dataclass(frozen=True)
class WrkResult:
    rps: float
    p99_ms: float
    requests: int
    #: Non-2xx responses plus socket errors: anything but 0 makes the figure suspect.
    errors: int


def lua_literal(data: bytes) -> str:
    """``data`` as a Lua string literal (decimal escapes, so any byte is safe)."""
    return '"' + "".join(f"\\{b}" for b in data) + '"'


def _script(endpoint: Endpoint, directory: Path) -> Path | None:
    if endpoint.method == "GET":
        return None
    path = directory / f"{endpoint.name}.lua"
    path.write_text(
        f'wrk.method = "{endpoint.method}"\n'
        f"wrk.body = {lua_literal(endpoint.body)}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
    return path


def wrk_command(duration: float, url: str, script: Path | None = None) -> list[str]:
    """The wrk command line; wrk takes whole seconds, so ``duration`` is rounded (at least 1)."""
    seconds = max(1, round(duration))
    argv = ["taskset", "-c", CLIENT_CORE, "wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s"]
    argv += ["--latency", "--timeout", "5s"]
    if script is not None:
        argv += ["-s", str(script)]
    return [*argv, url]


def _latency_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"unreadable wrk latency {text!r}")
    return float(match[1]) * _UNITS[match[2]]


def parse(output: str) -> WrkResult:
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    total = re.search(r"^\s+(\d+) requests in", output, re.M)
    if not (rps and p99 and total):
        raise ValueError(f"unreadable wrk output:\n{output}")
    errors = 0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non2xx:
        errors += int(non2xx[1])
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if sockets:
        errors += sum(int(n) for n in sockets.groups())
    return WrkResult(float(rps[1]), _latency_ms(p99[1]), int(total[1]), errors)


def run_wrk(port: int, endpoint: Endpoint, duration: float) -> WrkResult:
    """One wrk run of ``duration`` seconds against ``endpoint`` on 127.0.0.1:``port``."""
    with tempfile.TemporaryDirectory() as tmp:
        script = _script(endpoint, Path(tmp))
        argv = wrk_command(duration, f"http://127.0.0.1:{port}{endpoint.path}", script)
        done = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse(done.stdout)
