"""``HTTPSRedirectMiddleware``: send plain ``http``/``ws`` requests to ``https``/``wss``.

For deployments where TLS ends at this process (or where the proxy forwards the scheme):
every insecure request gets a 307, which keeps the method and body, to the same URL on the
secure scheme. Behaviour follows Starlette's class of the same name.
"""

from __future__ import annotations

from fastcore.middleware.trustedhost import (
    ASGIApp,
    Receive,
    Scope,
    Send,
    port_number,
    request_netloc,
    request_target,
    respond,
)
from fastcore.responses import PlainTextResponse, RedirectResponse, Response

__all__ = ["HTTPSRedirectMiddleware"]

_SECURE = {"http": "https", "ws": "wss"}
# NOTE: both defaults are dropped whatever the old scheme, as Starlette does: ':80' on an
# https URL would be a mistake, and ':443' is the new scheme's default.
_DEFAULT_PORTS = frozenset({80, 443})


class HTTPSRedirectMiddleware:
    """Answer insecure requests with a 307 to the ``https``/``wss`` URL; pass secure ones on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # NOTE: ASGI makes "scheme" optional, defaulting to http (Starlette needs it set).
        scheme = scope.get("scheme", "http")
        if scope["type"] not in ("http", "websocket") or scheme not in _SECURE:
            await self.app(scope, receive, send)
            return
        response: Response
        location = _secure_url(scope, _SECURE[scheme])
        if location is None:
            response = PlainTextResponse("Invalid host header", status_code=400)
        else:
            response = RedirectResponse(location, status_code=307)
        await respond(response, scope, receive, send)


def _secure_url(scope: Scope, scheme: str) -> str | None:
    """The request's URL on ``scheme``; ``None`` when no host is known to redirect to."""
    netloc = request_netloc(scope)
    if netloc is None:
        return None
    host, port = netloc
    if not port:
        where = host
    elif port_number(port) in _DEFAULT_PORTS:
        # NOTE: Starlette keeps the URL's hostname here, which urlsplit lower-cases.
        where = host.lower()
    else:
        where = f"{host}:{port}"
    return f"{scheme}://{where}{request_target(scope)}"
