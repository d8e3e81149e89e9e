"""``TestClient``: drive any ASGI 3 app in memory with the httpx-style API FastAPI tests use.

Starlette's client goes through httpx and an anyio portal thread per request; here the app
runs on an event loop the client owns, in the calling thread, one ``run_until_complete`` per
request, so a request costs tens of microseconds of client overhead instead of hundreds. The
request a test builds (URL and query encoding, default headers, body encodings, cookies,
redirects) follows httpx, so the app sees the same scope it would under Starlette's client.

Known differences from ``starlette.testclient``: ``params`` merge into a query string already
in the URL (httpx < 0.28 behaviour; 0.28 drops the URL's query); an app that rejects the
``lifespan`` scope before receiving anything is taken as not supporting lifespan (as uvicorn
does) instead of failing ``with TestClient(app)``; cookies are keyed by name; errors are this
module's ``HTTPStatusError``/``TooManyRedirects``, not httpx's; no ``files=`` or WebSockets.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import re
import threading
from base64 import b64encode
from collections.abc import (
    Awaitable,
    Callable,
    Coroutine,
    Iterable,
    Mapping,
)
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit

from fastcore._client_response import HTTPStatusError, Response, _Request
from fastcore._cookiejar import Cookies, _parse_set_cookie, _Target
from fastcore.datastructures import URL, Headers, MutableHeaders

__all__ = ["Cookies", "HTTPStatusError", "Response", "TestClient", "TooManyRedirects"]

Message = dict[str, Any]
ASGIApp = Callable[
    [dict[str, Any], Callable[[], Awaitable[Message]], Callable[[Message], Any]], Any
]
HeaderSource = Mapping[str, str] | Iterable[tuple[str, str]] | None

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
# NOTE: httpx's percent-encode sets: printable ASCII minus these; '%' is kept, so existing
# escapes survive and a URL a test already encoded is sent as written.
_PATH_SAFE = "".join(chr(i) for i in range(0x21, 0x7F) if chr(i) not in '"#<>?`{}')
_QUERY_SAFE = "".join(chr(i) for i in range(0x21, 0x7F) if chr(i) not in '"#<>')
_PATH_CLEAN = re.compile(f"[{re.escape(_PATH_SAFE)}]*").fullmatch
_QUERY_CLEAN = re.compile(f"[{re.escape(_QUERY_SAFE)}]*").fullmatch
_MAX_REDIRECTS = 20
_SIZED = frozenset({b"content-length", b"transfer-encoding"})
_ASGI = {"version": "3.0", "spec_version": "2.4"}


class TooManyRedirects(Exception):
    """More than 20 redirects were followed for one request."""


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _primitive(value: Any) -> str:
    # NOTE: httpx's spelling of form and query values: JSON-style booleans, None as empty.
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)


def _encode_pairs(source: Any) -> list[tuple[str, str]]:
    items = source.items() if isinstance(source, Mapping) else source
    pairs: list[tuple[str, str]] = []
    for key, value in items:
        values = value if isinstance(value, list | tuple) else [value]
        pairs.extend((str(key), _primitive(v)) for v in values)
    return pairs


def _merge_query(query: str, params: Any) -> str:
    """``params`` override same-named keys of the URL's query; other keys are kept."""
    if isinstance(params, str | bytes):
        added = parse_qsl(_text(params), keep_blank_values=True)
    else:
        added = _encode_pairs(params)
    if not added:
        return query
    if not query:
        return urlencode(added)
    new = {k for k, _ in added}
    merged = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in new]
    return urlencode(merged + added)


def _split_target(url: str) -> _Target:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    port = parts.port or _DEFAULT_PORTS.get(scheme, 80)
    shown = f"[{host}]" if ":" in host else host
    netloc = shown if port == _DEFAULT_PORTS.get(scheme) else f"{shown}:{port}"
    path = parts.path or "/"
    if not _PATH_CLEAN(path):
        path = quote(path, safe=_PATH_SAFE)
    query = parts.query
    if query and not _QUERY_CLEAN(query):
        query = quote(query, safe=_QUERY_SAFE)
    return _Target(scheme, host, port, netloc, path.encode("ascii"), query.encode("ascii"))


def _header_pairs(headers: HeaderSource) -> list[tuple[bytes, bytes]]:
    if headers is None:
        return []
    items = headers.items() if isinstance(headers, Mapping) else headers
    return [(_text(k).lower().encode("latin-1"), _bytes(v)) for k, v in items]


def _bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("latin-1")


def _encode_body(
    content: Any, data: Any, json: Any
) -> tuple[list[tuple[bytes, bytes]], list[Message]]:
    """Request body as ASGI messages, plus the headers httpx would add for it."""
    if isinstance(data, str | bytes) and content is None:
        content, data = data, None
    if content is not None:
        if isinstance(content, str | bytes):
            body = content.encode("utf-8") if isinstance(content, str) else content
            return [(b"content-length", str(len(body)).encode())], [_chunk(body, False)]
        chunks = [_chunk(c.encode() if isinstance(c, str) else bytes(c), True) for c in content]
        chunks.append(_chunk(b"", False))
        return [(b"transfer-encoding", b"chunked")], chunks
    if data:
        body = urlencode(_encode_pairs(data)).encode("utf-8")
        kind = b"application/x-www-form-urlencoded"
    elif json is not None:
        text = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        body, kind = text.encode("utf-8"), b"application/json"
    else:
        return [], [_chunk(b"", False)]
    return [(b"content-length", str(len(body)).encode()), (b"content-type", kind)], [
        _chunk(body, False)
    ]


def _chunk(body: bytes, more: bool) -> Message:
    return {"type": "http.request", "body": body, "more_body": more}


class _Exchange:
    """One request/response on the ASGI channel: ``receive`` and ``send`` for the app."""

    __slots__ = ("body", "complete", "debug", "headers", "messages", "started", "status", "waiter")

    def __init__(self, messages: list[Message]) -> None:
        self.messages = messages
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.started = False
        self.complete = False
        self.waiter: asyncio.Future[None] | None = None
        self.debug: dict[str, Any] | None = None

    async def receive(self) -> Message:
        if self.messages:
            return self.messages.pop(0)
        # NOTE: like a real client, it disconnects only once the response is complete.
        if not self.complete:
            if self.waiter is None:
                self.waiter = asyncio.get_running_loop().create_future()
            await self.waiter
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.body":
            if not self.started:
                raise AssertionError('Received "http.response.body" without "http.response.start".')
            if self.complete:
                raise AssertionError('Received "http.response.body" after response completed.')
            body = message.get("body", b"")
            if body:
                self.body.append(bytes(body))
            if not message.get("more_body", False):
                self._finish()
        elif kind == "http.response.start":
            if self.started:
                raise AssertionError('Received multiple "http.response.start" messages.')
            self.started = True
            self.status = message["status"]
            self.headers = list(message.get("headers", ()))
        elif kind == "http.response.pathsend":
            with open(message["path"], "rb") as file:
                self.body.append(file.read())
            self._finish()
        elif kind == "http.response.debug":
            self.debug = message.get("info")

    def _finish(self) -> None:
        self.complete = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)


class _Lifespan:
    """The ASGI lifespan conversation, kept alive on the client's loop between requests."""

    def __init__(self, app: ASGIApp, state: dict[str, Any]) -> None:
        self.app = app
        self.state = state
        self.to_app: asyncio.Queue[Message] = asyncio.Queue()
        self.from_app: asyncio.Queue[Message | None] = asyncio.Queue()
        self.received = False
        self.task: asyncio.Task[None] | None = None

    async def _receive(self) -> Message:
        self.received = True
        return await self.to_app.get()

    async def _send(self, message: Message) -> None:
        self.from_app.put_nowait(message)

    async def _run(self) -> None:
        scope = {"type": "lifespan", "asgi": dict(_ASGI), "state": self.state}
        try:
            await self.app(scope, self._receive, self._send)
        finally:
            self.from_app.put_nowait(None)

    async def startup(self) -> None:
        self.task = asyncio.ensure_future(self._run())
        await self._exchange("startup")

    async def shutdown(self) -> None:
        if self.task is not None:
            await self._exchange("shutdown")

    async def _exchange(self, phase: str) -> None:
        assert self.task is not None
        self.to_app.put_nowait({"type": f"lifespan.{phase}"})
        message = await self.from_app.get()
        if message is None:
            error = await self._settle()
            if error is not None and (self.received or phase == "shutdown"):
                raise error
            # NOTE: it ended without answering: an app without lifespan support, as uvicorn
            # treats it; requests still run.
            self.task = None
            return
        if message["type"] == f"lifespan.{phase}.failed":
            error = await self._settle()
            raise error or RuntimeError(message.get("message") or f"Lifespan {phase} failed")
        if phase == "shutdown":
            await self._settle()

    async def _settle(self) -> BaseException | None:
        """Let the lifespan task finish (cancel it if it lingers) and give its exception."""
        task = self.task
        assert task is not None
        if not task.done():
            await asyncio.sleep(0)
        if not task.done():
            task.cancel()
        await asyncio.wait((task,))
        return None if task.cancelled() else task.exception()


class _Prepared(NamedTuple):
    method: str
    target: _Target
    headers: list[tuple[bytes, bytes]]
    body_headers: list[tuple[bytes, bytes]]
    messages: list[Message]
    extra_cookies: Any


async def _await(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


def _serve_forever(loop: asyncio.AbstractEventLoop) -> None:
    """Body of the client's thread when the caller already runs a loop of its own."""
    try:
        loop.run_forever()
    finally:
        loop.close()


async def _cancel_leftovers() -> None:
    """Cancel what the app left running (a lifespan never shut down, stray tasks)."""
    current = asyncio.current_task()
    tasks = [task for task in asyncio.all_tasks() if task is not current]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.get_running_loop().shutdown_asyncgens()


class TestClient:
    """Sends requests to an ASGI app in memory; ``with`` runs its lifespan around the block."""

    __test__ = False

    def __init__(
        self,
        app: ASGIApp,
        base_url: str = "http://testserver",
        raise_server_exceptions: bool = True,
        root_path: str = "",
        cookies: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        follow_redirects: bool = True,
        client: tuple[str, int] = ("testclient", 50000),
    ) -> None:
        self.app = app
        self.base_url = URL(base_url)
        base = _split_target(base_url)
        base_path = base.raw_path.decode("ascii").rstrip("/") + "/"
        self._base_prefix = f"{base.scheme}://{base.netloc}{base_path}"
        self.raise_server_exceptions = raise_server_exceptions
        self.root_path = root_path
        self.follow_redirects = follow_redirects
        self.client = client
        self.app_state: dict[str, Any] = {}
        self.headers = MutableHeaders(
            raw=[
                (b"accept", b"*/*"),
                (b"accept-encoding", b"gzip, deflate"),
                (b"connection", b"keep-alive"),
                (b"user-agent", b"testclient"),
            ]
        )
        # NOTE: as Starlette: the user's headers, then its user-agent unless one was given.
        given = _header_pairs(headers)
        if all(k != b"user-agent" for k, _ in given):
            given.append((b"user-agent", b"testclient"))
        self._merge_into(self.headers.raw, given)
        self._cookies = Cookies(cookies)
        self._targets: dict[str, _Target] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lifespan: _Lifespan | None = None

    @property
    def cookies(self) -> Cookies:
        return self._cookies

    @cookies.setter
    def cookies(self, value: Mapping[str, str] | None) -> None:
        self._cookies = value if isinstance(value, Cookies) else Cookies(value)

    # -- the event loop -------------------------------------------------------------------

    def _run(self, awaitable: Awaitable[Any]) -> Any:
        """Run on the client's loop: inline when the caller has no loop running, else a thread."""
        loop = self._loop
        if loop is None:
            # PERF: plain asyncio, not uvloop: run_until_complete costs ~7 us on asyncio and
            # ~23 us on uvloop 0.23 (a libuv turn per call); the client calls it per request.
            loop = self._loop = asyncio.new_event_loop()
        if self._thread is None:
            if asyncio._get_running_loop() is None:
                return loop.run_until_complete(awaitable)
            self._thread = threading.Thread(
                target=_serve_forever, args=(loop,), name="fastcore-testclient", daemon=True
            )
            self._thread.start()
        coroutine = awaitable if isinstance(awaitable, Coroutine) else _await(awaitable)
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result()

    def close(self) -> None:
        """Stop the client's loop (and its thread); a later request starts a fresh one."""
        loop = self._loop
        if loop is None:
            return
        self._lifespan = None
        try:
            self._run(_cancel_leftovers())
        finally:
            thread, self._loop, self._thread = self._thread, None, None
            if thread is not None:
                loop.call_soon_threadsafe(loop.stop)
                thread.join()
            loop.close()

    def __del__(self) -> None:
        # NOTE: a client used without ``with`` or close() must not leave an unclosed loop
        # behind: suites that turn ResourceWarning into errors would fail on it.
        loop = self.__dict__.get("_loop")
        if loop is None or loop.is_closed():
            return
        if loop.is_running():
            loop.call_soon_threadsafe(loop.stop)  # its thread closes it
        else:
            loop.close()

    def __enter__(self) -> TestClient:
        lifespan = _Lifespan(self.app, self.app_state)
        try:
            self._run(lifespan.startup())
        except BaseException:
            self.close()
            raise
        self._lifespan = lifespan
        return self

    def __exit__(self, *exc_info: object) -> None:
        lifespan, self._lifespan = self._lifespan, None
        try:
            if lifespan is not None:
                self._run(lifespan.shutdown())
        finally:
            self.close()

    # -- building requests ----------------------------------------------------------------

    def _target(self, url: str | URL, params: Any) -> _Target:
        url = str(url)
        target = self._targets.get(url)
        if target is None:
            if "://" in url.split("?", 1)[0]:
                target = _split_target(url)
            else:
                # NOTE: httpx joins a relative URL onto the base path, whatever its leading '/'.
                target = _split_target(self._base_prefix + url.lstrip("/"))
            if len(self._targets) < 512:
                self._targets[url] = target
        if params is not None:
            query = _merge_query(target.query.decode("ascii"), params)
            target = target._replace(query=query.encode("ascii"))
        return target

    @staticmethod
    def _merge_into(raw: list[tuple[bytes, bytes]], new: list[tuple[bytes, bytes]]) -> None:
        """httpx's header update: a name given again replaces all of its values, at the end."""
        if not new:
            return
        names = {k for k, _ in new}
        raw[:] = [item for item in raw if item[0] not in names]
        raw.extend(new)

    def _prepare(
        self,
        method: str,
        url: str | URL,
        params: Any,
        headers: HeaderSource,
        auth: tuple[str, str] | None,
        cookies: Any,
    ) -> tuple[str, _Target, list[tuple[bytes, bytes]], Any]:
        raw = list(self.headers.raw)
        self._merge_into(raw, _header_pairs(headers))
        if auth is not None:
            token = b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            self._merge_into(raw, [(b"authorization", f"Basic {token}".encode())])
        return method.upper(), self._target(url, params), raw, cookies

    def _headers(self, prepared: _Prepared, path: str) -> list[tuple[bytes, bytes]]:
        """httpx's order: host, [content-length: 0], merged headers, cookie, body headers."""
        target, headers = prepared.target, prepared.headers
        names = {k for k, _ in headers}
        body = [item for item in prepared.body_headers if item[0] not in names]
        front = [] if b"host" in names else [(b"host", target.netloc.encode("ascii"))]
        if prepared.method in ("POST", "PUT", "PATCH") and not _SIZED & names.union(
            k for k, _ in body
        ):
            front.append((b"content-length", b"0"))
        pairs = self._cookies.header_for(target, path) if self._cookies else []
        if prepared.extra_cookies:
            extra = dict(_encode_pairs(prepared.extra_cookies))
            pairs = [(k, v) for k, v in pairs if k not in extra] + list(extra.items())
        if pairs and b"cookie" not in names:
            cookie = "; ".join(f"{k}={v}" for k, v in pairs)
            return [*front, *headers, (b"cookie", cookie.encode("latin-1")), *body]
        return [*front, *headers, *body] if front or body else headers

    def _scope(self, prepared: _Prepared) -> dict[str, Any]:
        target = prepared.target
        path = unquote(target.raw_path.decode("ascii"))
        return {
            "type": "http",
            "asgi": _ASGI,
            "http_version": "1.1",
            "method": prepared.method,
            "scheme": target.scheme,
            "path": path,
            "raw_path": target.raw_path,
            "query_string": target.query,
            "root_path": self.root_path,
            "headers": self._headers(prepared, path),
            "client": self.client,
            "server": (target.host, target.port),
            "extensions": {"http.response.debug": {}},
            "state": self.app_state.copy(),
        }

    # -- sending --------------------------------------------------------------------------

    def _send(self, prepared: _Prepared) -> Response:
        scope = self._scope(prepared)
        request_body = b"".join(m["body"] for m in prepared.messages)
        exchange = _Exchange(list(prepared.messages))
        try:
            self._run(self.app(scope, exchange.receive, exchange.send))
        except Exception:
            if self.raise_server_exceptions:
                raise
        if not exchange.started:
            if self.raise_server_exceptions:
                raise AssertionError("TestClient did not receive any response.")
            exchange.headers, exchange.body = [], []
        content = b"" if prepared.method == "HEAD" else b"".join(exchange.body)
        response = Response(exchange.status, exchange.headers, content)
        response.request = _Request(
            prepared.method,
            URL(prepared.target.url),
            Headers(raw=list(scope["headers"])),
            request_body,
        )
        if exchange.debug:
            response.template = exchange.debug.get("template")
            response.context = exchange.debug.get("context")
        self._take_cookies(response, prepared.target, scope["path"])
        return response

    def _take_cookies(self, response: Response, target: _Target, path: str) -> None:
        for value in response.headers.getlist("set-cookie"):
            cookie = _parse_set_cookie(value, target.host, path)
            if cookie is not None and self._cookies.store(cookie):
                response.cookies[cookie.name] = cookie.value

    def _redirect(self, prepared: _Prepared, response: Response) -> _Prepared:
        """The next request of a redirect chain, with httpx's method and header rules."""
        status, method = response.status_code, prepared.method
        if (status in (302, 303) and method != "HEAD") or (status == 301 and method == "POST"):
            method = "GET"
        location = urljoin(prepared.target.url, response.headers["location"])
        target = _split_target(location)
        # NOTE: the jar decides the cookies again; a body-less GET drops the length headers
        # (not content-type, as httpx); another origin loses host and authorization.
        drop = {b"cookie"}
        messages = prepared.messages
        if method != prepared.method and method == "GET":
            drop |= _SIZED
            messages = [_chunk(b"", False)]
        if (target.scheme, target.netloc) != (prepared.target.scheme, prepared.target.netloc):
            drop |= {b"authorization", b"host"}
        headers = [item for item in response.request.headers.raw if item[0] not in drop]
        return _Prepared(method, target, headers, [], messages, None)

    def request(
        self,
        method: str,
        url: str | URL,
        *,
        params: Any = None,
        headers: HeaderSource = None,
        cookies: Any = None,
        content: Any = None,
        data: Any = None,
        json: Any = None,
        auth: tuple[str, str] | None = None,
        follow_redirects: bool | None = None,
        timeout: Any = None,
    ) -> Response:
        """Send one request (and follow its redirects); ``timeout`` is accepted and ignored."""
        body_headers, messages = _encode_body(content, data, json)
        method, target, merged, cookies = self._prepare(method, url, params, headers, auth, cookies)
        prepared = _Prepared(method, target, merged, body_headers, messages, cookies)
        response = self._send(prepared)
        follow = self.follow_redirects if follow_redirects is None else follow_redirects
        history: list[Response] = []
        while follow and response.is_redirect:
            if len(history) >= _MAX_REDIRECTS:
                raise TooManyRedirects(f"Exceeded maximum allowed redirects ({_MAX_REDIRECTS}).")
            history.append(response)
            prepared = self._redirect(prepared, response)
            response = self._send(prepared)
            response.history = list(history)
        return response

    def get(self, url: str | URL, **kwargs: Any) -> Response:
        return self.request("GET", url, **kwargs)

    def head(self, url: str | URL, **kwargs: Any) -> Response:
        return self.request("HEAD", url, **kwargs)

    def options(self, url: str | URL, **kwargs: Any) -> Response:
        return self.request("OPTIONS", url, **kwargs)

    def delete(self, url: str | URL, **kwargs: Any) -> Response:
        return self.request("DELETE", url, **kwargs)

    def post(self, url: str | URL, **kwargs: Any) -> Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str | URL, **kwargs: Any) -> Response:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str | URL, **kwargs: Any) -> Response:
        return self.request("PATCH", url, **kwargs)
