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
    #: TLS (uvicorn's flags): the certificate chain and its key, PEM.
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None
    ssl_keyfile_password: str | None = None
    #: Client certificates: 0 not asked for, 1 optional, 2 required (checked against ssl_ca_certs).
    ssl_cert_reqs: int = 0
    ssl_ca_certs: str | None = None
    #: OpenSSL cipher string (uvicorn's default).
    ssl_ciphers: str = "TLSv1"
    #: Believe X-Forwarded-* and Forwarded from ``forwarded_allow_ips`` (on by default, as uvicorn).
    proxy_headers: bool = True
    #: Comma-separated addresses and networks of trusted proxies, or "*" for any peer.
    forwarded_allow_ips: str = "127.0.0.1"
    #: The prefix a proxy strips before forwarding (ASGI ``root_path``).
    root_path: str = ""
    #: A dotenv file loaded into the environment before the app is imported.
    env_file: str | None = None
    #: A worker exits after this many requests and the supervisor starts a fresh one.
    limit_max_requests: int | None = None
    #: Seconds a worker may go without a heartbeat before the supervisor kills and replaces it.
    timeout_worker_healthcheck: float = 5.0
    #: Access log format: "common" (the Common Log Format) or "json" (one object per line).
    log_format: str = "common"
    #: A logging.config file: .json, .yaml/.yml (with PyYAML) or .ini (fileConfig), as uvicorn.
    log_config: str | None = None
    #: Path of a Prometheus text-format metrics endpoint served before the app; None is off.
    metrics_path: str | None = None
    #: WebSockets (fastcore/server/http/websocket.py): the largest message a client may send, in
    #: bytes (larger: closed with 1009).
    ws_max_size: int = 16 * 1024 * 1024
    #: Received messages the app has not read yet; past it the socket is not read.
    ws_max_queue: int = 32
    #: Payload bytes the app may send in one turn of the loop before they are written out;
    #: with ``write_buffer_high`` it bounds what a client that never reads can make the
    #: server hold.
    ws_write_limit: int = 65536
    #: Seconds between keep-alive pings; 0 sends none.
    ws_ping_interval: float = 20.0
    #: Seconds a pong may take before the connection is closed with 1011; 0 waits forever.
    ws_ping_timeout: float = 20.0
    #: Offer permessage-deflate (compression) when the client asks for it.
    ws_per_message_deflate: bool = True

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name.startswith(("limit_", "timeout_")) and value is not None and value <= 0:
                raise ValueError(f"ServerConfig.{field.name} must be positive, got {value!r}")
        if self.workers < 1:
            raise ValueError(f"ServerConfig.workers must be at least 1, got {self.workers}")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"ServerConfig.port must be 0-65535, got {self.port}")
        if self.ssl_cert_reqs not in (0, 1, 2):
            raise ValueError(
                f"ServerConfig.ssl_cert_reqs must be 0, 1 or 2, got {self.ssl_cert_reqs}"
            )
        if self.log_format not in ("common", "json"):
            raise ValueError(
                f"ServerConfig.log_format must be common or json, got {self.log_format!r}"
            )
        self._check_websocket_limits()
        for name in ("root_path", "metrics_path"):
            value = getattr(self, name)
            if value and not value.startswith("/"):
                raise ValueError(f"ServerConfig.{name} must start with /, got {value!r}")

    def _check_websocket_limits(self) -> None:
        for name in ("ws_max_size", "ws_max_queue", "ws_write_limit"):
            if (value := getattr(self, name)) < 1:
                raise ValueError(f"ServerConfig.{name} must be positive, got {value!r}")
        for name in ("ws_ping_interval", "ws_ping_timeout"):
            if (value := getattr(self, name)) < 0:
                raise ValueError(f"ServerConfig.{name} must be 0 or more, got {value!r}")
