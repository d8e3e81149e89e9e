"""CORSMiddleware: every answer a client sees matches Starlette's, header for header."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.middleware.cors import ALL_METHODS
from starlette.middleware.cors import CORSMiddleware as StarletteCORS

from fastcore import FastCore
from fastcore.middleware.cors import CORSMiddleware
from fastcore.testclient import TestClient

ORIGIN = "https://app.example.com"
PREFLIGHT = {"origin": ORIGIN, "access-control-request-method": "GET"}


def make_app(vary: bytes | None = b"Accept-Encoding") -> Any:
    async def app(scope: dict, receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"text/plain"), (b"content-length", b"2")]
        if vary is not None:
            headers.insert(1, (b"vary", vary))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"ok"})

    return app


def seen(response: Any) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    return response.status_code, response.headers.raw, response.content


def _raw(headers: Any) -> Any:
    """Header values as bytes: httpx sends str values only when they are ASCII."""
    items = headers.items() if isinstance(headers, dict) else headers
    return [(k, v.encode("latin-1") if isinstance(v, str) else v) for k, v in items]


def both(
    options: dict[str, Any], method: str, headers: Any, vary: bytes | None = b"Accept-Encoding"
) -> tuple[Any, Any]:
    """The same request through Starlette's middleware and ours, as a client sees it."""
    headers = _raw(headers)
    ours = TestClient(CORSMiddleware(make_app(vary), **options)).request(
        method, "/", headers=headers
    )
    theirs = TestClient(StarletteCORS(make_app(vary), **options)).request(
        method, "/", headers=headers
    )
    return seen(ours), seen(theirs)


EXPLICIT = {
    "allow_origins": [ORIGIN],
    "allow_methods": ["GET", "POST"],
    "allow_headers": ["X-Token"],
}
WILDCARD = {"allow_origins": ["*"], "allow_methods": ["*"], "allow_headers": ["*"]}

PREFLIGHTS = [
    ("allowed", EXPLICIT, {**PREFLIGHT, "access-control-request-headers": "X-Token, content-type"}),
    ("disallowed origin", EXPLICIT, {**PREFLIGHT, "origin": "https://evil.com"}),
    ("disallowed method", EXPLICIT, {**PREFLIGHT, "access-control-request-method": "DELETE"}),
    ("method case matters", EXPLICIT, {**PREFLIGHT, "access-control-request-method": "post"}),
    ("disallowed headers", EXPLICIT, {**PREFLIGHT, "access-control-request-headers": "X-Other"}),
    (
        "everything disallowed",
        {},
        {
            **PREFLIGHT,
            "origin": "https://x",
            "access-control-request-method": "PUT",
            "access-control-request-headers": "X-A",
            "access-control-request-private-network": "true",
        },
    ),
    ("defaults", {}, PREFLIGHT),
    (
        "empty header in list",
        EXPLICIT,
        {**PREFLIGHT, "access-control-request-headers": "x-token,,"},
    ),
    ("empty request headers", EXPLICIT, {**PREFLIGHT, "access-control-request-headers": ""}),
    (
        "spaces and case",
        EXPLICIT,
        {**PREFLIGHT, "access-control-request-headers": " ACCEPT , x-TOKEN "},
    ),
    ("wildcard", WILDCARD, {**PREFLIGHT, "access-control-request-headers": "X-Any, Y"}),
    ("wildcard no headers", WILDCARD, PREFLIGHT),
    ("wildcard credentials", {**WILDCARD, "allow_credentials": True}, PREFLIGHT),
    (
        "wildcard credentials headers",
        {**WILDCARD, "allow_credentials": True},
        {**PREFLIGHT, "access-control-request-headers": "X-A"},
    ),
    ("explicit credentials", {**EXPLICIT, "allow_credentials": True}, PREFLIGHT),
    ("regex origin", {"allow_origin_regex": r"https://[a-z]+\.example\.com"}, PREFLIGHT),
    (
        "regex must match all of it",
        {"allow_origin_regex": r"https://[a-z]+\.example\.com"},
        {**PREFLIGHT, "origin": ORIGIN + ".evil.com"},
    ),
    (
        "regex and list",
        {"allow_origins": ["https://a.com"], "allow_origin_regex": "https://b.*"},
        {**PREFLIGHT, "origin": "https://bbb"},
    ),
    (
        "private network refused",
        {"allow_origins": ["*"]},
        {**PREFLIGHT, "access-control-request-private-network": "true"},
    ),
    (
        "private network allowed",
        {"allow_origins": ["*"], "allow_private_network": True},
        {**PREFLIGHT, "access-control-request-private-network": "true"},
    ),
    (
        "private network any value",
        {"allow_origins": ["*"], "allow_private_network": True},
        {**PREFLIGHT, "access-control-request-private-network": "false"},
    ),
    (
        "max age and sorted headers",
        {"allow_origins": ["*"], "max_age": 0, "allow_headers": ["b", "A", "Accept"]},
        {**PREFLIGHT, "access-control-request-headers": "a"},
    ),
    (
        "lower-case methods",
        {"allow_origins": ["*"], "allow_methods": ["get", "post"]},
        {**PREFLIGHT, "access-control-request-method": "post"},
    ),
    (
        "expose headers are not preflight headers",
        {"allow_origins": ["*"], "expose_headers": ["X"]},
        PREFLIGHT,
    ),
]


@pytest.mark.parametrize(
    ("options", "headers"), [c[1:] for c in PREFLIGHTS], ids=[c[0] for c in PREFLIGHTS]
)
def test_preflight_matches_starlette(options: dict[str, Any], headers: dict[str, str]) -> None:
    ours, theirs = both(options, "OPTIONS", headers)
    assert ours == theirs


def test_preflight_answers_without_the_app() -> None:
    called = []

    async def app(scope: dict, receive: Any, send: Any) -> None:
        called.append(scope)

    client = TestClient(CORSMiddleware(app, **EXPLICIT))
    ok = client.options("/", headers=PREFLIGHT)
    assert (ok.status_code, ok.text) == (200, "OK")
    assert ok.headers["access-control-allow-origin"] == ORIGIN
    bad = client.options("/", headers={**PREFLIGHT, "origin": "https://evil.com"})
    assert (bad.status_code, bad.text) == (400, "Disallowed CORS origin")
    assert "access-control-allow-origin" not in bad.headers
    assert called == []


SIMPLE = [
    ("wildcard", {"allow_origins": ["*"]}, {"origin": ORIGIN}),
    ("wildcard with cookie", {"allow_origins": ["*"]}, {"origin": ORIGIN, "cookie": "a=b"}),
    (
        "wildcard credentials",
        {"allow_origins": ["*"], "allow_credentials": True},
        {"origin": ORIGIN},
    ),
    ("explicit", EXPLICIT, {"origin": ORIGIN}),
    ("explicit other origin", EXPLICIT, {"origin": "https://evil.com"}),
    (
        "credentials other origin",
        {**EXPLICIT, "allow_credentials": True, "expose_headers": ["X"]},
        {"origin": "https://evil.com"},
    ),
    (
        "expose headers",
        {**EXPLICIT, "allow_credentials": True, "expose_headers": ["X-A", "X-B"]},
        {"origin": ORIGIN},
    ),
    ("no origin", {**EXPLICIT, "allow_credentials": True}, {}),
    ("no origin wildcard", {"allow_origins": ["*"]}, {}),
    ("empty origin", {"allow_origins": ["*"]}, {"origin": ""}),
    ("regex", {"allow_origin_regex": r"https://.*\.example\.com"}, {"origin": ORIGIN}),
    (
        "regex no match",
        {"allow_origin_regex": r"https://.*\.example\.com"},
        {"origin": "https://example.com"},
    ),
    ("options without request method", {"allow_origins": ["*"]}, {"origin": ORIGIN}),
    (
        "preflight without origin",
        {"allow_origins": ["*"]},
        {"access-control-request-method": "GET"},
    ),
    ("wildcard among others", {"allow_origins": [ORIGIN, "*"]}, {"origin": "https://z"}),
    ("first origin header counts", EXPLICIT, [("origin", "https://evil.com"), ("origin", ORIGIN)]),
    ("null origin", {"allow_origins": ["null"]}, {"origin": "null"}),
]


@pytest.mark.parametrize(
    ("options", "headers"), [c[1:] for c in SIMPLE], ids=[c[0] for c in SIMPLE]
)
@pytest.mark.parametrize("method", ["GET", "POST", "OPTIONS"])
@pytest.mark.parametrize("vary", [b"Accept-Encoding", None], ids=["vary", "no-vary"])
def test_simple_requests_match_starlette(
    options: dict[str, Any], headers: Any, method: str, vary: bytes | None
) -> None:
    ours, theirs = both(options, method, headers, vary)
    assert ours == theirs


def test_credentials_name_the_origin_and_vary_on_it() -> None:
    client = TestClient(CORSMiddleware(make_app(), allow_origins=["*"], allow_credentials=True))
    response = client.get("/", headers={"origin": ORIGIN})
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["vary"] == "Accept-Encoding, Origin"


def test_star_methods_mean_all_methods() -> None:
    middleware = CORSMiddleware(make_app(), allow_methods=["*"])
    assert middleware.allow_methods == ALL_METHODS


@pytest.mark.parametrize(
    "origin",
    [
        "https://app.example.com\x00",
        "https://app.example.com/",
        "https://user@app.example.com",
        "https://app.example.com.evil.com",
        "HTTPS://APP.EXAMPLE.COM",
        "*",
        " https://app.example.com",
        "https://" + "a" * 100_000 + ".example.com",
        "\xff\xfe",
    ],
)
def test_malformed_origins_are_refused_like_starlette(origin: str) -> None:
    options = {**EXPLICIT, "allow_origin_regex": r"https://[a-z]+\.example\.com"}
    for method, headers in (
        ("OPTIONS", {**PREFLIGHT, "origin": origin}),
        ("GET", {"origin": origin}),
    ):
        ours, theirs = both(options, method, headers)
        assert ours == theirs
        assert ORIGIN.encode() not in dict(ours[1]).get(b"access-control-allow-origin", b"")


def _huge(count: int) -> tuple[dict[str, Any], list[tuple[str, str]], str]:
    requested = ", ".join(f"x-h{i}" for i in range(count))
    options = {"allow_origins": [ORIGIN], "allow_headers": [f"x-h{i}" for i in range(count)]}
    headers = [("x-filler", "v")] * count + [
        ("origin", ORIGIN),
        ("access-control-request-method", "GET"),
        ("access-control-request-headers", requested),
    ]
    return options, headers, requested


def test_huge_header_lists_match_starlette() -> None:
    # NOTE: kept to 2,000: Starlette's header check is quadratic (2 s at 20,000).
    options, headers, requested = _huge(2_000)
    ours, theirs = both(options, "OPTIONS", headers)
    assert ours == theirs
    assert ours[0] == 200
    ours, theirs = both(options, "OPTIONS", [*headers, ("access-control-request-headers", "x")])
    assert ours == theirs  # the first one counts
    ours, theirs = both(
        {"allow_origins": [ORIGIN]},
        "OPTIONS",
        [*headers[:-1], ("access-control-request-headers", requested + ", bad")],
    )
    assert ours == theirs
    assert ours[0] == 400


def test_huge_header_lists_stay_linear() -> None:
    options, headers, requested = _huge(50_000)
    client = TestClient(CORSMiddleware(make_app(), **options))
    assert client.options("/", headers=headers).status_code == 200
    refused = client.options(
        "/", headers=[*headers[:-1], ("access-control-request-headers", "x, " + requested)]
    )
    assert (refused.status_code, refused.text) == (400, "Disallowed CORS headers")
    simple = client.get("/", headers=headers[:-2])
    assert simple.headers["access-control-allow-origin"] == ORIGIN


def _drive(app: Any, scope: dict) -> list[dict]:
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b""}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def test_request_without_any_headers() -> None:
    scope = {"type": "http", "method": "OPTIONS", "path": "/", "headers": []}
    ours = _drive(CORSMiddleware(make_app(None), allow_origins=["*"]), dict(scope))
    theirs = _drive(StarletteCORS(make_app(None), allow_origins=["*"]), dict(scope))
    assert ours == theirs


def test_start_message_without_headers_key() -> None:
    async def app(scope: dict, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 204})
        await send({"type": "http.response.body", "body": b""})

    scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"origin", b"https://a")]}
    sent = _drive(CORSMiddleware(app, allow_origins=["*"]), scope)
    assert sent[0]["headers"] == [(b"access-control-allow-origin", b"*"), (b"vary", b"Origin")]


def test_other_scopes_pass_through() -> None:
    seen_scopes = []

    async def app(scope: dict, receive: Any, send: Any) -> None:
        seen_scopes.append(scope["type"])

    middleware = CORSMiddleware(app, allow_origins=["*"])
    for kind in ("websocket", "lifespan"):
        asyncio.run(middleware({"type": kind, "headers": [(b"origin", b"x")]}, None, None))  # type: ignore[arg-type]
    assert seen_scopes == ["websocket", "lifespan"]


def test_with_a_fastcore_app() -> None:
    app = FastCore()
    app.add_middleware(
        CORSMiddleware,
        allow_origins=[ORIGIN],
        allow_methods=["GET", "POST"],
        allow_headers=["X-Token"],
        allow_credentials=True,
        expose_headers=["X-Total"],
    )

    @app.get("/items")
    async def items() -> dict:
        return {"items": []}

    client = TestClient(app)
    response = client.get("/items", headers={"origin": ORIGIN})
    assert response.json() == {"items": []}
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["access-control-expose-headers"] == "X-Total"
    assert response.headers["vary"] == "Origin"
    preflight = client.options(
        "/items",
        headers={
            **PREFLIGHT,
            "access-control-request-method": "POST",
            "access-control-request-headers": "x-token",
        },
    )
    assert (preflight.status_code, preflight.text) == (200, "OK")
    assert preflight.headers["access-control-allow-methods"] == "GET, POST"
    refused = client.options("/items", headers={**PREFLIGHT, "origin": "https://evil.com"})
    assert (refused.status_code, refused.text) == (400, "Disallowed CORS origin")
    # NOTE: errors from the app get the headers too, since the middleware wraps it.
    missing = client.get("/nope", headers={"origin": ORIGIN})
    assert missing.status_code == 404
    assert missing.headers["access-control-allow-origin"] == ORIGIN


def test_several_vary_headers_merge_like_starlette() -> None:
    async def app(scope: dict, receive: Any, send: Any) -> None:
        headers = [(b"vary", b"A"), (b"x", b"1"), (b"vary", b"B")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"origin", b"https://o")]}
    for options in ({"allow_origins": ["*"]}, {"allow_origins": ["https://o"]}):
        ours = _drive(CORSMiddleware(app, **options), dict(scope))
        theirs = _drive(StarletteCORS(app, **options), dict(scope))
        assert ours == theirs
        assert ours[0]["headers"][0] == (b"vary", b"A, B, Origin")
