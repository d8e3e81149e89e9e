"""``fastcore run module:app``: the command line of fastcore's server; ``python -m fastcore`` too.

Every ServerConfig field is a flag, generated from the dataclass so that a new setting cannot be
forgotten here; its default is the dataclass's. Expected failures (the module or the app cannot
be found, the port is taken, the lifespan startup failed) are one line on stderr and exit 1,
without a traceback; argument mistakes are argparse's usage message and exit 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import inspect
import os
import socket
import sys
from collections.abc import Sequence
from typing import Any

from fastcore.exceptions import FastCoreError
from fastcore.server.config import ServerConfig
from fastcore.server.discover import DEFAULT_FILES, discover, is_app
from fastcore.server.logs import configure_logging
from fastcore.server.sockets import ServerStartupError, bind_socket, socket_from_fd
from fastcore.server.tls import ssl_context

__all__ = ["AppImportError", "build_parser", "import_app", "main", "serve_app"]

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")

_HELP: dict[str, str] = {
    "host": "address to listen on; 0.0.0.0 for every IPv4 interface, :: for IPv6",
    "port": "TCP port; 0 lets the OS pick one (printed at start-up)",
    "uds": "listen on this Unix domain socket instead of host and port",
    "workers": "worker processes sharing the socket, under a supervisor that restarts them",
    "reload": "restart the server when a .py file changes (development only)",
    "reload_dirs": "a directory to watch with --reload, repeatable (default: the current one)",
    "access_log": "log one line per request",
    "log_level": "how much the server logs",
    "backlog": "pending connections the kernel queues before refusing",
    "server_header": "value of the Server response header; none is sent by default",
    "date_header": "send the Date response header",
    "limit_request_line": "longest request line in bytes (longer: 414)",
    "limit_header_line": "longest header line in bytes (longer: 431)",
    "limit_header_count": "most header fields in a request (more: 431)",
    "limit_head_size": "largest request head in bytes (larger: 431)",
    "limit_body_size": "largest request body in bytes (larger: 413)",
    "limit_connections": "most open connections per worker (more: 503)",
    "timeout_head": "seconds to receive a request's head",
    "timeout_body": "seconds without a byte while reading a body",
    "limit_body_rate": "slowest average body rate in bytes/s once a body has taken "
    "--timeout-body seconds (slower: 408)",
    "timeout_linger": "seconds a refused client's bytes are drained before the close",
    "timeout_keep_alive": "seconds an idle keep-alive connection stays open",
    "timeout_graceful": "seconds in-flight requests get to finish after SIGTERM/SIGINT",
    "write_buffer_high": "bytes buffered for a slow client before reading from it pauses",
    "ssl_certfile": "serve HTTPS with this PEM certificate (chain)",
    "ssl_keyfile": "the certificate's PEM private key, if not in --ssl-certfile",
    "ssl_keyfile_password": "password of an encrypted --ssl-keyfile",
    "ssl_cert_reqs": "client certificates: 0 not asked, 1 optional, 2 required",
    "ssl_ca_certs": "CA bundle that client certificates are checked against",
    "ssl_ciphers": "OpenSSL cipher list",
    "proxy_headers": "believe X-Forwarded-For/-Proto/-Host and Forwarded from trusted peers",
    "forwarded_allow_ips": "comma-separated addresses or networks of trusted proxies, or '*'",
    "root_path": "path prefix the proxy strips (ASGI root_path), e.g. /api/v1",
    "env_file": "load environment variables from this dotenv file before importing the app",
    "limit_max_requests": "a worker exits after this many requests and is replaced",
    "timeout_worker_healthcheck": "seconds a worker's loop may be unresponsive before it is "
    "killed and replaced (with --workers)",
    "log_format": "access log format: common (Common Log Format) or json",
    "log_config": "logging configuration file: .json, .yaml (PyYAML) or .ini",
    "metrics_path": "serve Prometheus metrics at this path, e.g. /metrics (off by default)",
    "ws_max_size": "largest WebSocket message a client may send, in bytes (larger: 1009)",
    "ws_max_queue": "WebSocket messages received and not yet read by the app before the "
    "server stops reading the socket",
    "ws_write_limit": "WebSocket payload bytes sent in one turn of the loop before they are "
    "written out (with --write-buffer-high, bounds a client that never reads)",
    "ws_ping_interval": "seconds between WebSocket keep-alive pings; 0 sends none",
    "ws_ping_timeout": "seconds a WebSocket pong may take (then closed with 1011); 0 waits forever",
    "ws_per_message_deflate": "offer WebSocket compression (permessage-deflate)",
}
_GROUPS = (
    ("listening", ("host", "port", "uds", "backlog")),
    ("TLS", ("ssl_",)),
    ("behind a proxy", ("proxy_headers", "forwarded_allow_ips", "root_path")),
    (
        "processes",
        (
            "workers",
            "reload",
            "reload_dirs",
            "timeout_graceful",
            "env_file",
            "limit_max_requests",
            "timeout_worker_healthcheck",
        ),
    ),
    ("logging and metrics", ("access_log", "log_", "metrics_path")),
    ("response headers", ("server_header", "date_header")),
    ("limits", ("limit_", "write_buffer_high")),
    ("timeouts", ("timeout_",)),
    ("websockets", ("ws_",)),
)


def _terminal_width() -> int:
    try:
        return max(os.get_terminal_size().columns - 2, 40)
    except OSError:
        return int(os.environ.get("COLUMNS", "100")) - 2


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter, told the width so that it does not import shutil for it.

    PERF: argparse builds a formatter on every add_argument; without a width it imports
    shutil (and with it bz2, lzma, zlib): +0.4 MiB RSS in every worker.
    """

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24) -> None:
        super().__init__(prog, indent_increment, max_help_position, width=_terminal_width())


class _DefaultsHelp(_Formatter):
    """Each option's help followed by its default, when it has one worth printing."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.option_strings and action.default not in (None, (), False, argparse.SUPPRESS):
            text += " (default: %(default)s)"
        return text


class AppImportError(ServerStartupError):
    """``module:app`` does not name an importable fastcore app; the message says which part."""


def build_parser() -> argparse.ArgumentParser:
    """The ``fastcore`` parser; ``allow_abbrev`` is off so the reloader can filter its flags."""
    parser = argparse.ArgumentParser(
        prog="fastcore",
        description="Run a fastcore app with fastcore's own HTTP/1.1 server.",
        formatter_class=_Formatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="serve the app (production settings)",
        description="Serve the app until SIGINT or SIGTERM.",
        allow_abbrev=False,
        formatter_class=_DefaultsHelp,
    )
    _add_serve_arguments(run)
    dev = commands.add_parser(
        "dev",
        help="serve the app for development: reload, 127.0.0.1, debug logs, access log",
        description="fastcore run with --reload, --host 127.0.0.1, --log-level debug and "
        "--access-log as defaults (each can still be changed).",
        allow_abbrev=False,
        formatter_class=_DefaultsHelp,
    )
    _add_serve_arguments(dev)
    dev.set_defaults(reload=True, host="127.0.0.1", log_level="debug", access_log=True)
    return parser


def _add_serve_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "app",
        nargs="?",
        metavar="MODULE:APP | PATH",
        help="e.g. main:app, pkg.api:create_app, src/main.py or a module name; "
        f"without it, the first of {', '.join(DEFAULT_FILES)} found in --app-dir",
    )
    command.add_argument(
        "--app", dest="app_name", metavar="NAME", help="the app's attribute in the module"
    )
    command.add_argument(
        "--app-dir", default=".", metavar="DIR", help="directory put first on sys.path for imports"
    )
    command.add_argument(
        "--factory", action="store_true", help="APP is a function returning the app"
    )
    command.add_argument(
        "--as-fastapi",
        action="store_true",
        help="serve `import fastapi` from fastcore (fastcore.alias): an unchanged FastAPI app",
    )
    command.add_argument(
        "--fd", type=int, metavar="FD", help="serve on this inherited listening socket (systemd)"
    )
    groups = {name: command.add_argument_group(name) for name, _ in _GROUPS}
    for field in dataclasses.fields(ServerConfig):
        group = next(groups[g] for g, names in _GROUPS if field.name.startswith(names))
        _add_field(group, field)


def _add_field(group: argparse._ArgumentGroup, field: dataclasses.Field[Any]) -> None:
    flag = "--" + field.name.replace("_", "-")
    default = field.default
    options: dict[str, Any] = {"dest": field.name, "help": _HELP[field.name], "default": default}
    if field.name == "reload_dirs":
        options["default"] = None  # NOTE: append needs a list or None, not the tuple default
        group.add_argument("--reload-dir", action="append", metavar="DIR", **options)
    elif field.name == "log_level":
        group.add_argument(flag, choices=LOG_LEVELS, type=str.lower, **options)
    elif field.name == "log_format":
        group.add_argument(flag, choices=("common", "json"), type=str.lower, **options)
    elif field.name == "ssl_cert_reqs":
        group.add_argument(flag, type=int, choices=(0, 1, 2), **options)
    elif field.name == "limit_max_requests":
        group.add_argument(flag, type=int, metavar="N", **options)
    elif isinstance(default, bool):
        group.add_argument(flag, action=argparse.BooleanOptionalAction, **options)
    elif isinstance(default, (int, float)):
        metavar = "SECONDS" if isinstance(default, float) else "N"
        group.add_argument(flag, type=type(default), metavar=metavar, **options)
    else:  # str or None
        metavar = "PATH" if field.name.endswith(("file", "_certs", "_config", "_path")) else "TEXT"
        metavar = {"host": "HOST", "uds": "PATH", "forwarded_allow_ips": "IPS"}.get(
            field.name, metavar
        )
        group.add_argument(flag, metavar=metavar, **options)


def config_from_args(args: argparse.Namespace) -> ServerConfig:
    """The ServerConfig for parsed ``run`` arguments; ValueError when a value is out of range."""
    values = {f.name: getattr(args, f.name) for f in dataclasses.fields(ServerConfig)}
    values["reload_dirs"] = tuple(values["reload_dirs"] or ())
    return ServerConfig(**values)


def main(argv: Sequence[str] | None = None) -> int:
    """The console script: 0 after a clean stop, 1 when the server could not start."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    # PERF: the parser (its ~50 actions and formatters, ~60 KiB) is garbage before the app is
    # imported, so the app reuses that memory; held by this frame, it stayed for the worker's
    # lifetime.
    try:
        config = config_from_args(args)
    except ValueError as exc:
        return _usage_error(str(exc).replace("ServerConfig.", "--").replace("_", "-"))
    if config.reload and config.workers > 1:
        return _usage_error("--reload and --workers cannot be combined: reload runs one server")
    sys.path.insert(0, os.path.abspath(args.app_dir))
    try:
        configure_logging(config)
        load_env_file(config.env_file)
        if config.reload and args.fd is None:
            return _reload(config, argv)
        app = _find_app(args, config)
        inherited = socket_from_fd(args.fd) if args.fd is not None else None
    except ServerStartupError as exc:
        print(f"fastcore: error: {exc}", file=sys.stderr, flush=True)
        return 1
    return serve_app(app, config, inherited)


def _find_app(args: argparse.Namespace, config: ServerConfig) -> Any:
    """The app the command line names, or the one discovered (``discover.py``)."""
    if args.factory and (args.app is None or ":" not in args.app):
        raise AppImportError("--factory needs MODULE:FUNCTION, e.g. main:create_app")
    spec, note = discover(args.app, args.app_name, args.app_dir)
    if note and args.fd is None:
        from fastcore.server.supervisor import say

        say(config, note)
    if args.as_fastapi:
        _install_fastapi_alias()
    return import_app(spec, factory=args.factory)


def load_env_file(path: str | None) -> None:
    """``--env-file``: its variables into ``os.environ`` (those already set are kept)."""
    if not path:
        return
    if not os.path.isfile(path):
        raise ServerStartupError(f"cannot read {path} (--env-file): no such file")
    try:
        from dotenv import load_dotenv
    except ImportError:
        raise ServerStartupError(
            "--env-file needs python-dotenv: pip install python-dotenv"
        ) from None
    load_dotenv(path, override=False)


def _install_fastapi_alias() -> None:
    """``--as-fastapi``: ``import fastapi`` is served by fastcore before the app is imported."""
    from fastcore.alias import install

    try:
        install()
    except ImportError as exc:
        raise AppImportError(str(exc)) from exc


def _reload(config: ServerConfig, argv: list[str]) -> int:
    """The reloader parent: binds, never imports the app (each child does, afresh)."""
    from fastcore.server.reload import child_arguments, run_reloader

    try:
        with bind_socket(config) as sock:
            return run_reloader(config, sock, child_arguments(argv))
    finally:
        if config.uds:
            _unlink(config.uds)


def _usage_error(message: str) -> int:
    print("usage: fastcore run [options] [MODULE:APP | PATH]", file=sys.stderr)
    print(f"fastcore run: error: {message}", file=sys.stderr)
    return 2


def import_app(spec: str, *, factory: bool = False) -> Any:
    """The app named by ``module:attribute`` (attribute may be dotted), or AppImportError."""
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise AppImportError(f"expected MODULE:APP such as main:app, got {spec!r}")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is None or not module_name.startswith(exc.name):
            raise  # the module exists and itself imports something missing: show the traceback
        raise AppImportError(
            f"cannot import {module_name!r}: no module named {exc.name!r} "
            f"(looked in {sys.path[0]} and the installed packages; see --app-dir)"
        ) from None
    app: Any = module
    for part in attr.split("."):
        try:
            app = getattr(app, part)
        except AttributeError:
            raise AppImportError(f"module {module_name!r} has no attribute {attr!r}") from None
    if factory:
        if not callable(app):
            raise AppImportError(f"--factory given but {spec} is not callable")
        app = app()
    return _check_app(app, spec, factory)


def _check_app(app: Any, spec: str, factory: bool) -> Any:
    if is_app(app):
        return app
    hint = ""
    if inspect.isfunction(app) and not factory:
        hint = "; if it is a function returning the app, add --factory"
    what = "--factory returned" if factory else f"{spec} is"
    raise AppImportError(
        f"{what} a {type(app).__name__!r} object, not a FastCore app{hint}. "
        "Other ASGI apps run under uvicorn, granian or hypercorn."
    )


def serve_app(app: Any, config: ServerConfig, sock: socket.socket | None = None) -> int:
    """Serve an imported app: one server in this process, or a supervisor and its workers.

    Shared by the CLI and ``app.run()``. The app is frozen here, before any socket or fork, so a
    mistake in a handler's signature is one message, not one per worker.
    """
    try:
        app.freeze()
    except FastCoreError as exc:
        print(f"fastcore: error: {exc}", file=sys.stderr, flush=True)
        return 1
    _warn_if_pure()
    bound_here, parent = sock is None, os.getpid()
    try:
        configure_logging(config)
        ssl_context(config)  # NOTE: a wrong certificate path is one message, before any fork
        if sock is None:
            sock = bind_socket(config)
    except ServerStartupError as exc:
        print(f"fastcore: error: {exc}", file=sys.stderr, flush=True)
        return 1
    try:
        # NOTE: --limit-max-requests needs someone to start the next worker, even with one
        if config.workers > 1 or config.limit_max_requests:
            from fastcore.server.supervisor import Supervisor

            return Supervisor(app, config, sock).run()
        from fastcore.server.server import Server

        code: int = Server(app, config).run([sock])
        return code
    except ServerStartupError as exc:
        print(f"fastcore: error: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        sock.close()
        if bound_here and config.uds and os.getpid() == parent:
            _unlink(config.uds)


def _warn_if_pure() -> None:
    """Say so when the compiled extensions were expected (not turned off) but do not load."""
    if os.environ.get("FASTCORE_NO_EXTENSIONS") == "1":
        return
    try:
        importlib.import_module("fastcore.server.http._protocol_c")
    except ImportError as exc:
        print(
            f"fastcore: warning: the compiled extensions did not load ({exc}); running the "
            "pure-Python build, 2-4x slower per request. Install a fastcore wheel for this "
            "platform, or build with a C compiler (pip install --no-binary fastcore fastcore); "
            "FASTCORE_NO_EXTENSIONS=1 silences this.",
            file=sys.stderr,
            flush=True,
        )


def _unlink(path: str) -> None:
    """Remove the Unix socket file we created, as uvicorn does, so the next run starts clean."""
    try:
        os.unlink(path)
    except OSError:
        pass
