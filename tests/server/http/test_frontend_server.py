"""``app.frontend()`` on fastcore's own server (compiled and pure protocol).

The direct lane serves the app's path operations; what it does not match (the 404 path) goes
through the ASGI entry, where the frontend's files, fallbacks and dependencies are. The API
route must still be the lane's, and a file, a fallback and a dependency's 401 must arrive over
a real socket as the test client sees them (tests/compat/test_frontend.py compares those with
FastAPI).
"""

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from fastcore import APIRouter, Depends, FastAPI, HTTPException, Request
from tests.support.rawhttp import request
from tests.support.server_thread import run_server


def _app(root: Path) -> FastAPI:
    (root / "site" / "assets").mkdir(parents=True)
    (root / "site" / "index.html").write_text("<p>site</p>")
    (root / "site" / "assets" / "app.js").write_text("console.log(1)")
    (root / "private").mkdir()
    (root / "private" / "notes.txt").write_text("notes")
    app = FastAPI()

    @app.get("/api/items/{item_id}")
    async def item(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    def session(request: Request) -> None:
        if request.cookies.get("session") != "ok":
            raise HTTPException(401)

    private = APIRouter(dependencies=[Depends(session)])
    private.frontend("/", directory=root / "private")
    app.include_router(private, prefix="/private")
    app.frontend("/", directory=root / "site")
    return app


@pytest.fixture(scope="module")
def port(protocol_impl: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    with run_server(protocol_impl, _app(tmp_path_factory.mktemp("frontend"))) as port:
        yield port


def test_api_route_is_served(port: int) -> None:
    resp = request(port, "GET", "/api/items/3")
    assert (resp.status, resp.body) == (200, b'{"item_id":3}')


def test_file_is_served(port: int) -> None:
    resp = request(port, "GET", "/assets/app.js")
    assert (resp.status, resp.body) == (200, b"console.log(1)")
    assert resp.header("etag")
    head = request(port, "HEAD", "/assets/app.js")
    assert (head.status, head.body, head.header("content-length")) == (200, b"", "14")


def test_navigation_falls_back_to_index(port: int) -> None:
    resp = request(port, "GET", "/settings/profile", headers=[("accept", "text/html")])
    assert (resp.status, resp.body) == (200, b"<p>site</p>")
    missing = request(port, "GET", "/assets/missing.js")
    assert (missing.status, missing.body) == (404, b'{"detail":"Not Found"}')


def test_dependencies_guard_the_files(port: int) -> None:
    refused = request(port, "GET", "/private/notes.txt")
    assert (refused.status, refused.body) == (401, b'{"detail":"Unauthorized"}')
    resp = request(port, "GET", "/private/notes.txt", headers=[("cookie", "session=ok")])
    assert (resp.status, resp.body) == (200, b"notes")
