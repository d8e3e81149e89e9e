"""The same app on FastAPI and on fastcore: a client must see the same answers.

Responses are compared on status, JSON (or text) body and the headers a client reads.
"""

from __future__ import annotations

from typing import Any

import fastapi
import fastapi.responses
import fastapi.testclient
import pytest

import fastcore
import fastcore.responses
import fastcore.testclient
from tests.compat import apps

fastapi.responses  # noqa: B018 - the factories reach it as fw.responses
fastcore.responses  # noqa: B018


def _clients(factory: Any) -> tuple[Any, Any]:
    return (
        fastapi.testclient.TestClient(factory(fastapi)),
        fastcore.testclient.TestClient(factory(fastcore)),
    )


def _seen(resp: Any) -> dict[str, Any]:
    ctype = resp.headers.get("content-type", "")
    body = resp.json() if "json" in ctype and resp.content else resp.text
    seen = {"status": resp.status_code, "body": body, "content-type": ctype}
    for name in ("allow", "location", "x-why", "x-extra", "www-authenticate"):
        if name in resp.headers:
            seen[name] = resp.headers[name]
    if resp.status_code not in (204, 304) and resp.request.method != "HEAD":
        seen["content-length"] = resp.headers.get("content-length")
    return seen


# Intentional differences, applied to what fastcore's client saw before comparing:
# - fastcore answers HEAD on every GET route (FastAPI answers 405), so its Allow header
#   lists HEAD beside GET. HEAD itself is tested in tests/test_app.py.
def _without_intended_differences(seen: dict[str, Any]) -> dict[str, Any]:
    if "allow" in seen:
        seen["allow"] = ", ".join(m for m in seen["allow"].split(", ") if m != "HEAD")
    return seen


def _same(factory: Any, method: str, url: str, **kw: Any) -> dict[str, Any]:
    ref, ours = _clients(factory)
    expected = _seen(ref.request(method, url, **kw))
    got = _without_intended_differences(_seen(ours.request(method, url, **kw)))
    assert got == expected, f"{method} {url} {kw}"
    return got


PARAM_CASES = [
    ("GET", "/items/5"),
    ("GET", "/items/5?q=hello&limit=3&short=yes"),
    ("GET", "/items/abc"),
    ("GET", "/items/5?limit=abc"),
    ("GET", "/items/5?limit=1000"),
    ("GET", "/items/5?short=maybe"),
    ("GET", "/items/5?short=ON&limit=-4"),
    ("GET", "/items/5.5"),
    ("GET", "/items/5?q="),
    ("GET", "/items/5?limit=3&limit=7"),
    ("GET", "/typed/12345678-1234-5678-1234-567812345678/2024-02-29/red?f=2"),
    ("GET", "/typed/not-a-uuid/2024-02-30/blue?f=x"),
    ("GET", "/required"),
    ("GET", "/required?needed=x&n=10"),
    ("GET", "/required?needed=x&n=0"),
    ("GET", "/required?needed=x&n=5"),
    ("GET", "/strings?s=a"),
    ("GET", "/strings?s=abcdef"),
    ("GET", "/strings?s=AB"),
    ("GET", "/strings?s=abc&item-query=z"),
    ("GET", "/lists?tag=a&tag=b&n=1&n=2"),
    ("GET", "/lists?n=1&n=x"),
    ("GET", "/lists"),
    ("GET", "/headers"),
    ("GET", "/files/a/b/c.txt"),
    ("GET", "/lit?mode=b&when=2024-01-01T10:00:00"),
    ("GET", "/lit?mode=c"),
    ("GET", "/lit?when=yesterday"),
    ("GET", "/pathparam/0"),
    ("GET", "/pathparam/3"),
    ("GET", "/nowhere"),
    ("POST", "/items/5"),
]


@pytest.mark.parametrize(("method", "url"), PARAM_CASES)
def test_params(method: str, url: str) -> None:
    _same(apps.params_app, method, url)


def test_headers_and_cookies() -> None:
    ref, ours = _clients(apps.params_app)
    for client in (ref, ours):
        client.cookies.set("session", "abc")
    headers = {"User-Agent": "me", "X-Token": "7"}
    expected = _seen(ref.get("/headers", headers=headers))
    assert _seen(ours.get("/headers", headers=headers)) == expected
    assert expected["body"]["session"] == "abc"
    _same(apps.params_app, "GET", "/headers", headers={"X-Token": "seven"})


BODY_CASES: list[tuple[str, dict[str, Any]]] = [
    ("/items", {"json": {"name": "a", "price": 1.5}}),
    ("/items", {"json": {"name": "a", "price": -1, "tags": "x"}}),
    ("/items", {"json": {"price": "abc"}}),
    ("/items", {"json": [1, 2]}),
    ("/items", {"content": b"{not json", "headers": {"content-type": "application/json"}}),
    (
        "/items",
        {"content": b'{"name": "a", "price": 2', "headers": {"content-type": "application/json"}},
    ),
    ("/items", {}),
    ("/users", {"json": {"user": {"username": "bob"}, "item": {"name": "i", "price": 2}}}),
    ("/users", {"json": {"user": {"username": "bo"}, "item": {"price": 0}}}),
    ("/users", {"json": {}}),
    ("/embed", {"json": {"item": {"name": "a", "price": 1}}}),
    ("/embed", {"json": {"name": "a", "price": 1}}),
    ("/scalars", {"json": {"a": "5"}}),
    ("/scalars", {"json": {"a": "five", "b": 3}}),
    ("/point", {"json": {"x": 1}}),
    ("/point", {"json": {"x": "one", "y": 2.5}}),
    ("/movie", {"json": {"title": "t", "year": 1999}}),
    ("/movie", {"json": {"title": 5}}),
    ("/optional", {}),
    ("/optional", {"json": {"name": "n", "price": 3}}),
    ("/list", {"json": [{"name": "a", "price": 1}, {"name": "b", "price": 0}]}),
    ("/list", {"json": {"name": "a"}}),
]


@pytest.mark.parametrize(("url", "kw"), BODY_CASES)
def test_bodies(url: str, kw: dict[str, Any]) -> None:
    _same(apps.body_app, "POST", url, **kw)


BEHAVIOUR_CASES = [
    ("GET", "/dep"),
    ("GET", "/dep?skip=1&limit=3"),
    ("GET", "/dep?limit=x"),
    ("GET", "/filtered"),
    ("GET", "/raise"),
    ("GET", "/sync"),
    ("GET", "/resp"),
    ("GET", "/request/abc?q=1"),
    ("GET", "/bg"),
    ("DELETE", "/gone"),
    ("GET", "/slash"),
    ("GET", "/noslash/"),
    ("GET", "/only-put"),
    ("GET", "/plain"),
    ("GET", "/html"),
    ("GET", "/redirect"),
    ("GET", "/teapot"),
    ("GET", "/exclude-none"),
    ("GET", "/exclude-unset"),
    ("GET", "/exclude-unset-list"),
]


@pytest.mark.parametrize(("method", "url"), BEHAVIOUR_CASES)
def test_behaviour(method: str, url: str) -> None:
    _same(apps.behaviour_app, method, url)


def test_redirects_not_followed() -> None:
    got = _same(apps.behaviour_app, "GET", "/slash", follow_redirects=False)
    assert got["status"] == 307
    _same(apps.behaviour_app, "GET", "/redirect", follow_redirects=False)


def test_echo_body() -> None:
    _same(apps.behaviour_app, "POST", "/echo", content=b"hello")


def test_response_param_cookie() -> None:
    ref, ours = _clients(apps.behaviour_app)
    a, b = ref.get("/resp"), ours.get("/resp")
    assert a.headers["set-cookie"] == b.headers["set-cookie"]
    assert a.cookies.get("k") == b.cookies.get("k") == "v"


def test_yield_dependency_and_background_order() -> None:
    for fw in (fastapi, fastcore):
        app = apps.behaviour_app(fw)
        client = (fastapi if fw is fastapi else fastcore).testclient.TestClient(app)
        assert client.get("/dep").status_code == 200
        assert app.state_log == ["open", "close"]
        client.get("/bg")
        assert app.state_log[-1] == "bg"
