"""ServerConfig: every setting of fastcore's own server, with the defaults a user can change.

One frozen dataclass shared by the CLI (each field is a flag), ``app.run()`` (keywords) and
the protocol (which reads the limits once per connection, never per request).
"""

from __future__ import annotations

import dataclasses

__all__ = ["ServerConfig"]


@dataclasses.dataclass(frozen=True)
class ServerConfig:
    """How fastcore's server listens, how many workers it runs, and its limits and timeouts."""

    host: str = "127.0.0.1"
    port: int = 8000
    #: A Unix domain socket path; when set, host and port are not used.
    uds: str | None = None
    workers: int = 1
    reload: bool = False
    reload_dirs: tuple[str, ...] = ()
    access_log: bool = False
    log_level: str = "info"
    backlog: int = 2048
    #: ``Server`` header value; None sends none.
    server_header: str | None = None
    date_header: bool = True
    #: Longest request line (method, target, version); longer is 414.
    limit_request_line: int = 8190
    #: Largest single header line; larger is 431.
    limit_header_line: int = 8190
    #: Most header fields in one request; more is 431.
    limit_header_count: int = 100
    #: Largest request head (request line plus headers); larger is 431.
    limit_head_size: int = 65536
    #: Largest request body; larger (announced or streamed) is 413.
    limit_body_size: int = 64 * 1024 * 1024
    #: Most open connections per worker; past it a new connection gets 503 and is closed.
    limit_connections: int = 10000
    #: Seconds from a request's first byte to the end of its head; trickling cannot extend it.
    timeout_head: float = 10.0
    #: Seconds without a byte of the body while the body is being read.
    timeout_body: float = 30.0
    #: Slowest average rate (bytes/s) a body may arrive at once it has taken ``timeout_body``
    #: seconds; slower is 408 (Apache's mod_reqtimeout MinRate, so a trickle cannot hold it).
    limit_body_rate: int = 500
    #: Seconds an idle keep-alive connection stays open.
    timeout_keep_alive: float = 5.0
    #: Seconds in-flight requests get to finish after SIGTERM/SIGINT.
    timeout_graceful: float = 30.0
    #: Seconds a refused client's bytes are read and discarded after the answer (nginx's
    #: lingering close), so that the kernel does not reset the connection under the answer.
    timeout_linger: float = 2.0
    #: High-water mark of the write buffer: reading pauses above it (flow control).
    write_buffer_high: int = 256 * 1024

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name.startswith(("limit_", "timeout_")) and value <= 0:
                raise ValueError(f"ServerConfig.{field.name} must be positive, got {value!r}")
        if self.workers < 1:
            raise ValueError(f"ServerConfig.workers must be at least 1, got {self.workers}")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"ServerConfig.port must be 0-65535, got {self.port}")
