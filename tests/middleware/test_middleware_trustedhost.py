"""TrustedHostMiddleware: the same hosts pass, fail and redirect as with Starlette's."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from starlette.middleware.trustedhost import ENFORCE_DOMAIN_WILDCARD
from starlette.middleware.trustedhost import TrustedHostMiddleware as StarletteTrustedHost

from fastcore import FastCore
from fastcore.middleware.trustedhost import TrustedHostMiddleware
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


def _raw(headers: Any) -> Any:
    """Header values as bytes: httpx sends str values only when they are ASCII."""
    if headers is None:
        return None
    items = headers.items() if isinstance(headers, dict) else headers
    return [(k, v.encode("latin-1") if isinstance(v, str) else v) for k, v in items]


def both(hosts: list[str], url: str, headers: Any = None, **options: Any) -> tuple[Any, Any]:
    results = []
    for cls in (TrustedHostMiddleware, StarletteTrustedHost):
        client = TestClient(cls(app, allowed_hosts=hosts, **options), follow_redirects=False)
        results.append(seen(client.get(url, headers=_raw(headers))))
    return results[0], results[1]


URLS = [
    (["example.com"], "http://example.com/", None),
    (["example.com"], "http://example.com:8000/", None),
    (["example.com"], "http://evil.com/", None),
    (["example.com", "evil.com"], "http://evil.com/", None),
    (["*.example.com"], "http://a.example.com/", None),
    (["*.example.com"], "http://a.b.example.com/", None),
    (["*.example.com"], "http://example.com/", None),
    (["*.example.com"], "http://aexample.com/", None),
    (["www.example.com"], "http://example.com/path?q=1&r=%20", None),
    (["www.example.com"], "http://example.com:8080/path?q=1", None),
    (["www.example.com"], "https://example.com/", None),
    (["www.example.com"], "http://www.example.com/", None),
    (["www.example.com"], "http://other.com/", None),
    (["[::1]"], "http://[::1]:8000/", None),
    (["[::1]"], "http://[::1]/", None),
    (["::1"], "http://[::1]:8000/", None),
    (["[::1]:8000"], "http://[::1]:8000/", None),
    (["example.com:8000"], "http://example.com:8000/", None),
    (["127.0.0.1"], "http://127.0.0.1:5/", None),
    (["Example.COM"], "http://example.com/", None),
    (["example.com"], "http://example.com/", {"host": "EXAMPLE.com"}),
    (["www.example.com"], "http://example.com/", {"host": "EXAMPLE.com"}),
    (["example.com"], "http://example.com/", {"host": "example.com."}),
    (["*"], "http://anything.at.all/", {"host": ""}),
    (["example.com", "*"], "http://evil/", None),
]

HOST_HEADERS = [
    "",
    "example.com:",
    "example.com:99999",
    "example.com:0",
    "example.com:00080",
    " example.com",
    "example.com\t",
    "exa mple.com",
    "example.com:80:80",
    "example.com:+80",
    "example.com: 80",
    "user@example.com",
    "example.com/evil",
    "example.com?x",
    "example.com#x",
    "[::1",
    "[::1]x",
    "[::1]:",
    "[::1]:80",
    "[::1]:65536",
    "[zz]",
    "[v1.x]",
    "[::1%25eth0]",
    "[0:0::1]",
    "[::ffff:1.2.3.4]",
    "[]",
    "::1",
    "ex_ample.com",
    "a%2f.example.com",
    "a!.example.com",
    "ex\xe4mple.com",
    "example.com\x00",
    "example.com:" + "9" * 5000,
    "example.com:" + "0" * 5000 + "80",
    "a" * 100_000,
]


@OLD_STARLETTE
@pytest.mark.parametrize(("hosts", "url", "headers"), URLS)
def test_matches_starlette(hosts: list[str], url: str, headers: Any) -> None:
    ours, theirs = both(hosts, url, headers)
    assert ours == theirs


@pytest.mark.parametrize("host", HOST_HEADERS)
@pytest.mark.parametrize("www_redirect", [True, False])
def test_hostile_host_headers_match_starlette(host: str, www_redirect: bool) -> None:
    hosts = ["example.com", "www.example.com", "[::1]", "*.example.com", "ex_ample.com"]
    ours, theirs = both(hosts, "/", {"host": host}, www_redirect=www_redirect)
    assert ours == theirs


def test_www_redirect_can_be_turned_off() -> None:
    ours, theirs = both(["www.example.com"], "http://example.com/", www_redirect=False)
    assert ours == theirs
    assert ours[0] == 400


def test_refusal_is_plain_text_400() -> None:
    client = TestClient(TrustedHostMiddleware(app, allowed_hosts=["example.com"]))
    response = client.get("http://evil.com/")
    assert (response.status_code, response.text) == (400, "Invalid host header")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


def test_default_allows_everything() -> None:
    middleware = TrustedHostMiddleware(app)
    assert middleware.allowed_hosts == ["*"]
    assert TestClient(middleware).get("http://whatever/").text == "ok"


@pytest.mark.parametrize("pattern", ["a.*.com", "example.*", "**.example.com", "*example.com"])
def test_bad_wildcards_fail_at_start_up(pattern: str) -> None:
    with pytest.raises(AssertionError, match=re.escape(ENFORCE_DOMAIN_WILDCARD)):
        TrustedHostMiddleware(app, allowed_hosts=[pattern])
    with pytest.raises(AssertionError):
        StarletteTrustedHost(app, allowed_hosts=[pattern])


def _drive(middleware: Any, scope: dict) -> list[dict]:
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "websocket.connect"}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(middleware(scope, receive, send))
    return sent


SCOPES = [
    ("missing host", {"type": "http", "method": "GET", "scheme": "http", "headers": []}),
    (
        "missing host, server allowed",
        {
            "type": "http",
            "method": "GET",
            "scheme": "http",
            "headers": [],
            "server": ("example.com", 80),
        },
    ),
    (
        "two hosts, bad first",
        {
            "type": "http",
            "method": "GET",
            "scheme": "http",
            "headers": [(b"host", b"evil.com"), (b"host", b"example.com")],
        },
    ),
    (
        "two hosts, good first",
        {
            "type": "http",
            "method": "GET",
            "scheme": "http",
            "headers": [(b"host", b"example.com"), (b"host", b"evil.com")],
        },
    ),
    (
        "websocket allowed",
        {"type": "websocket", "scheme": "ws", "headers": [(b"host", b"example.com")]},
    ),
    ("websocket refused", {"type": "websocket", "scheme": "ws", "headers": [(b"host", b"evil")]}),
    ("websocket missing host", {"type": "websocket", "scheme": "ws", "headers": []}),
    (
        "websocket www",
        {"type": "websocket", "scheme": "ws", "headers": [(b"host", b"www-less.com")]},
    ),
    (
        "www with bad port",
        {
            "type": "http",
            "method": "GET",
            "scheme": "http",
            "headers": [(b"host", b"www-less.com:99999")],
        },
    ),
    (
        "huge header list",
        {
            "type": "http",
            "method": "GET",
            "scheme": "http",
            "headers": [(b"x-filler", b"v")] * 20_000 + [(b"host", b"example.com")],
        },
    ),
]


@pytest.mark.parametrize("scope", [s[1] for s in SCOPES], ids=[s[0] for s in SCOPES])
def test_raw_scopes_match_starlette(scope: dict) -> None:
    scope = {"path": "/p", "query_string": b"a=1", "root_path": "", "server": ("srv", 80), **scope}
    hosts = ["example.com", "www.www-less.com"]
    ours = _drive(TrustedHostMiddleware(app, allowed_hosts=hosts), dict(scope))
    theirs = _drive(StarletteTrustedHost(app, allowed_hosts=hosts), dict(scope))
    assert ours == theirs


def test_lifespan_passes_through() -> None:
    kinds = []

    async def inner(scope: dict, receive: Any, send: Any) -> None:
        kinds.append(scope["type"])

    asyncio.run(
        TrustedHostMiddleware(inner, allowed_hosts=["x"])({"type": "lifespan"}, None, None)  # type: ignore[arg-type]
    )
    assert kinds == ["lifespan"]


def test_with_a_fastcore_app() -> None:
    app = FastCore()
    app.add_middleware(
        TrustedHostMiddleware, allowed_hosts=["www.example.com", "*.api.example.com"]
    )

    @app.get("/ping")
    async def ping() -> dict:
        return {"pong": True}

    client = TestClient(app, base_url="http://www.example.com")
    assert client.get("/ping").json() == {"pong": True}
    assert client.get("http://v1.api.example.com/ping").json() == {"pong": True}
    refused = client.get("http://evil.com/ping")
    assert (refused.status_code, refused.text) == (400, "Invalid host header")
    redirected = client.get("http://example.com/ping?x=1", follow_redirects=False)
    assert redirected.status_code == 307
    assert redirected.headers["location"] == "http://www.example.com/ping?x=1"
    assert client.get("http://example.com/ping").json() == {"pong": True}
