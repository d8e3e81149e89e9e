"""``TrustedHostMiddleware``: refuse requests whose ``Host`` header names a host we do not serve.

An app that builds absolute URLs (redirects, password-reset links, ``url_for``) from the
``Host`` header can be steered to another site by a forged header; checking it once, before
any route runs, closes that hole. Behaviour follows Starlette's class of the same name.

The host grammar helpers here are shared with ``HTTPSRedirectMiddleware``, which needs the
same idea of "a well-formed Host header" to build its redirect.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

from fastcore.responses import PlainTextResponse, RedirectResponse, Response

__all__ = ["ENFORCE_DOMAIN_WILDCARD", "TrustedHostMiddleware"]

Scope = MutableMapping[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ENFORCE_DOMAIN_WILDCARD = "Domain wildcard patterns must be like '*.example.com'."

# NOTE: RFC 3986 reg-name characters (unreserved, sub-delims, '%'): anything else, such as
# '/', '@', whitespace or non-ASCII, makes the header malformed rather than merely unknown.
_REG_NAME = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=%]+").fullmatch
_IP_FUTURE = re.compile(r"v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+").fullmatch
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_MAX_PORT = 65535


def _valid_ip_literal(inner: str) -> bool:
    """Whether the text between ``[`` and ``]`` is an IPv6 address or an RFC 3986 IPvFuture."""
    if _IP_FUTURE(inner):
        return True
    # SECURITY: ipaddress accepts a '%zone' suffix; a Host header may not carry one.
    if "%" in inner:
        return False
    try:
        ipaddress.IPv6Address(inner)
    except ValueError:
        return False
    return True


def split_host(value: str) -> tuple[str, str] | None:
    """``(host, port digits)`` of a Host header value, or ``None`` when it is malformed.

    The port is returned as its digit string ('' when absent) so that each caller decides
    what range it accepts: the host check takes any digits, URL building only real ports.
    """
    if value.startswith("["):
        end = value.find("]")
        if end < 0 or not _valid_ip_literal(value[1:end]):
            return None
        host, rest = value[: end + 1], value[end + 1 :]
    else:
        host, _, port = value.partition(":")
        if not _REG_NAME(host):
            return None
        rest = value[len(host) :]
    if not rest:
        return host, ""
    port = rest[1:]
    if rest[0] != ":" or not (port.isascii() and port.isdigit()):
        return None
    return host, port


def host_header(scope: Scope) -> str | None:
    """The first ``Host`` header, latin-1 decoded; ``None`` when the request has none."""
    for key, value in scope.get("headers", ()):
        if key == b"host":
            return bytes(value).decode("latin-1")
    return None


def port_number(digits: str) -> int | None:
    """The port a Host header's digits name, or ``None`` outside 0-65535."""
    # SECURITY: int() of thousands of digits raises (and is slow); no real port needs six.
    significant = digits.lstrip("0")
    if len(significant) > 5:
        return None
    number = int(significant or "0")
    return number if number <= _MAX_PORT else None


def request_netloc(scope: Scope) -> tuple[str, str] | None:
    """``(host, port digits)`` the client addressed: a well-formed Host header, else the server.

    A Host header with a bad shape or an out-of-range port is ignored, as Starlette's URL
    ignores it, so a redirect never echoes a malformed host back to the client.
    """
    header = host_header(scope)
    parts = split_host(header) if header else None
    if parts is not None and (not parts[1] or port_number(parts[1]) is not None):
        return parts
    server = scope.get("server")
    if not server:
        return None
    name, number = server[0], server[1]
    if ":" in name and not name.startswith("["):
        name = f"[{name}]"
    if number is None or number == _DEFAULT_PORTS.get(scope.get("scheme", "http")):
        return name, ""
    return name, str(number)


def request_target(scope: Scope) -> str:
    """Path and query of the request as they go into a URL."""
    # SECURITY: a decoded path can hold '?', '#' or '\'; escaped, they stay part of the path.
    path = scope["path"].replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    return f"{path}?{query}" if query else path


async def respond(response: Response, scope: Scope, receive: Receive, send: Send) -> None:
    """Send ``response``; on a WebSocket it goes out as a denial response, as Starlette does."""
    if scope["type"] != "websocket":
        await response(scope, receive, send)
        return

    async def send_denial(message: Message) -> None:
        await send({**message, "type": "websocket." + message["type"]})

    await response(scope, receive, send_denial)


def _valid_pattern(pattern: str) -> bool:
    """A wildcard may only stand for the whole host or lead as ``*.``."""
    if "*" in pattern[1:]:
        return False
    return not pattern.startswith("*") or pattern == "*" or pattern.startswith("*.")


class TrustedHostMiddleware:
    """Answer 400 "Invalid host header" unless the Host header matches ``allowed_hosts``.

    Patterns are host names (no port), compared case-insensitively; ``*.example.com``
    matches every subdomain and ``*`` allows anything (the middleware then does nothing).
    With ``www_redirect``, a request for ``example.com`` when only ``www.example.com`` is
    allowed is redirected there instead of refused.
    """

    def __init__(
        self, app: ASGIApp, allowed_hosts: Sequence[str] | None = None, www_redirect: bool = True
    ) -> None:
        if allowed_hosts is None:
            allowed_hosts = ["*"]
        for pattern in allowed_hosts:
            # NOTE: a configuration mistake; it must stop the app from starting.
            if not _valid_pattern(pattern):
                raise AssertionError(ENFORCE_DOMAIN_WILDCARD)
        self.app = app
        self.allowed_hosts = list(allowed_hosts)
        self.allow_any = "*" in allowed_hosts
        self.www_redirect = www_redirect
        patterns = [p.lower() for p in allowed_hosts]
        self._exact = frozenset(p for p in patterns if not p.startswith("*"))
        self._suffixes = tuple(p[1:] for p in patterns if p.startswith("*."))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.allow_any or scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        header = host_header(scope)
        parts = split_host(header) if header else None
        host = parts[0].lower() if parts is not None else ""
        if host and (host in self._exact or host.endswith(self._suffixes)):
            await self.app(scope, receive, send)
            return
        response: Response
        if host and self.www_redirect and "www." + host in self._exact:
            response = RedirectResponse(self._www_url(scope))
        else:
            response = PlainTextResponse("Invalid host header", status_code=400)
        await respond(response, scope, receive, send)

    @staticmethod
    def _www_url(scope: Scope) -> str:
        netloc = request_netloc(scope)
        assert netloc is not None  # the Host header was well formed
        host, port = netloc
        where = f"www.{host}:{port}" if port else f"www.{host}"
        return f"{scope.get('scheme', 'http')}://{where}{request_target(scope)}"
