"""The Swagger UI and ReDoc files shipped in fastcore, and FastAPI's docs-page keywords.

The files come from npm (``make docs-assets``, ``scripts/docs_assets.py``); ``versions.json``
records each package's version and the sha256 of every file, which must match what ships.
The page builders in ``fastcore.openapi.docs`` keep FastAPI's keywords and defaults: the same
calls on FastAPI and on fastcore give pages loading the same URLs with the same settings.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import fastapi.openapi.docs as fastapi_docs
import pytest

import fastcore
from fastcore.openapi import docs
from fastcore.testclient import TestClient

RECORD = json.loads((docs.BUNDLED_ASSETS_DIR / "versions.json").read_text())


def test_every_recorded_file_ships_unchanged() -> None:
    assert set(RECORD) == {"swagger-ui-dist", "redoc"}
    for info in RECORD.values():
        assert re.fullmatch(r"\d+\.\d+\.\d+", info["version"])
        assert info["integrity"].startswith("sha512-")
        for name, digest in info["files"].items():
            data = (docs.BUNDLED_ASSETS_DIR / name).read_bytes()
            assert hashlib.sha256(data).hexdigest() == digest, name


def test_the_licences_ship_beside_the_files() -> None:
    licences = docs.BUNDLED_ASSETS_DIR / "licenses"
    assert "Apache License" in (licences / "swagger-ui-dist.LICENSE").read_text()
    assert "MIT License" in (licences / "redoc.LICENSE").read_text()
    assert {"swagger-ui-dist.LICENSE", "redoc.LICENSE"} <= {
        name.removeprefix("licenses/") for info in RECORD.values() for name in info["files"]
    }


def test_the_versions_are_the_major_versions_fastapi_loads() -> None:
    versions = docs.bundled_asset_versions()
    assert versions["swagger-ui-dist"].startswith("5.")
    assert versions["redoc"].startswith("2.")


def _setuptools() -> dict[str, Any]:
    import tomllib

    root = docs.BUNDLED_ASSETS_DIR.parents[2]
    config = tomllib.loads((root / "pyproject.toml").read_text())
    return dict(config["tool"]["setuptools"])


def test_the_files_are_package_data() -> None:
    """A wheel holds them: each folder is a listed package whose package-data takes all."""
    setuptools = _setuptools()
    for folder in (docs.BUNDLED_ASSETS_DIR, docs.BUNDLED_ASSETS_DIR / "licenses"):
        name = ".".join(folder.relative_to(docs.BUNDLED_ASSETS_DIR.parents[2]).parts)
        assert name in setuptools["packages"]
        assert setuptools["package-data"][name] == ["*"]


def test_every_python_package_is_in_the_wheel() -> None:
    """A package folder missing from pyproject's list is silently left out of the wheel."""
    root = docs.BUNDLED_ASSETS_DIR.parents[2]
    found = {
        ".".join(init.parent.relative_to(root).parts)
        for init in (root / "fastcore").rglob("__init__.py")
    }
    assert found <= set(_setuptools()["packages"])


def test_an_app_serves_the_bundled_files_by_default() -> None:
    client = TestClient(fastcore.FastCore())
    bundle = client.get("/docs/assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    assert bundle.content == (docs.BUNDLED_ASSETS_DIR / "swagger-ui-bundle.js").read_bytes()
    assert bundle.headers["content-type"].startswith("text/javascript")
    redoc = client.get("/redoc").text
    assert 'src="/docs/assets/redoc.standalone.js"' in redoc
    assert "fonts.googleapis.com" not in redoc
    assert client.get("/docs/assets/redoc.standalone.js").status_code == 200
    assert client.get("/docs/assets/favicon-32x32.png").status_code == 200


def test_docs_cdn_and_a_folder_together_fail_at_startup(tmp_path: Any) -> None:
    app = fastcore.FastCore(docs_cdn=True, docs_assets_dir=tmp_path)
    with pytest.raises(fastcore.FastCoreError, match="docs_cdn=True .* pass one of the two"):
        app.freeze()


def test_no_docs_pages_means_no_asset_route() -> None:
    client = TestClient(fastcore.FastCore(docs_url=None, redoc_url=None))
    assert client.get("/docs/assets/swagger-ui.css").status_code == 404


SWAGGER_CALLS: list[dict[str, Any]] = [
    {},
    {
        "swagger_js_url": "/static/swagger-ui-bundle.js",
        "swagger_css_url": "/static/swagger-ui.css",
        "swagger_favicon_url": "/static/favicon.png",
    },
    {"swagger_ui_parameters": {"syntaxHighlight": False}},
    {"swagger_ui_parameters": {"syntaxHighlight": {"theme": "obsidian"}, "deepLinking": False}},
    {"oauth2_redirect_url": "/docs/oauth2-redirect", "init_oauth": {"clientId": "abc"}},
]


def _urls(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', page)


def _settings(page: str) -> list[str]:
    """The ``"key": value,`` lines of the SwaggerUIBundle({...}) call."""
    return sorted(re.findall(r'^\s*("[A-Za-z_]+": .*),$', page, re.M))


@pytest.mark.parametrize("call", SWAGGER_CALLS)
def test_get_swagger_ui_html_keywords_as_in_fastapi(call: dict[str, Any]) -> None:
    arguments = {"openapi_url": "/openapi.json", "title": "Shop - Swagger UI", **call}
    ours = docs.get_swagger_ui_html(**arguments).body.decode()
    theirs = fastapi_docs.get_swagger_ui_html(**arguments).body.decode()
    assert _urls(ours) == _urls(theirs)
    assert _settings(ours) == _settings(theirs)
    assert "<title>Shop - Swagger UI</title>" in ours
    if "init_oauth" in call:
        assert 'ui.initOAuth({"clientId": "abc"})' in ours
        assert "oauth2RedirectUrl: window.location.origin + " in ours


@pytest.mark.parametrize(
    "call",
    [
        {},
        {"redoc_js_url": "/static/redoc.standalone.js", "redoc_favicon_url": "/static/f.png"},
        {"with_google_fonts": False},
    ],
)
def test_get_redoc_html_keywords_as_in_fastapi(call: dict[str, Any]) -> None:
    arguments = {"openapi_url": "/openapi.json", "title": "Shop - ReDoc", **call}
    ours = docs.get_redoc_html(**arguments).body.decode()
    theirs = fastapi_docs.get_redoc_html(**arguments).body.decode()
    assert _urls(ours) == _urls(theirs)
    assert '<redoc spec-url="/openapi.json"></redoc>' in ours


def test_the_app_keywords_reach_the_page() -> None:
    """``swagger_ui_parameters`` on the app, as FastAPI's configure-swagger-ui page shows."""
    app = fastcore.FastCore(swagger_ui_parameters={"syntaxHighlight": {"theme": "obsidian"}})
    page = TestClient(app).get("/docs").text
    assert '"syntaxHighlight": {"theme": "obsidian"}' in page
    assert '"dom_id": "#swagger-ui"' in page
