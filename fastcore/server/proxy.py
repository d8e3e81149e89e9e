"""``--root-path`` and ``--proxy-headers``: the scope as the client saw the request, behind a proxy.

A reverse proxy (nginx, a cloud load balancer) connects from its own address, often over plain
HTTP, and may strip a path prefix. It tells the server what the client used in headers:
``X-Forwarded-For``/``-Proto``/``-Host`` or RFC 7239's ``Forwarded``. Those headers are believed
only when the connection comes from a listed peer (``--forwarded-allow-ips``, 127.0.0.1 by
default, as uvicorn): anyone else could send them to lie about their address.

NOTE: this runs only where a scope is built (``RequestCycle.scope()`` calls ``scope_hook``): the
ASGI path, and a handler that asks for a Request. The direct lane's JSON path never builds a
scope, so with the feature on or off it costs nothing there; with both off the hook is None.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from typing import Any

from fastcore.server.config import ServerConfig

__all__ = [
    "ProxyHeaders",
    "TrustedPeers",
    "parse_forwarded",
    "parse_node",
    "proxy_headers",
    "scope_hook",
]

_Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_HEADERS = frozenset({b"forwarded", b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host"})
#: Scheme names a proxy may forward, per scope type (a WebSocket behind TLS is wss).
_SCHEMES = {
    "http": {"http": "http", "https": "https", "ws": "http", "wss": "https"},
    "websocket": {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"},
}
# One RFC 7239 pair (token=token / quoted-string) and what follows it (";", "," or the end).
_PAIR = re.compile(
    r'\s*([!#$%&\'*+.^_`|~0-9A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;,\s]*)\s*([;,]?)'
)
_HOST = re.compile(r"[A-Za-z0-9.:\[\]_-]+")
_CACHE_SIZE = 1024


class TrustedPeers:
    """The peers whose forwarding headers are believed: addresses, networks, or ``*``."""

    def __init__(self, spec: str | Iterable[str]) -> None:
        items = [s.strip() for s in (spec.split(",") if isinstance(spec, str) else spec)]
        items = [s for s in items if s]
        self.everyone = "*" in items
        self.addresses: set[_Address] = set()
        self.networks: list[_Network] = []
        self.literals: set[str] = set()
        for item in items:
            try:
                if "/" in item:
                    self.networks.append(ipaddress.ip_network(item, strict=False))
                else:
                    self.addresses.add(ipaddress.ip_address(item))
            except ValueError:
                self.literals.add(item)  # NOTE: not an IP (a Unix socket name): compared as text
        self._known: dict[str, bool] = {}

    def __contains__(self, host: object) -> bool:
        if self.everyone:
            return True
        if not isinstance(host, str) or not host:
            return False
        known = self._known.get(host)
        if known is None:
            known = self._decide(host)
            if len(self._known) >= _CACHE_SIZE:
                self._known.clear()
            self._known[host] = known
        return known

    def _decide(self, host: str) -> bool:
        if host in self.literals:
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return address in self.addresses or any(address in net for net in self.networks)


def parse_node(value: str) -> tuple[str, int]:
    """A forwarded node (``1.2.3.4``, ``1.2.3.4:80``, ``[::1]:80``, ``unknown``): host and port.

    The port is 0 when none is given or it is not a number (RFC 7239 allows obfuscated ones).
    """
    value = value.strip()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return value, 0
        host, rest = value[1:end], value[end + 1 :]
        port = rest[1:] if rest.startswith(":") else ""
        return host, int(port) if port.isdigit() else 0
    if value.count(":") == 1:
        host, port = value.split(":")
        return host, int(port) if port.isdigit() else 0
    return value, 0


def parse_forwarded(value: str) -> list[dict[str, str]]:
    """RFC 7239 ``Forwarded``: one dict of lower-cased parameter names per element, in order.

    A malformed header yields the elements parsed before the fault (none if the first is bad).
    """
    elements: list[dict[str, str]] = []
    current: dict[str, str] = {}
    pos = 0
    while pos < len(value):
        match = _PAIR.match(value, pos)
        if match is None or match.end() == pos:
            break
        name, raw, sep = match.groups()
        if raw.startswith('"'):
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        current[name.lower()] = raw
        pos = match.end()
        if sep != ";":
            elements.append(current)
            current = {}
    return elements


def _pick(hops: list[str], trusted: TrustedPeers) -> int:
    """The index of the client: the nearest hop that is not a trusted proxy (uvicorn's rule)."""
    for index in range(len(hops) - 1, -1, -1):
        if parse_node(hops[index])[0] not in trusted:
            return index
    return 0


def _split(values: list[bytes]) -> list[str]:
    return [item.strip() for v in values for item in v.decode("latin-1").split(",") if item.strip()]


class ProxyHeaders:
    """Applies trusted forwarding headers to a scope: client, scheme and Host."""

    def __init__(self, trusted: TrustedPeers) -> None:
        self.trusted = trusted

    def forwarded(
        self, client: tuple[str, int] | None, headers: list[tuple[bytes, bytes]]
    ) -> tuple[tuple[str, int] | None, str | None, str | None]:
        """(client, scheme, host) from the headers, or Nones where nothing trusted says so."""
        if client is None and not self.trusted.everyone:
            return None, None, None
        found: dict[bytes, list[bytes]] = {}
        for name, value in headers:
            if name in _HEADERS:
                found.setdefault(name, []).append(value)
        if not found or (client is not None and client[0] not in self.trusted):
            return None, None, None
        if b"forwarded" in found:
            elements = parse_forwarded(b",".join(found[b"forwarded"]).decode("latin-1"))
            if elements:
                return self._from_elements(elements)
        hops = _split(found.get(b"x-forwarded-for", []))
        index = _pick(hops, self.trusted) if hops else -1
        node = parse_node(hops[index]) if hops else None
        return (
            node if node and node[0] else None,
            _aligned(_split(found.get(b"x-forwarded-proto", [])), index, len(hops)),
            _aligned(_split(found.get(b"x-forwarded-host", [])), index, len(hops)),
        )

    def _from_elements(
        self, elements: list[dict[str, str]]
    ) -> tuple[tuple[str, int] | None, str | None, str | None]:
        hops = [element.get("for", "") for element in elements]
        element = elements[_pick(hops, self.trusted)]
        node = parse_node(element["for"]) if element.get("for") else None
        return node, element.get("proto"), element.get("host")

    def apply(self, scope: dict[str, Any]) -> None:
        client, scheme, host = self.forwarded(scope.get("client"), scope["headers"])
        if client is not None:
            scope["client"] = client
        if scheme is not None:
            scheme = _SCHEMES.get(scope["type"], _SCHEMES["http"]).get(scheme.lower())
            if scheme is not None:
                scope["scheme"] = scheme
        if host is not None and _HOST.fullmatch(host):
            encoded = host.encode("ascii")
            headers = [(k, v) for k, v in scope["headers"] if k != b"host"]
            scope["headers"] = [(b"host", encoded), *headers]


def _aligned(values: list[str], index: int, hops: int) -> str | None:
    """The value for the chosen hop when each proxy added one, else the nearest proxy's."""
    if not values:
        return None
    return values[index] if len(values) == hops and index >= 0 else values[-1]


def proxy_headers(config: ServerConfig) -> ProxyHeaders | None:
    """The trusted-header reader for ``config``, None with ``--no-proxy-headers``."""
    if not config.proxy_headers:
        return None
    return ProxyHeaders(TrustedPeers(config.forwarded_allow_ips))


def scope_hook(config: ServerConfig, app_root: str = "") -> Callable[[dict[str, Any]], None] | None:
    """What ``RequestCycle.scope()`` calls after building a scope; None when nothing is on.

    ``--root-path`` is the server's (uvicorn's meaning: ``path`` includes it); ``app_root`` is
    ``FastCore(root_path=...)``, which only sets the scope's ``root_path``, as FastAPI's
    ``__call__`` does (the direct lane does not go through ``__call__``, so it is done here).
    """
    root = config.root_path.rstrip("/")
    proxy = proxy_headers(config)
    if not root and not app_root and proxy is None:
        return None
    raw_root = root.encode("utf-8")

    def hook(scope: dict[str, Any]) -> None:
        if root:
            scope["path"] = root + scope["path"]
            scope["raw_path"] = raw_root + scope["raw_path"]
        if app_root or root:
            scope["root_path"] = app_root or root
        if proxy is not None:
            proxy.apply(scope)

    return hook
