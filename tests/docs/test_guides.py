"""The guides' examples: forms, middleware, OpenAPI, security, static files, templates, streams."""

from __future__ import annotations

import base64
import importlib
from pathlib import Path

import pytest

from fastcore.testclient import TestClient

DOCS_SRC = Path(__file__).resolve().parents[2] / "docs_src"


def test_forms() -> None:
    from docs_src.forms.app import app

    client = TestClient(app)
    login = client.post("/login", data={"username": "alice", "password": "x"})
    assert login.json() == {"username": "alice"}
    assert client.post("/login", data={"username": "alice"}).status_code == 422
    upload = client.post(
        "/upload",
        files={"file": ("a.txt", b"hello", "text/plain")},
        data={"note": "hi"},
    )
    assert upload.json() == {"filename": "a.txt", "size": 5, "type": "text/plain", "note": "hi"}
    photos = client.post(
        "/photos",
        files=[("files", ("1.png", b"1")), ("files", ("2.png", b"2")), ("thumbs", ("t", b"t"))],
    )
    assert photos.json() == {"names": ["1.png", "2.png"], "thumbs": 1}


def test_builtin_middleware() -> None:
    from docs_src.middleware.builtin import app

    client = TestClient(app)
    response = client.get("/report", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.json() == {"text": "x" * 2000}  # httpx decodes it
    preflight = client.options(
        "/report",
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://app.example.com"
    assert preflight.headers["access-control-allow-credentials"] == "true"
    other = client.get("/report", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_timing_middleware() -> None:
    from docs_src.middleware.timing import app

    response = TestClient(app).get("/")
    assert response.json() == {"hello": "world"}
    assert float(response.headers["x-process-time"]) >= 0


def test_request_id_middleware() -> None:
    from docs_src.middleware.request_id import app

    client = TestClient(app)
    first, second = client.get("/"), client.get("/")
    assert first.json() == {"hello": "world"}
    assert len(first.headers["x-request-id"]) == 32
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


def test_openapi_settings() -> None:
    from docs_src.openapi.settings import app

    client = TestClient(app)
    document = client.get("/openapi.json").json()
    assert document["info"] == {
        "title": "Shop",
        "summary": "Items and orders.",
        "description": "The shop's **public** API.",
        "version": "1.0",
    }
    assert document["servers"] == [{"url": "https://api.example.com"}]
    assert document["tags"] == [{"name": "items", "description": "What the shop sells."}]
    assert document["paths"]["/items"]["get"]["summary"] == "List the items"
    assert '"deepLinking": false' in client.get("/docs").text
    assert client.get("/redoc").status_code == 200


def test_http_basic() -> None:
    from docs_src.security.basic import app

    client = TestClient(app)
    missing = client.get("/me")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == 'Basic realm="shop"'
    token = base64.b64encode(b"alice:secret").decode()
    assert client.get("/me", headers={"Authorization": f"Basic {token}"}).json() == {
        "username": "alice"
    }


def test_password_login_and_bearer_token() -> None:
    from docs_src.security.token import app

    client = TestClient(app)
    bad = client.post("/token", data={"username": "alice", "password": "nope"})
    assert (bad.status_code, bad.json()) == (400, {"detail": "Incorrect username or password"})
    good = client.post("/token", data={"username": "alice", "password": "wonderland"})
    assert good.json() == {"access_token": "token-of-alice", "token_type": "bearer"}
    assert client.get("/me").status_code == 401
    me = client.get("/me", headers={"Authorization": "Bearer token-of-alice"})
    assert me.json() == {"user": "alice"}


def test_templates(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("jinja2")
    monkeypatch.chdir(DOCS_SRC / "static_and_templates")  # directory="templates" is relative
    module = importlib.import_module("docs_src.static_and_templates.templates_app")
    response = TestClient(module.app).get("/items/7")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>Item 7</h1>" in response.text
    assert 'href="http://testserver/items/8"' in response.text


def test_streaming() -> None:
    from docs_src.streaming.numbers import app

    with TestClient(app).stream("GET", "/numbers") as response:
        assert response.headers["content-type"].startswith("text/plain")
        assert list(response.iter_lines()) == ["0", "1", "2"]


def test_streaming_is_chunked_on_fastcore_s_server() -> None:
    from tests.support.browser import fastcore_run, serve
    from tests.support.shop_server import request

    with serve(*fastcore_run("docs_src.streaming.numbers:app")) as port:
        status, headers, body = request(port, "GET", "/numbers")
    assert (status, body) == (200, b"0\n1\n2\n")
    assert {k.lower(): v for k, v in headers.items()}.get("transfer-encoding") == "chunked"


def test_static_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "hello.txt").write_text("hello")
    monkeypatch.chdir(tmp_path)  # directory="static" is relative
    module = importlib.import_module("docs_src.static_and_templates.static_app")
    client = TestClient(module.app)
    found = client.get("/static/hello.txt")
    assert (found.status_code, found.text) == (200, "hello")
    assert found.headers["content-type"].startswith("text/plain")
    assert {"content-length", "last-modified", "etag"} <= set(found.headers)
    refused = client.post("/static/hello.txt")
    assert (refused.status_code, refused.headers["allow"]) == (405, "GET, HEAD")
    missing = client.get("/static/nope.txt")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not Found"})
    assert client.get("/static/../../etc/passwd").status_code == 404


def test_frontend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, text in {
        "dist/index.html": "site",
        "dist/assets/app.js": "js",
        "admin-dist/index.html": "admin",
    }.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)  # directory="dist" is relative
    module = importlib.import_module("docs_src.static_and_templates.frontend_app")
    client = TestClient(module.app)
    html = {"accept": "text/html"}
    assert client.get("/api/users").json() == [{"name": "jane"}]
    assert client.get("/assets/app.js").text == "js"
    assert client.get("/settings", headers=html).text == "site"  # dist has no 404.html
    assert client.get("/assets/gone.js").status_code == 404  # not a navigation
    assert client.get("/admin/users", headers=html).status_code == 401
    staff = client.get("/admin/users", headers={**html, "cookie": "role=staff"})
    assert (staff.status_code, staff.text) == (200, "admin")
