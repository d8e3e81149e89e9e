"""``fastapi.requests``: Starlette's ``Request`` and ``HTTPConnection``.

A handler or dependency parameter typed with either (or a subclass) gets the request;
fastcore builds it only for routes that ask for one.
"""

from __future__ import annotations

from starlette.requests import ClientDisconnect, HTTPConnection, Request

__all__ = ["ClientDisconnect", "HTTPConnection", "Request"]
