"""Listening sockets: bound once, with clear errors when the address cannot be had."""

from __future__ import annotations

import os
import socket
import stat

from fastcore.server.config import ServerConfig

__all__ = ["ServerStartupError", "bind_socket", "describe", "socket_from_fd"]


class ServerStartupError(Exception):
    """The server cannot start (address in use, bad app path); the message says what to do."""


def bind_socket(config: ServerConfig, reuse_port: bool = False) -> socket.socket:
    """A listening, non-blocking socket for ``config`` (TCP host/port or a Unix socket)."""
    if config.uds:
        return _bind_unix(config)
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((config.host, config.port))
    except OSError as exc:
        sock.close()
        raise ServerStartupError(
            f"cannot listen on {config.host}:{config.port}: {exc.strerror}. "
            "Is another server running there? Pick another port with --port."
        ) from exc
    sock.listen(config.backlog)
    sock.setblocking(False)
    return sock


def _bind_unix(config: ServerConfig) -> socket.socket:
    path = config.uds
    assert path is not None
    if os.path.exists(path) and stat.S_ISSOCK(os.stat(path).st_mode):
        os.unlink(path)  # NOTE: a stale socket from a previous run, as uvicorn does
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(path)
    except OSError as exc:
        sock.close()
        raise ServerStartupError(f"cannot listen on unix socket {path}: {exc.strerror}") from exc
    sock.listen(config.backlog)
    sock.setblocking(False)
    return sock


def socket_from_fd(fd: int) -> socket.socket:
    """The listening socket behind an inherited file descriptor (``--fd``).

    Used by the reloader, which binds once and hands the same socket to each new child so
    the port never changes and never refuses a connection between restarts, and usable with
    systemd socket activation or any process manager that binds for us.
    """
    try:
        sock = socket.socket(fileno=fd)
    except OSError as exc:
        raise ServerStartupError(f"file descriptor {fd} is not a socket: {exc.strerror}") from exc
    if sock.type != socket.SOCK_STREAM:
        sock.detach()
        raise ServerStartupError(f"file descriptor {fd} is not a stream socket")
    sock.setblocking(False)
    return sock


def describe(sock: socket.socket, tls: bool = False) -> str:
    """The URL a person would open for this socket."""
    name = sock.getsockname()
    if sock.family == socket.AF_UNIX:
        return f"unix:{name}"
    host, port = name[0], name[1]
    if ":" in host:
        host = f"[{host}]"
    return f"{'https' if tls else 'http'}://{host}:{port}"
