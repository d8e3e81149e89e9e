"""Offline docs: ``docs_assets_dir`` serves Swagger UI's and ReDoc's files from the app itself."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import fastcore
from fastcore.testclient import TestClient

CDN_HOSTS = ("cdn.jsdelivr.net", "fastapi.tiangolo.com", "fonts.googleapis.com")


@pytest.fixture
def assets(tmp_path: Path) -> Path:
    """A directory laid out like swagger-ui-dist beside ReDoc's bundle, plus a secret next door."""
    directory = tmp_path / "assets"
    directory.mkdir()
    (directory / "swagger-ui-bundle.js").write_text("window.SwaggerUIBundle = 1;")
    (directory / "swagger-ui.css").write_text("body { margin: 0 }")
    (directory / "favicon.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (directory / "redoc.standalone.js").write_text("window.Redoc = 1;")
    (directory / "sub").mkdir()
    (directory / "sub" / "extra.css").write_text("p {}")
    (tmp_path / "secret.txt").write_text("do not serve")
    return directory


def _app(directory: Path | str, **options: object) -> fastcore.FastCore:
    app = fastcore.FastCore(docs_assets_dir=directory, **options)

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"ping": "pong"}

    return app


def test_pages_load_local_assets_and_nothing_from_the_internet(assets: Path) -> None:
    client = TestClient(_app(assets))
    docs = client.get("/docs").text
    assert 'src="/docs/assets/swagger-ui-bundle.js"' in docs
    assert 'href="/docs/assets/swagger-ui.css"' in docs
    assert 'href="/docs/assets/favicon.png"' in docs
    redoc = client.get("/redoc").text
    assert 'src="/docs/assets/redoc.standalone.js"' in redoc
    assert 'href="/docs/assets/favicon.png"' in redoc
    for page in (docs, redoc):
        assert not [host for host in CDN_HOSTS if host in page]


def test_assets_are_served_with_their_media_types(assets: Path) -> None:
    client = TestClient(_app(assets))
    js = client.get("/docs/assets/swagger-ui-bundle.js")
    assert (js.status_code, js.text) == (200, "window.SwaggerUIBundle = 1;")
    assert js.headers["content-type"].startswith("text/javascript")
    css = client.get("/docs/assets/swagger-ui.css")
    assert css.headers["content-type"].startswith("text/css")
    assert client.get("/docs/assets/sub/extra.css").text == "p {}"
    head = client.head("/docs/assets/swagger-ui.css")
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-length"] == str(len("body { margin: 0 }"))


def test_the_folders_of_the_asset_packages_are_found_as_they_are(tmp_path: Path) -> None:
    """swagger-ui-dist names its favicon favicon-32x32.png; npm's redoc keeps bundles/."""
    (tmp_path / "favicon-32x32.png").write_bytes(b"png")
    (tmp_path / "bundles").mkdir()
    (tmp_path / "bundles" / "redoc.standalone.js").write_text("redoc")
    client = TestClient(_app(tmp_path))
    assert 'href="/docs/assets/favicon-32x32.png"' in client.get("/docs").text
    redoc = client.get("/redoc").text
    assert 'src="/docs/assets/bundles/redoc.standalone.js"' in redoc
    assert client.get("/docs/assets/bundles/redoc.standalone.js").text == "redoc"


@pytest.mark.parametrize(
    "url",
    [
        "/docs/assets/%2e%2e/secret.txt",
        "/docs/assets/..%2fsecret.txt",
        "/docs/assets/sub/..%2f..%2fsecret.txt",
        "/docs/assets/%2Fetc%2Fpasswd",
        "/docs/assets//etc/passwd",
        "/docs/assets/nul%00.js",
        "/docs/assets/sub",
        "/docs/assets/missing.js",
        "/docs/assets/",
    ],
)
def test_nothing_outside_the_directory_or_missing_is_served(assets: Path, url: str) -> None:
    response = TestClient(_app(assets)).get(url)
    assert response.status_code == 404, response.text
    assert response.json() == {"detail": "Not Found"}


def test_a_symlink_out_of_the_directory_is_not_followed(assets: Path) -> None:
    (assets / "leak.txt").symlink_to(assets.parent / "secret.txt")
    (assets / "inside.js").symlink_to(assets / "swagger-ui.css")
    client = TestClient(_app(assets))
    assert client.get("/docs/assets/leak.txt").status_code == 404
    assert client.get("/docs/assets/inside.js").status_code == 200


def test_root_path_prefixes_the_asset_urls(assets: Path) -> None:
    client = TestClient(_app(assets), root_path="/proxy")
    assert 'src="/proxy/docs/assets/swagger-ui-bundle.js"' in client.get("/docs").text
    assert 'src="/proxy/docs/assets/redoc.standalone.js"' in client.get("/redoc").text


def test_assets_follow_the_docs_url_and_stay_out_of_the_document(assets: Path) -> None:
    app = _app(str(assets), docs_url="/api/docs")
    client = TestClient(app)
    assert 'src="/api/docs/assets/swagger-ui-bundle.js"' in client.get("/api/docs").text
    assert client.get("/api/docs/assets/swagger-ui.css").status_code == 200
    assert list(app.openapi()["paths"]) == ["/ping"]


def test_without_swagger_ui_the_assets_sit_beside_redoc(assets: Path) -> None:
    client = TestClient(_app(assets, docs_url=None))
    assert 'src="/redoc/assets/redoc.standalone.js"' in client.get("/redoc").text
    assert client.get("/redoc/assets/redoc.standalone.js").status_code == 200


def test_a_path_like_directory_is_accepted(assets: Path) -> None:
    class Where(os.PathLike[str]):
        def __fspath__(self) -> str:
            return str(assets)

    assert TestClient(_app(Where())).get("/docs/assets/favicon.png").status_code == 200


def test_a_missing_directory_fails_at_startup(tmp_path: Path) -> None:
    app = _app(tmp_path / "nope")
    with pytest.raises(fastcore.FastCoreError, match="docs_assets_dir .* is not a directory"):
        app.freeze()


def test_without_the_setting_the_pages_use_the_files_shipped_with_fastcore() -> None:
    client = TestClient(fastcore.FastCore())
    docs = client.get("/docs").text
    assert 'src="/docs/assets/swagger-ui-bundle.js"' in docs
    assert not [host for host in CDN_HOSTS if host in docs + client.get("/redoc").text]
    assert client.get("/docs/assets/swagger-ui.css").status_code == 200


def test_docs_cdn_uses_the_cdn_and_serves_no_files() -> None:
    client = TestClient(fastcore.FastCore(docs_cdn=True))
    assert "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5" in client.get("/docs").text
    assert "https://cdn.jsdelivr.net/npm/redoc@2" in client.get("/redoc").text
    assert client.get("/docs/assets/swagger-ui.css").status_code == 404
