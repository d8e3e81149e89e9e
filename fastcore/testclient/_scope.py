"""The ASGI scope the test client builds from an ``httpx.Request``, as Starlette's client does.

Both HTTP and WebSocket requests start here: httpx has already merged the client's base URL,
headers, cookies and auth into the request, so the scope only translates it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

__all__ = ["ASGI_VERSION", "ASGIApp", "Message", "ScopeMaker"]

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
ASGIApp = Callable[[dict[str, Any], Receive, Callable[[Message], Any]], Any]

ASGI_VERSION = {"version": "3.0", "spec_version": "2.4"}
_DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}
_HTTP_EXTENSIONS = ("http.response.debug", "http.response.trailers")


class ScopeMaker:
    """Scopes for one client: its ``root_path``, client address and lifespan state."""

    __slots__ = ("app_state", "client", "root_path")

    def __init__(self, root_path: str, client: tuple[str, int], app_state: dict[str, Any]) -> None:
        self.root_path = root_path
        self.client = client
        self.app_state = app_state

    def _common(self, request: httpx.Request, kind: str) -> dict[str, Any]:
        url = request.url
        scheme = url.scheme
        # NOTE: httpx always sends Host; lowercase names as a server gives them.
        headers = [(key.lower(), value) for key, value in request.headers.raw]
        return {
            "type": kind,
            "asgi": ASGI_VERSION,
            "http_version": "1.1",
            "scheme": scheme,
            # NOTE: httpx's ``path`` is percent-decoded once, as a server decodes it;
            # Starlette's client decodes it a second time ("%2520" arrives as " ").
            "path": url.path,
            "raw_path": url.raw_path.split(b"?", 1)[0],
            "query_string": url.query,
            "root_path": self.root_path,
            "headers": headers,
            "client": self.client,
            "server": (url.raw_host.decode("ascii"), url.port or _DEFAULT_PORTS[scheme]),
            "state": self.app_state.copy(),
        }

    def http(self, request: httpx.Request) -> dict[str, Any]:
        scope = self._common(request, "http")
        scope["method"] = request.method
        scope["extensions"] = {name: {} for name in _HTTP_EXTENSIONS}
        return scope

    def websocket(self, request: httpx.Request) -> dict[str, Any]:
        scope = self._common(request, "websocket")
        offered = request.headers.get("sec-websocket-protocol")
        scope["subprotocols"] = [] if offered is None else [p.strip() for p in offered.split(",")]
        scope["extensions"] = {"websocket.http.response": {}}
        return scope
