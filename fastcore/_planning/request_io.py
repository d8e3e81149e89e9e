"""Reading a request's cookies and body without building a Starlette ``Request``.

PERF: ``starlette.requests`` costs ~3 MiB of RSS per worker (it pulls in the form parser,
tempfile and more); routes that only read a cookie or a JSON body never need it, so the
plans read these straight from the raw header list and the receive channel.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ASGIScope", "client_disconnect", "parse_cookies", "read_body"]


class ASGIScope(dict[str, Any]):
    """Annotates a private parameter that receives the request's ASGI scope, no Request built.

    The docs routes need only ``root_path``; asking for a Starlette ``Request`` would load
    ``starlette.requests`` into every worker at start-up.
    """


def parse_cookies(header: str) -> dict[str, str]:
    """Cookie header -> dict, by Starlette's rules (``cookie_parser``): the last one wins."""
    out: dict[str, str] = {}
    for chunk in header.split(";"):
        key, sep, value = chunk.partition("=")
        if not sep:
            key, value = "", key
        key, value = key.strip(), value.strip()
        if key or value:
            out[key] = _unquote(value) if len(value) > 1 and value[0] == value[-1] == '"' else value
    return out


def _unquote(value: str) -> str:
    # PERF: http.cookies (and its regexes) is imported only for a quoted value; an unquoted
    # one is returned as is, which is what http.cookies._unquote does with it.
    from http.cookies import _unquote as unquote  # type: ignore[attr-defined]

    result: str = unquote(value)
    return result


def client_disconnect() -> Exception:
    """Starlette's ClientDisconnect, what ``request.body()`` raises when the client leaves."""
    from starlette.requests import ClientDisconnect

    return ClientDisconnect()


async def read_body(receive: Any) -> bytes:
    """The whole request body from an ASGI receive channel."""
    message = await receive()
    body: bytes = message.get("body", b"")
    if not message.get("more_body", False):
        if message["type"] == "http.disconnect":
            raise client_disconnect()
        return body
    chunks = [body]
    while message.get("more_body", False):
        message = await receive()
        if message["type"] == "http.disconnect":
            raise client_disconnect()
        chunks.append(message.get("body", b""))
    return b"".join(chunks)
