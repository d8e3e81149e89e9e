"""HTTPSRedirectMiddleware: the same redirects (and refusals) as Starlette's."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.middleware.httpsredirect import HTTPSRedirectMiddleware as StarletteHTTPSRedirect

from fastcore import FastCore
from fastcore.middleware.httpsredirect import HTTPSRedirectMiddleware
from fastcore.testclient import TestClient
from tests.support.reference import OLD_STARLETTE


async def app(scope: dict, receive: Any, send: Any) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.accept"})
        return
    headers = [(b"content-type", b"text/plain"), (b"content-length", b"2")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"ok"})


def seen(response: Any) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    return response.status_code, response.headers.raw, response.content


def both(url: str, headers: Any = None, method: str = "GET") -> tuple[Any, Any]:
    results = []
    for cls in (HTTPSRedirectMiddleware, StarletteHTTPSRedirect):
        client = TestClient(cls(app), follow_redirects=False)
        results.append(seen(client.request(method, url, headers=headers)))
    return results[0], results[1]


URLS = [
    "http://example.com/",
    "http://example.com/a/b?c=d&e=%20f",
    "http://example.com/?",
    "http://example.com/a%20b/%C3%BC?q=%C3%BC",
    "http://example.com/a%3Fb%23c",
    "http://example.com/a%5Cb",
    "http://example.com:80/",
    "http://example.com:443/x",
    "http://example.com:8080/x?y=1",
    "http://EXAMPLE.com/",
    "http://EXAMPLE.com:80/",
    "http://EXAMPLE.com:8080/",
    "http://[::1]/p",
    "http://[::1]:80/p",
    "http://[::1]:8000/p",
    "http://127.0.0.1:8000/",
    "https://example.com/",
    "https://example.com:8443/",
]


@OLD_STARLETTE
@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("method", ["GET", "POST", "HEAD"])
def test_matches_starlette(url: str, method: str) -> None:
    ours, theirs = both(url, method=method)
    assert ours == theirs


@pytest.mark.parametrize(
    "host",
    [
        "",
        "evil.com/x?",
        "a.com:99999",
        "a.com:65535",
        "a.com:0",
        "a.com:00080",
        "a.com:080",
        "A.COM:80",
        "user@a.com",
        "a.com:",
        "[::1]:65536",
        "[zz]",
        "[v1.x]",
        "[::1%25eth0]",
        "[0:0::1]",
        "::1",
        "a~$&'()+,;=.com",
        "a b.com",
        "a.com\x00",
        "ex\xe4mple.com",
        "a.com:" + "9" * 5000,
    ],
)
def test_hostile_host_headers_match_starlette(host: str) -> None:
    # NOTE: driven without a client: httpx refuses non-ASCII header text, and parses the
    # Location of any redirect even when not following it ("[v1.x]" is no valid host).
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "path": "/p",
        "raw_path": b"/p",
        "query_string": b"q=1",
        "root_path": "",
        "headers": [(b"host", host.encode("latin-1"))],
        "server": ("example.com", 80),
    }
    ours = _drive(HTTPSRedirectMiddleware(app), dict(scope))
    theirs = _drive(StarletteHTTPSRedirect(app), dict(scope))
    assert ours == theirs
    assert ours[0]["status"] == 307


def test_redirect_keeps_method_and_query() -> None:
    client = TestClient(HTTPSRedirectMiddleware(app), follow_redirects=False)
    response = client.post("http://example.com/items?page=2&q=a+b", json={"x": 1})
    assert response.status_code == 307
    assert response.headers["location"] == "https://example.com/items?page=2&q=a+b"
    assert response.content == b""


def _drive(middleware: Any, scope: dict) -> list[dict]:
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "websocket.connect"}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(middleware(scope, receive, send))
    return sent


SCOPES = [
    ("websocket", {"type": "websocket", "scheme": "ws", "headers": [(b"host", b"example.com:80")]}),
    ("secure websocket", {"type": "websocket", "scheme": "wss", "headers": [(b"host", b"a")]}),
    ("missing host", {"type": "http", "method": "GET", "scheme": "http", "headers": []}),
    (
        "missing host and server",
        {"type": "http", "method": "GET", "scheme": "http", "headers": [], "server": None},
    ),
    (
        "websocket without host or server",
        {"type": "websocket", "scheme": "ws", "headers": [], "server": None},
    ),
    (
        "server port",
        {"type": "http", "method": "GET", "scheme": "http", "headers": [], "server": ("h", 8443)},
    ),
    (
        "server default port",
        {"type": "http", "method": "GET", "scheme": "http", "headers": [], "server": ("H", 443)},
    ),
    (
        "ipv6 server",
        {"type": "http", "method": "GET", "scheme": "http", "headers": [], "server": ("::1", 8000)},
    ),
    (
        "root path",
        {
            "type": "http",
            "method": "GET",
            "scheme": "http",
            "root_path": "/r",
            "path": "/r/p",
            "headers": [(b"host", b"a.com")],
        },
    ),
    (
        "odd path",
        {
            "type": "http",
            "method": "GET",
            "scheme": "http",
            "path": "/a b/\xfc?#\\",
            "query_string": b"x=%20y&z",
            "headers": [(b"host", b"a.com")],
        },
    ),
    (
        "huge header list",
        {
            "type": "http",
            "method": "GET",
            "scheme": "http",
            "headers": [(b"x-filler", b"v")] * 20_000 + [(b"host", b"a.com")],
        },
    ),
]


@OLD_STARLETTE
@pytest.mark.parametrize("scope", [s[1] for s in SCOPES], ids=[s[0] for s in SCOPES])
def test_raw_scopes_match_starlette(scope: dict) -> None:
    scope = {"path": "/p", "query_string": b"a=1", "root_path": "", "server": ("srv", 80), **scope}
    ours = _drive(HTTPSRedirectMiddleware(app), dict(scope))
    theirs = _drive(StarletteHTTPSRedirect(app), dict(scope))
    assert ours == theirs


def test_lifespan_passes_through() -> None:
    kinds = []

    async def inner(scope: dict, receive: Any, send: Any) -> None:
        kinds.append(scope["type"])

    asyncio.run(HTTPSRedirectMiddleware(inner)({"type": "lifespan"}, None, None))  # type: ignore[arg-type]
    assert kinds == ["lifespan"]


def test_with_a_fastcore_app() -> None:
    app = FastCore()
    app.add_middleware(HTTPSRedirectMiddleware)

    @app.get("/secure")
    async def secure() -> dict:
        return {"secure": True}

    client = TestClient(app, follow_redirects=False)
    response = client.get("/secure?x=1")
    assert response.status_code == 307
    assert response.headers["location"] == "https://testserver/secure?x=1"
    assert TestClient(app, base_url="https://testserver").get("/secure").json() == {"secure": True}
    # NOTE: followed, the redirect lands on the https URL, which the app then serves.
    assert TestClient(app).get("/secure").json() == {"secure": True}
