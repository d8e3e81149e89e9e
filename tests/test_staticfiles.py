"""StaticFiles: the same answers as Starlette's (mounted in FastAPI), and no way out of the root.

The reference is Starlette's StaticFiles mounted in a FastAPI app, so its errors carry FastAPI's
``{"detail": ...}`` bodies; ours is mounted by a tiny shim doing what ``app.mount`` does (extend
``root_path`` by the prefix, leave ``path`` alone). Both run through fastcore's TestClient.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from fastcore import FastCore
from fastcore.staticfiles import StaticFiles
from fastcore.testclient import TestClient

fastapi = pytest.importorskip("fastapi")
starlette_staticfiles = pytest.importorskip("starlette.staticfiles")

MTIME = 1_700_000_000
SECRET = b"TOP-SECRET-CONTENT"


def mount(prefix: str, app: Any) -> Any:
    """What ``app.mount(prefix, app)`` does for a request under ``prefix``."""

    async def mounted(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            await send({"type": message["type"] + ".complete"})
            return
        if not scope["path"].startswith(scope.get("root_path", "") + prefix):
            # NOTE: outside the mount (httpx resolves "/static/../x" to "/x"): the app's 404.
            headers = [(b"content-type", b"application/json"), (b"content-length", b"22")]
            await send({"type": "http.response.start", "status": 404, "headers": headers})
            await send({"type": "http.response.body", "body": b'{"detail":"Not Found"}'})
            return
        await app({**scope, "root_path": scope.get("root_path", "") + prefix}, receive, send)

    return mounted


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "public"
    (root / "sub").mkdir(parents=True)
    (root / "empty").mkdir()
    (root / "hello.txt").write_bytes(b"hello world")
    (root / "style.css").write_text("body { color: red }")
    (root / "app.js").write_text("console.log(1)")
    (root / "big.bin").write_bytes(bytes(range(256)) * 1000)
    (root / "index.html").write_text("<h1>home</h1>")
    (root / "404.html").write_text("<h1>missing</h1>")
    (root / "sub" / "index.html").write_text("<h1>sub</h1>")
    (root / "sub" / "page.html").write_text("<p>page</p>")
    (root / "with space.txt").write_text("spaced")
    (root / "caf\u00e9.txt").write_text("unicode")
    (tmp_path / "secret.txt").write_bytes(SECRET)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_bytes(SECRET)
    os.symlink(tmp_path / "secret.txt", root / "link_out.txt")
    os.symlink(tmp_path / "outside", root / "linkdir")
    os.symlink(root / "hello.txt", root / "link_in.txt")
    for path in [*root.rglob("*"), tmp_path / "secret.txt"]:
        if not path.is_symlink():
            os.utime(path, (MTIME, MTIME))
    return root


def clients(root: Path, **options: Any) -> tuple[TestClient, TestClient]:
    ours_app = FastCore()
    ours_app.mount("/static", StaticFiles(directory=root, **options))
    ours = TestClient(ours_app)
    ref_app = fastapi.FastAPI()
    ref_app.mount("/static", starlette_staticfiles.StaticFiles(directory=root, **options))
    return ours, TestClient(ref_app)


HEADERS = ("content-type", "content-length", "etag", "last-modified", "accept-ranges")
HEADERS += ("content-range", "location", "allow")


def same(ours: TestClient, ref: TestClient, method: str, url: str, **kw: Any) -> Any:
    a = ours.request(method, url, **kw)
    b = ref.request(method, url, **kw)
    assert a.status_code == b.status_code, (url, a.status_code, b.status_code)
    for name in HEADERS:
        if name == "allow" and b.status_code == 405 and "allow" not in b.headers:
            # NOTE: older Starlette (1.7, pip's pick on Python 3.10) sends its 405 without
            # Allow; current Starlette sends "GET, HEAD", as we do.
            assert a.headers.get(name) == "GET, HEAD", url
            continue
        assert a.headers.get(name) == b.headers.get(name), (url, name)
    assert a.content == b.content, url
    return a


def call(app: Any, path: str, method: str = "GET", root_path: str = "/static", **kw: Any) -> Any:
    """Drive the ASGI app, mounted in a fastcore app, with a hand-made scope.

    No client normalises the path first; the fastcore app mounts ``app`` at ``root_path`` and
    turns what it raises into answers, as a user's app does.
    """
    outer = FastCore(openapi_url=None)
    outer.mount(root_path, app)
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "root_path": "",
        "headers": kw.get("headers", []),
        "query_string": b"",
        "scheme": "http",
        "server": ("testserver", 80),
    }
    messages: list[dict[str, Any]] = []
    received: list[bool] = []

    async def receive() -> dict[str, Any]:
        # NOTE: as a server does: the (empty) body once, then nothing until the client leaves.
        # Starlette's FileResponse listens for a disconnect while it sends; a receive that
        # answered at once forever would spin that listener and starve the loop.
        if received:
            await asyncio.Event().wait()
        received.append(True)
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    asyncio.run(outer(scope, receive, send))
    body = b"".join(m.get("body", b"") for m in messages[1:])
    return messages[0]["status"], dict(messages[0]["headers"]), body


# -- the same answers as Starlette -------------------------------------------------------------

FILES = [
    "/static/hello.txt",
    "/static/style.css",
    "/static/app.js",
    "/static/big.bin",
    "/static/index.html",
    "/static/sub/page.html",
    "/static/with%20space.txt",
    "/static/caf%C3%A9.txt",
    "/static/link_in.txt",
    "/static/sub/../hello.txt",
    "/static/./hello.txt",
    "/static//hello.txt",
]


@pytest.mark.parametrize("url", FILES)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_files_match_starlette(tree: Path, url: str, method: str) -> None:
    ours, ref = clients(tree)
    response = same(ours, ref, method, url)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url", ["/static/missing.txt", "/static/sub", "/static/sub/", "/static/", "/static/sub/x/y"]
)
def test_misses_match_starlette(tree: Path, url: str) -> None:
    ours, ref = clients(tree)
    response = same(ours, ref, "GET", url)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "BREW"])
def test_other_methods_are_405(tree: Path, method: str) -> None:
    ours, ref = clients(tree)
    response = same(ours, ref, method, "/static/hello.txt")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


def test_headers(tree: Path) -> None:
    ours, _ = clients(tree)
    response = ours.get("/static/hello.txt")
    assert response.text == "hello world"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["content-length"] == "11"
    assert response.headers["last-modified"] == "Tue, 14 Nov 2023 22:13:20 GMT"
    assert re.fullmatch(r'"[0-9a-f]{32}"', response.headers["etag"])
    assert ours.get("/static/style.css").headers["content-type"].startswith("text/css")


@pytest.mark.parametrize(
    "headers",
    [
        {"if-none-match": "ETAG"},
        {"if-none-match": "W/ETAG"},
        {"if-none-match": '"nope", ETAG'},
        {"if-none-match": "*"},
        {"if-none-match": '"nope"'},
        {"if-none-match": '"nope"', "if-modified-since": "Tue, 14 Nov 2023 22:13:20 GMT"},
        {"if-modified-since": "Tue, 14 Nov 2023 22:13:20 GMT"},
        {"if-modified-since": "Wed, 15 Nov 2023 00:00:00 GMT"},
        {"if-modified-since": "Mon, 13 Nov 2023 00:00:00 GMT"},
        {"if-modified-since": "not a date"},
    ],
)
def test_conditional_requests_match_starlette(tree: Path, headers: dict[str, str]) -> None:
    ours, ref = clients(tree)
    etag = ours.get("/static/hello.txt").headers["etag"]
    headers = {k: v.replace("ETAG", etag) for k, v in headers.items()}
    for method in ("GET", "HEAD"):
        response = same(ours, ref, method, "/static/hello.txt", headers=headers)
        assert response.status_code in (200, 304)


def test_304_keeps_only_allowed_headers(tree: Path) -> None:
    ours, _ = clients(tree)
    etag = ours.get("/static/hello.txt").headers["etag"]
    response = ours.get("/static/hello.txt", headers={"if-none-match": etag})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag
    assert "content-length" not in response.headers
    assert "last-modified" not in response.headers


@pytest.mark.parametrize(
    "value",
    ["bytes=0-4", "bytes=6-", "bytes=-5", "bytes=100-199", "bytes=0-0", "bytes=0-1000000"],
)
def test_single_ranges_match_starlette(tree: Path, value: str) -> None:
    ours, ref = clients(tree)
    for url in ("/static/hello.txt", "/static/big.bin"):
        response = same(ours, ref, "GET", url, headers={"range": value})
        assert response.status_code in (206, 416)


@pytest.mark.parametrize("value", ["bytes=500000-", "bytes=9-3", "chars=0-1"])
def test_bad_ranges_match_starlette(tree: Path, value: str) -> None:
    ours, ref = clients(tree)
    a = ours.get("/static/big.bin", headers={"range": value})
    b = ref.get("/static/big.bin", headers={"range": value})
    assert a.status_code == b.status_code
    assert a.headers.get("content-range") == b.headers.get("content-range")


def test_multi_range_matches_starlette(tree: Path) -> None:
    ours, ref = clients(tree)
    headers = {"range": "bytes=0-9, 1000-1099"}
    a = ours.get("/static/big.bin", headers=headers)
    b = ref.get("/static/big.bin", headers=headers)
    assert a.status_code == b.status_code == 206

    def unbound(r: Any) -> bytes:
        boundary = r.headers["content-type"].split("boundary=")[1]
        return r.content.replace(boundary.encode(), b"B")

    assert unbound(a) == unbound(b)
    assert a.headers["content-length"] == b.headers["content-length"]


def test_if_range(tree: Path) -> None:
    ours, ref = clients(tree)
    etag = ours.get("/static/big.bin").headers["etag"]
    for if_range in (etag, '"stale"'):
        headers = {"range": "bytes=0-9", "if-range": if_range}
        same(ours, ref, "GET", "/static/big.bin", headers=headers)


# -- html mode -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/static/",
        "/static/sub/",
        "/static/sub",
        "/static/missing",
        "/static/empty/",
        "/static/sub/page.html",
        "/static/../secret.txt",
    ],
)
def test_html_mode_matches_starlette(tree: Path, url: str) -> None:
    ours, ref = clients(tree, html=True)
    ours.follow_redirects = ref.follow_redirects = False
    same(ours, ref, "GET", url)


def test_html_mode(tree: Path) -> None:
    ours, _ = clients(tree, html=True)
    assert ours.get("/static/").text == "<h1>home</h1>"
    redirect = ours.get("/static/sub", follow_redirects=False)
    assert redirect.status_code == 307
    assert redirect.headers["location"] == "http://testserver/static/sub/"
    assert ours.get("/static/sub").text == "<h1>sub</h1>"
    missing = ours.get("/static/nothing")
    assert (missing.status_code, missing.text) == (404, "<h1>missing</h1>")


def test_html_mode_without_404_page(tree: Path) -> None:
    (tree / "404.html").unlink()
    ours, ref = clients(tree, html=True)
    assert same(ours, ref, "GET", "/static/nothing").json() == {"detail": "Not Found"}


# -- hostile input ---------------------------------------------------------------------------

TRAVERSALS = [
    "/static/../secret.txt",
    "/static/../../secret.txt",
    "/static/../public/../secret.txt",
    "/static/sub/../../secret.txt",
    "/static/./../secret.txt",
    "/static/sub/./../../secret.txt",
    "/static/..",
    "/static/../",
    "/static/%2e%2e/secret.txt",
    "/static/%2E%2E/secret.txt",
    "/static/..%2fsecret.txt",
    "/static/%252e%252e/secret.txt",
    "/static/..\\secret.txt",
    "/static/\\..\\secret.txt",
    "/static/sub\\..\\..\\secret.txt",
    "/static/....//secret.txt",
    "/static/.../secret.txt",
    "/static/link_out.txt",
    "/static/linkdir/secret.txt",
    "/static/linkdir",
    "/static//etc/passwd",
    "/static/C:/Windows/win.ini",
    "/static/C:\\Windows\\win.ini",
    "/static/hello.txt\x00",
    "/static/hello.txt\x00.png",
    "/static/\x00../secret.txt",
    "/static/" + "a" * 300,
    "/static/" + "a" * 100_000,
    "/static/" + "a/" * 5000 + "hello.txt",
    "/static/" + "../" * 50 + "etc/passwd",
]


@pytest.mark.parametrize("path", TRAVERSALS)
@pytest.mark.parametrize("html", [False, True])
def test_traversal_is_404(tree: Path, path: str, html: bool) -> None:
    (tree / "404.html").unlink()
    app = StaticFiles(directory=tree, html=html)
    status, _, body = call(app, path)
    assert status == 404
    assert SECRET not in body


# NOTE: httpx refuses NUL in a URL and URLs over 64 KiB (any httpx client does).
@pytest.mark.parametrize("url", [p for p in TRAVERSALS if "\x00" not in p and len(p) < 65536])
def test_traversal_through_the_client(tree: Path, url: str) -> None:
    ours, _ = clients(tree)
    response = ours.get(url)
    assert response.status_code == 404
    assert SECRET not in response.content


def test_double_decoded_names_are_plain_files(tree: Path) -> None:
    # A literal '%2e%2e' is a file name like any other, never a parent reference.
    (tree / "%2e%2e").mkdir()
    (tree / "%2e%2e" / "x.txt").write_text("inner")
    assert call(StaticFiles(directory=tree), "/static/%2e%2e/x.txt")[2] == b"inner"


def test_follow_symlink_serves_links_out_of_the_directory(tree: Path) -> None:
    ours, ref = clients(tree, follow_symlink=True)
    for url in ("/static/link_out.txt", "/static/linkdir/secret.txt"):
        assert same(ours, ref, "GET", url).content == SECRET
    # '..' is still refused when links are followed.
    assert ours.get("/static/linkdir/../../secret.txt").status_code == 404
    assert call(StaticFiles(directory=tree, follow_symlink=True), "/static/../secret.txt")[0] == 404


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root reads anything")
def test_unreadable_file_is_401_like_starlette(tree: Path) -> None:
    (tree / "locked").mkdir()
    (tree / "locked" / "f.txt").write_text("x")
    os.chmod(tree / "locked", 0)
    try:
        ours, ref = clients(tree)
        assert same(ours, ref, "GET", "/static/locked/f.txt").status_code == 401
    finally:
        os.chmod(tree / "locked", 0o755)


def test_permission_error_is_401(tree: Path) -> None:
    class Locked(StaticFiles):
        def lookup_path(self, path: str) -> Any:
            raise PermissionError(path)

    status, _, body = call(Locked(directory=tree), "/static/hello.txt")
    assert (status, body) == (401, b'{"detail":"Unauthorized"}')


# -- the mount contract ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "root_path", "expected"),
    [
        ("/static/hello.txt", "/static", "hello.txt"),
        ("/static/sub/page.html", "/static", os.path.join("sub", "page.html")),
        ("/static", "/static", "."),
        ("/static/", "/static", "."),
        ("/hello.txt", "", "hello.txt"),
        ("/api/static/hello.txt", "/api/static", "hello.txt"),
        ("/staticfoo/hello.txt", "/static", os.path.join("staticfoo", "hello.txt")),
        ("/hello.txt", "/static", "hello.txt"),
        ("/static/a/../../x", "/static", os.path.join("..", "x")),
    ],
)
def test_get_path(tree: Path, path: str, root_path: str, expected: str) -> None:
    app = StaticFiles(directory=tree)
    ref = starlette_staticfiles.StaticFiles(directory=tree)
    scope = {"type": "http", "path": path, "root_path": root_path}
    assert app.get_path(scope) == expected
    assert ref.get_path(scope) == expected


def test_nested_mounts_and_root_path(tree: Path) -> None:
    app = mount("/api", mount("/static", StaticFiles(directory=tree)))
    client = TestClient(app, root_path="/proxy")
    assert client.get("/proxy/api/static/hello.txt").text == "hello world"
    direct = TestClient(StaticFiles(directory=tree), root_path="/static")
    assert direct.get("/static/sub/page.html").text == "<p>page</p>"


def test_missing_directory_fails_at_construction(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="Directory '.*nowhere' does not exist"):
        StaticFiles(directory=tmp_path / "nowhere")
    app = StaticFiles(directory=tmp_path / "nowhere", check_dir=False)
    with pytest.raises(RuntimeError, match="StaticFiles directory '.*nowhere' does not exist"):
        TestClient(app).get("/x")


def test_file_as_directory_fails_on_first_request(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    app = StaticFiles(directory=tmp_path / "f", check_dir=False)
    with pytest.raises(RuntimeError, match="is not a directory"):
        TestClient(app).get("/x")


def test_websocket_is_closed(tree: Path) -> None:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    asyncio.run(StaticFiles(directory=tree)({"type": "websocket", "path": "/"}, receive, send))
    assert sent == [{"type": "websocket.close", "code": 1000, "reason": ""}]


def test_mounted_in_a_fastcore_app(tree: Path) -> None:
    from fastcore import FastCore
    from fastcore.responses import PlainTextResponse

    app = FastCore()
    app.mount("/static", StaticFiles(directory=tree), name="static")

    @app.get("/static/dynamic")
    async def dynamic() -> dict[str, str]:
        return {"route": "wins"}

    client = TestClient(app)
    ref_app = fastapi.FastAPI()
    ref_app.mount("/static", starlette_staticfiles.StaticFiles(directory=tree), name="static")
    ref = TestClient(ref_app)
    for url in ("/static/hello.txt", "/static/missing", "/static/../secret.txt"):
        same(client, ref, "GET", url)
    same(client, ref, "POST", "/static/hello.txt")
    assert client.get("/static/dynamic").json() == {"route": "wins"}
    assert app.url_path_for("static", path="style.css") == "/static/style.css"

    custom = FastCore()
    custom.mount("/static", StaticFiles(directory=tree))

    @custom.exception_handler(404)
    async def not_found(request: Any, exc: Any) -> PlainTextResponse:
        return PlainTextResponse("custom " + request.url.path, status_code=404)

    response = TestClient(custom).get("/static/nothing")
    assert (response.status_code, response.text) == (404, "custom /static/nothing")
