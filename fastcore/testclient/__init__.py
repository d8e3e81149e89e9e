"""``TestClient``: an ``httpx.Client`` that sends its requests to an ASGI app in memory.

It is Starlette's (and so FastAPI's) ``TestClient`` in use: the same constructor, the whole
httpx API (``files=``, ``data=``, ``content=``, ``json=``, ``params=``, cookies, ``auth``,
``event_hooks``, ``follow_redirects``, ``stream``...), ``with client:`` running the app's
lifespan, ``raise_server_exceptions`` and ``websocket_connect``. What differs is the engine:
Starlette's transport hops to an anyio portal thread (started afresh per request outside
``with``) for every step of a request; this one runs the app as a task on an asyncio loop the
client owns, in the calling thread, so a request costs a fraction of that. Inside a running
loop (an async test calling the sync client) the client's loop moves to a helper thread.

Known differences from ``starlette.testclient``: only the asyncio backend; an app that
returns from the ``lifespan`` scope before receiving anything is taken as not supporting
lifespan (as uvicorn does) instead of failing ``with TestClient(app)``; a WebSocket app that
returns without closing makes ``receive`` raise ``WebSocketDisconnect(1006)`` instead of
waiting forever; the scope's ``path`` is percent-decoded once, as servers do (Starlette's
client decodes it twice).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import warnings
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self, cast
from urllib.parse import urljoin

import httpx

from fastcore.testclient._lifespan import Lifespan
from fastcore.testclient._loop import Runner
from fastcore.testclient._scope import ASGIApp, ScopeMaker
from fastcore.testclient._transport import Transport, Upgrade

if TYPE_CHECKING:
    from fastcore.testclient._websocket import WebSocketDenialResponse, WebSocketTestSession

__all__ = ["TestClient", "WebSocketDenialResponse", "WebSocketTestSession"]


def __getattr__(name: str) -> Any:
    # NOTE: PEP 562: the WebSocket names load Starlette, so only when asked for.
    if name in ("WebSocketDenialResponse", "WebSocketTestSession"):
        from fastcore.testclient import _websocket

        return getattr(_websocket, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _is_asgi3(app: Any) -> bool:
    if inspect.isclass(app):
        return hasattr(app, "__await__")
    while isinstance(app, functools.partial):
        app = app.func
    call = type(app).__call__ if callable(app) and not inspect.isfunction(app) else None
    return inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(call)


def _asgi2(app: Any) -> ASGIApp:
    async def wrapper(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await app(scope)(receive, send)

    return wrapper


def _loop_factory(
    backend: str, options: dict[str, Any] | None
) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """anyio's asyncio ``backend_options`` honoured here: ``loop_factory`` and ``use_uvloop``."""
    if backend != "asyncio":
        raise ValueError(
            f"fastcore's TestClient runs the app on asyncio; backend={backend!r} is not supported"
        )
    options = options or {}
    factory = options.get("loop_factory")
    if factory is None and options.get("use_uvloop"):
        import uvloop

        factory = uvloop.new_event_loop
    return cast("Callable[[], asyncio.AbstractEventLoop] | None", factory)


class _Cookies(httpx.Cookies):
    """httpx's cookie jar, skipping the ``http.cookiejar`` round trip for responses without
    ``Set-Cookie``."""

    def extract_cookies(self, response: httpx.Response) -> None:
        # PERF: httpx builds urllib request/response adapters for every response, ~15% of a
        # plain in-memory request; most test responses set no cookie.
        if "set-cookie" in response.headers:
            super().extract_cookies(response)


class TestClient(httpx.Client):
    """Sends requests to an ASGI app in memory; ``with`` runs its lifespan around the block."""

    __test__ = False

    def __init__(
        self,
        app: ASGIApp,
        base_url: str = "http://testserver",
        raise_server_exceptions: bool = True,
        root_path: str = "",
        backend: Literal["asyncio", "trio"] = "asyncio",
        backend_options: dict[str, Any] | None = None,
        cookies: httpx._types.CookieTypes | None = None,
        headers: dict[str, str] | None = None,
        follow_redirects: bool = True,
        client: tuple[str, int] = ("testclient", 50000),
    ) -> None:
        self.app: ASGIApp = app if _is_asgi3(app) else _asgi2(app)
        self.app_state: dict[str, Any] = {}
        self._runner = Runner(_loop_factory(backend, backend_options))
        self._lifespan: Lifespan | None = None
        transport = Transport(
            self.app,
            self._runner,
            ScopeMaker(root_path, client, self.app_state),
            raise_server_exceptions,
        )
        # NOTE: as Starlette's client, which also writes into the caller's dict.
        if headers is None:
            headers = {}
        headers.setdefault("user-agent", "testclient")
        super().__init__(
            base_url=base_url,
            headers=headers,
            transport=transport,
            follow_redirects=follow_redirects,
            cookies=cookies,
        )
        self.cookies = self.cookies  # into this client's jar type (see _Cookies)
        self._urls: dict[str, tuple[httpx.URL, httpx.URL]] = {}

    @property
    def cookies(self) -> httpx.Cookies:
        """Cookie values sent with every request, and those the app has set."""
        return self._cookies

    @cookies.setter
    def cookies(self, cookies: httpx._types.CookieTypes | None) -> None:
        self._cookies = _Cookies(cookies)

    def _merge_url(self, url: httpx._types.URLTypes) -> httpx.URL:
        # PERF: httpx parses the URL and the joined result again for every request (~20% of
        # an in-memory one); tests send the same few URLs many times, and URLs are immutable.
        if not isinstance(url, str):
            return super()._merge_url(url)
        base = self.base_url
        cached = self._urls.get(url)
        if cached is not None and cached[0] is base:
            return cached[1]
        merged = super()._merge_url(url)
        if len(self._urls) < 1024:
            self._urls[url] = (base, merged)
        return merged

    def request(  # type: ignore[override]
        self,
        method: str,
        url: httpx._types.URLTypes,
        **kwargs: Any,
    ) -> httpx.Response:
        """httpx's ``request``; a ``timeout`` warns, as under Starlette's client (never applied)."""
        if kwargs.get("timeout", httpx.USE_CLIENT_DEFAULT) is not httpx.USE_CLIENT_DEFAULT:
            warnings.warn(
                "You should not use the 'timeout' argument with the TestClient. "
                "See https://github.com/Kludex/starlette/issues/1108 for more information.",
                DeprecationWarning,
                stacklevel=2,
            )
        return super().request(method, url, **kwargs)

    def websocket_connect(
        self,
        url: str,
        subprotocols: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> WebSocketTestSession:
        """A WebSocket session with the app at ``url``; enter it with ``with``."""
        target = urljoin("ws://testserver", url)
        headers = kwargs.get("headers") or {}
        headers = dict(headers) if not isinstance(headers, dict) else headers
        headers.setdefault("connection", "upgrade")
        headers.setdefault("sec-websocket-key", "testserver==")
        headers.setdefault("sec-websocket-version", "13")
        if subprotocols is not None:
            headers.setdefault("sec-websocket-protocol", ", ".join(subprotocols))
        kwargs["headers"] = headers
        try:
            super().request("GET", target, **kwargs)
        except Upgrade as upgrade:
            return upgrade.session
        raise RuntimeError("Expected WebSocket upgrade")  # pragma: no cover

    # -- lifespan -------------------------------------------------------------------------

    def __enter__(self) -> Self:
        lifespan = Lifespan(self.app, self.app_state)
        try:
            self._runner.run(lifespan.startup())
        except BaseException:
            self._runner.close()
            raise
        self._lifespan = lifespan
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        # NOTE: not httpx's __exit__, which closes the client for good: as Starlette's, a
        # client can be entered again, and used without ``with`` afterwards.
        lifespan, self._lifespan = self._lifespan, None
        with contextlib.ExitStack() as stack:
            stack.callback(self._runner.close)
            stack.callback(cast(Transport, self._transport).close)
            if lifespan is not None:
                self._runner.run(lifespan.shutdown())

    def close(self) -> None:
        """Close the client (httpx's meaning) and stop its loop."""
        super().close()
        self._runner.close()
