"""The Request a handler asks for: a lazy view over the ASGI scope and receive channel.

Nothing is parsed until asked for (headers, query, cookies, body), so a handler that
takes ``request: Request`` pays only for what it reads. Names follow Starlette, so
FastAPI code that reads ``request.headers`` or ``await request.json()`` works as is.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Mapping
from typing import Any

import msgspec

from fastcore.datastructures import URL, Address, FormData, Headers, QueryParams, State

__all__ = ["ClientDisconnect", "HTTPConnection", "Request", "parse_cookies"]

Scope = dict[str, Any]


class ClientDisconnect(Exception):
    """The client went away before the request body was complete."""


def parse_cookies(header: str) -> dict[str, str]:
    """Cookie header -> dict, tolerant as browsers are (Starlette's rules: last one wins)."""
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
    # PERF: http.cookies (~0.05 MiB RSS, and its regexes) is imported only for a quoted value;
    # an unquoted one is returned as is, which is what http.cookies._unquote does with it.
    from http.cookies import _unquote as unquote  # type: ignore[attr-defined]

    result: str = unquote(value)
    return result


async def _empty_receive() -> dict[str, Any]:
    raise RuntimeError("this request has no receive channel")


class HTTPConnection(Mapping[str, Any]):
    """What requests share: scope-backed URL, headers, query, cookies, client, state."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self._headers: Headers | None = None
        self._query: QueryParams | None = None
        self._cookies: dict[str, str] | None = None

    def __getitem__(self, key: str) -> Any:
        return self.scope[key]

    def __iter__(self) -> Any:
        return iter(self.scope)

    def __len__(self) -> int:
        return len(self.scope)

    __eq__ = object.__eq__
    __hash__ = object.__hash__  # type: ignore[assignment]

    @property
    def app(self) -> Any:
        return self.scope.get("app")

    @property
    def url(self) -> URL:
        return URL(scope=self.scope)

    @property
    def base_url(self) -> URL:
        root = self.scope.get("root_path", "")
        return URL(scope={**self.scope, "path": root + "/", "query_string": b""})

    @property
    def headers(self) -> Headers:
        if self._headers is None:
            self._headers = Headers(scope=self.scope)
        return self._headers

    @property
    def query_params(self) -> QueryParams:
        if self._query is None:
            self._query = QueryParams(self.scope.get("query_string", b""))
        return self._query

    @property
    def path_params(self) -> dict[str, Any]:
        return self.scope.get("path_params", {})  # type: ignore[no-any-return]

    @property
    def cookies(self) -> dict[str, str]:
        if self._cookies is None:
            self._cookies = parse_cookies(self.headers.get("cookie", ""))
        return self._cookies

    @property
    def client(self) -> Address | None:
        client = self.scope.get("client")
        return Address(*client) if client else None

    @property
    def state(self) -> State:
        raw = self.scope.setdefault("state", {})
        if isinstance(raw, State):
            return raw
        state = State(raw)
        self.scope["state"] = state
        return state

    def url_for(self, name: str, /, **path_params: Any) -> URL:
        app = self.scope.get("app")
        if app is None:
            raise RuntimeError("url_for needs the app in the scope")
        path = app.url_path_for(name, **path_params)
        return URL(
            scope={
                **self.scope,
                "path": self.scope.get("root_path", "") + path,
                "query_string": b"",
            }
        )


class Request(HTTPConnection):
    """An HTTP request: everything in HTTPConnection plus method and body."""

    def __init__(self, scope: Scope, receive: Any = _empty_receive, send: Any = None) -> None:
        super().__init__(scope)
        self._receive = receive
        self._send = send
        self._body: bytes | None = None
        self._json: Any = None
        self._form: FormData | None = None
        self._stream_consumed = False
        self._disconnected = False

    @property
    def method(self) -> str:
        return self.scope["method"]  # type: ignore[no-any-return]

    @property
    def receive(self) -> Any:
        return self._receive

    async def stream(self) -> AsyncGenerator[bytes, None]:
        """The body as it arrives; the whole body if it was already read."""
        if self._body is not None:
            yield self._body
            yield b""
            return
        if self._stream_consumed:
            raise RuntimeError("the request body stream was already consumed")
        self._stream_consumed = True
        while True:
            message = await self._receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                if chunk:
                    yield chunk
                if not message.get("more_body", False):
                    break
            elif message["type"] == "http.disconnect":
                self._disconnected = True
                raise ClientDisconnect()
        yield b""

    async def body(self) -> bytes:
        if self._body is None:
            self._body = b"".join([chunk async for chunk in self.stream()])
        return self._body

    async def json(self) -> Any:
        if self._json is None:
            self._json = msgspec.json.decode(await self.body())
        return self._json

    async def form(
        self,
        *,
        max_files: int = 1000,
        max_fields: int = 1000,
        max_part_size: int = 1024 * 1024,
    ) -> FormData:
        """The urlencoded or multipart form, parsed as the body streams in (once, then kept).

        A body that cannot be parsed or breaks a limit is HTTPException(400), as in Starlette.
        The caller closes the files (``await form.close()``) unless fastcore parsed the form
        for a Form()/File() route, in which case they are closed after the response.
        """
        if self._form is None:
            from fastcore.exceptions import HTTPException
            from fastcore.forms import FormError, FormLimits, parse_form

            limits = FormLimits(max_files, max_fields, max_part_size)
            try:
                self._form = await parse_form(
                    self.headers.get("content-type"), self._chunks(), limits
                )
            except FormError as exc:
                raise HTTPException(400, exc.message) from None
        return self._form

    async def _chunks(self) -> AsyncGenerator[bytes, None]:
        stream = self.stream()
        async with contextlib.aclosing(stream):
            async for chunk in stream:
                if chunk:
                    yield chunk

    async def close(self) -> None:
        """Close the files of a form read by ``form()``."""
        if self._form is not None:
            await self._form.close()

    async def is_disconnected(self) -> bool:
        return self._disconnected


async def read_body(receive: Any) -> bytes:
    """The whole request body from an ASGI receive channel."""
    message = await receive()
    body: bytes = message.get("body", b"")
    if not message.get("more_body", False):
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        return body
    chunks = [body]
    while message.get("more_body", False):
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunks.append(message.get("body", b""))
    return b"".join(chunks)
