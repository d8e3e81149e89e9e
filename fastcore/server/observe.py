"""What the server sees of each request once it is answered: access log, metrics, recycling.

None of it exists unless asked for (``--access-log``, ``--metrics-path``,
``--limit-max-requests``). When on, the protocol's existing per-request check
(``shared.access_log``, one C boolean read at the end of each response) calls
``ServerState.log_access``, which lands in ``Observer.done``; and the handler the protocol
calls is wrapped to note when each request was dispatched (for durations) and to answer the
metrics path itself. When off, nothing here is built and the protocol's path is unchanged.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from typing import Any

from fastcore.server.config import ServerConfig

__all__ = ["BUCKETS", "AccessLog", "Metrics", "Observer", "merge_text"]

access_logger = logging.getLogger("fastcore.access")
#: Latency histogram bucket bounds, seconds (Prometheus client's defaults).
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
_METRICS_TYPE = b"content-type: text/plain; version=0.0.4; charset=utf-8\r\n"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: Seconds between two snapshots a worker writes for its siblings' scrapes.
SNAPSHOT_EVERY = 1.0


def _clf_time(seconds: float) -> str:
    """``[10/Oct/2000:13:55:36 +0000]``: the Common Log Format's time, in UTC, any locale."""
    t = time.gmtime(seconds)
    month = _MONTHS[t.tm_mon - 1]
    return (
        f"[{t.tm_mday:02d}/{month}/{t.tm_year:04d}:"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000]"
    )


class AccessLog:
    """One line per answered request, on the ``fastcore.access`` logger at INFO.

    ``common``: ``host - - [time] "METHOD target HTTP/v" status -`` (NCSA Common Log Format;
    the size is ``-``: the protocol does not count body bytes). ``json``: one object per line.
    """

    def __init__(self, config: ServerConfig) -> None:
        self.json = config.log_format == "json"

    def line(self, client: tuple[str, int] | None, cycle: Any, duration: float | None) -> str:
        target = cycle.raw_path.decode("latin-1")
        if cycle.query_string:
            target += "?" + cycle.query_string.decode("latin-1")
        now = time.time()
        if not self.json:
            host = client[0] if client else "-"
            request = f"{cycle.method} {target} HTTP/{cycle.http_version}"
            return f'{host} - - {_clf_time(now)} "{request}" {cycle.status} -'
        record: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + "Z",
            "client": client[0] if client else None,
            "client_port": client[1] if client else None,
            "method": cycle.method,
            "target": target,
            "http_version": cycle.http_version,
            "status": cycle.status,
            "duration_ms": None if duration is None else round(duration * 1000, 3),
            "pid": os.getpid(),
        }
        return json.dumps(record, separators=(",", ":"))


class Metrics:
    """One worker's counters; ``text`` is the Prometheus text exposition format (0.0.4)."""

    def __init__(self, worker: int) -> None:
        self.worker = worker
        self.by_status: dict[int, int] = {}
        self.buckets = [0] * (len(BUCKETS) + 1)
        self.total = 0.0
        self.count = 0
        self.connections = 0

    def observe(self, status: int, duration: float | None) -> None:
        self.by_status[status] = self.by_status.get(status, 0) + 1
        if duration is None:
            return
        index = 0
        while index < len(BUCKETS) and duration > BUCKETS[index]:
            index += 1
        self.buckets[index] += 1
        self.total += duration
        self.count += 1

    def snapshot(self) -> dict[str, Any]:
        return {
            "worker": self.worker,
            "by_status": {str(k): v for k, v in self.by_status.items()},
            "buckets": self.buckets,
            "sum": self.total,
            "count": self.count,
            "connections": self.connections,
        }


def merge_text(snapshots: list[dict[str, Any]]) -> str:
    """The exposition text for several workers' snapshots, each series labelled by worker."""
    snapshots = sorted(snapshots, key=lambda s: int(s["worker"]))
    out = [
        "# HELP fastcore_requests_total Requests answered, by status code.",
        "# TYPE fastcore_requests_total counter",
    ]
    for snap in snapshots:
        w = snap["worker"]
        for status, value in sorted(snap["by_status"].items()):
            out.append(f'fastcore_requests_total{{worker="{w}",status="{status}"}} {value}')
    out += [
        "# HELP fastcore_request_duration_seconds From dispatch to the end of the response.",
        "# TYPE fastcore_request_duration_seconds histogram",
    ]
    for snap in snapshots:
        w, running = snap["worker"], 0
        for bound, value in zip((*BUCKETS, "+Inf"), snap["buckets"], strict=True):
            running += value
            out.append(
                f'fastcore_request_duration_seconds_bucket{{worker="{w}",le="{bound}"}} {running}'
            )
        out.append(f'fastcore_request_duration_seconds_sum{{worker="{w}"}} {snap["sum"]:.6f}')
        out.append(f'fastcore_request_duration_seconds_count{{worker="{w}"}} {snap["count"]}')
    out += [
        "# HELP fastcore_open_connections Client connections open now.",
        "# TYPE fastcore_open_connections gauge",
    ]
    for snap in snapshots:
        out.append(f'fastcore_open_connections{{worker="{snap["worker"]}"}} {snap["connections"]}')
    return "\n".join(out) + "\n"


class Observer:
    """Access log, metrics and the request budget of one worker; built only when one is on."""

    def __init__(
        self,
        config: ServerConfig,
        state: Any,
        *,
        worker: int = 1,
        metrics_dir: str | None = None,
        on_budget_spent: Callable[[], None] | None = None,
    ) -> None:
        self.state = state
        self.access = AccessLog(config) if config.access_log else None
        self.metrics = Metrics(worker) if config.metrics_path else None
        self.metrics_path = config.metrics_path
        self.metrics_dir = metrics_dir
        self.left = config.limit_max_requests
        self.on_budget_spent = on_budget_spent
        self.started: dict[Any, float] = {}
        self._snapshot_at = 0.0

    def wrap(self, handler: Callable[[Any], None]) -> Callable[[Any], None]:
        """The protocol's handler with the dispatch time noted and the metrics path answered."""
        started, clock, path = self.started, time.perf_counter, self.metrics_path

        def observed(cycle: Any) -> None:
            started[cycle] = clock()
            if path is not None and cycle.path == path and cycle.method in ("GET", "HEAD"):
                cycle.write_simple(200, _METRICS_TYPE, self.exposition().encode())
                return
            handler(cycle)

        return observed

    def done(self, client: tuple[str, int] | None, cycle: Any) -> None:
        """A response was completed (called from the protocol through ``log_access``)."""
        begun = self.started.pop(cycle, None)
        duration = None if begun is None else time.perf_counter() - begun
        if self.access is not None:
            access_logger.info("%s", self.access.line(client, cycle, duration))
        if self.metrics is not None:
            self.metrics.observe(cycle.status, duration)
        if self.left is not None:
            self.left -= 1
            if self.left == 0 and self.on_budget_spent is not None:
                self.on_budget_spent()

    def exposition(self) -> str:
        """This worker's metrics and, with several workers, its siblings' latest snapshots."""
        assert self.metrics is not None
        self.metrics.connections = len(self.state.connections)
        snapshots = [self.metrics.snapshot()]
        if self.metrics_dir is not None:
            snapshots += self._siblings()
        return merge_text(snapshots)

    def _siblings(self) -> list[dict[str, Any]]:
        assert self.metrics_dir is not None and self.metrics is not None
        found = []
        mine = f"worker-{self.metrics.worker}.json"
        for name in os.listdir(self.metrics_dir):
            if name.endswith(".json") and name != mine:
                try:
                    with open(os.path.join(self.metrics_dir, name)) as f:
                        found.append(json.load(f))
                except (OSError, ValueError):
                    continue  # NOTE: a worker just replaced it, or just exited: skip this once
        return found

    def tick(self, now: float) -> None:
        """From the server's sweep: forget requests whose connection died before the response
        ended; write this worker's snapshot for the others, once a second."""
        started, connections = self.started, self.state.connections
        if len(started) > len(connections):
            for cycle in [c for c in started if c.protocol not in connections]:
                del started[cycle]
        if self.metrics is None or self.metrics_dir is None or now < self._snapshot_at:
            return
        self._snapshot_at = now + SNAPSHOT_EVERY
        self.metrics.connections = len(self.state.connections)
        path = os.path.join(self.metrics_dir, f"worker-{self.metrics.worker}.json")
        temporary = f"{path}.{os.getpid()}.tmp"
        try:
            with open(temporary, "w") as f:
                json.dump(self.metrics.snapshot(), f)
            os.replace(temporary, path)  # NOTE: atomic, so a reader never sees half a file
        except OSError:
            pass
