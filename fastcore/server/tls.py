"""``--ssl-certfile`` and friends: the TLS context the listening sockets are served with.

The flags are uvicorn's (same names, same meanings), so a deployment moves over unchanged.
The event loop does the TLS itself (``create_server(ssl=...)``); the protocol sees plain
bytes. ALPN offers ``http/1.1`` only: this server does not speak HTTP/2, and a client that
asks for h2 must be told so during the handshake rather than after it.
"""

from __future__ import annotations

import os
import ssl

from fastcore.server.config import ServerConfig
from fastcore.server.sockets import ServerStartupError

__all__ = ["CERT_REQS", "ssl_context"]

#: ``--ssl-cert-reqs`` values, as uvicorn takes them: 0 none, 1 optional, 2 required.
CERT_REQS = (ssl.CERT_NONE, ssl.CERT_OPTIONAL, ssl.CERT_REQUIRED)


def ssl_context(config: ServerConfig) -> ssl.SSLContext | None:
    """The server-side context for ``config``, None without a certificate.

    Raises ServerStartupError naming the file and the flag when something cannot be loaded,
    so that a wrong path is one line at start-up, not a traceback per worker.
    """
    if not config.ssl_certfile:
        if config.ssl_keyfile or config.ssl_ca_certs:
            raise ServerStartupError("--ssl-keyfile and --ssl-ca-certs need --ssl-certfile")
        return None
    for flag, path in (
        ("--ssl-certfile", config.ssl_certfile),
        ("--ssl-keyfile", config.ssl_keyfile),
        ("--ssl-ca-certs", config.ssl_ca_certs),
    ):
        if path and not os.path.isfile(path):
            raise ServerStartupError(f"cannot read {path} ({flag}): no such file")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(
            config.ssl_certfile, config.ssl_keyfile, password=config.ssl_keyfile_password
        )
    except (OSError, ssl.SSLError) as exc:
        what = config.ssl_certfile + (f" and {config.ssl_keyfile}" if config.ssl_keyfile else "")
        reason = getattr(exc, "reason", None) or exc
        raise ServerStartupError(
            f"cannot load the TLS certificate from {what}: {reason}; is the key's "
            "password right (--ssl-keyfile-password) and the key the certificate's?"
        ) from None
    context.verify_mode = CERT_REQS[config.ssl_cert_reqs]
    if config.ssl_ca_certs:
        try:
            context.load_verify_locations(config.ssl_ca_certs)
        except (OSError, ssl.SSLError) as exc:
            raise ServerStartupError(
                f"cannot load --ssl-ca-certs {config.ssl_ca_certs}: {exc}"
            ) from None
    try:
        context.set_ciphers(config.ssl_ciphers)
    except ssl.SSLError:
        raise ServerStartupError(
            f"--ssl-ciphers {config.ssl_ciphers!r} selects no cipher OpenSSL knows"
        ) from None
    context.set_alpn_protocols(["http/1.1"])
    return context
