"""The docs pages in a real browser: headless Chromium renders /docs and /redoc offline.

The example app (``examples/shop.py``) runs as ``make run`` runs it, under ``fastcore run``
on 127.0.0.1, with nothing configured: the pages load the Swagger UI and ReDoc files shipped
inside fastcore. Chromium may resolve no host but 127.0.0.1 (``tests/support/browser.py``),
so a page that still needed a CDN would render nothing. Each page's DOM, after its scripts
ran, must list every operation of the document.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import dump_dom, fastcore_run, find_chromium, run_chromium, serve
from tests.support.shop_server import request

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@pytest.fixture(scope="module")
def chromium() -> str:
    return find_chromium()


def _get(port: int, path: str) -> tuple[int, bytes]:
    status, _, body = request(port, "GET", path)
    return status, body


@pytest.fixture(scope="module")
def server() -> Iterator[int]:
    """``make run``'s app and server, on a socket bound to a port the OS picked."""
    with serve(*fastcore_run("examples.shop:app"), ready="/health") as port:
        yield port


@pytest.fixture(scope="module")
def operations(server: int) -> list[tuple[str, str, str, str]]:
    """(METHOD, path, summary, operationId) of every operation in the served document."""
    status, body = _get(server, "/openapi.json")
    assert status == 200
    paths = json.loads(body)["paths"]
    found = [
        (method.upper(), path, op["summary"], op["operationId"])
        for path, item in paths.items()
        for method, op in item.items()
        if method in METHODS
    ]
    assert len(found) == 6
    return found


def test_the_pages_load_only_the_apps_own_files(server: int) -> None:
    """What the browser tests below rely on: no URL in either page leaves the app."""
    for page in ("/docs", "/redoc"):
        status, body = _get(server, page)
        assert status == 200
        assert b"https://" not in body and b"http://" not in body, body.decode()
    status, body = _get(server, "/docs/assets/swagger-ui-bundle.js")
    assert status == 200 and b"SwaggerUIBundle" in body


class _Dom(HTMLParser):
    """What the tests read from a rendered page: ids, and the text of elements by class.

    ``wanted`` maps a key to a class name (or a tag name); ``then`` maps a key to a key for
    the next ``<span>`` after such an element (ReDoc puts the path in the span after the verb).
    """

    def __init__(self, wanted: dict[str, str], then: dict[str, str] | None = None) -> None:
        super().__init__()
        self.wanted, self.then = wanted, then or {}
        self.ids: list[str] = []
        self.data_paths: list[str] = []
        self.texts: dict[str, list[str]] = {key: [] for key in (*wanted, *self.then.values())}
        self._open: list[tuple[str, str, int]] = []  # (key, tag, depth of that tag)
        self._depth: dict[str, int] = {}
        self._pending: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self._depth[tag] = self._depth.get(tag, 0) + 1
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if found.get("data-path"):
            self.data_paths.append(str(found["data-path"]))
        classes = str(found.get("class") or "").split()
        for key, name in self.wanted.items():
            if name in classes or name == tag:
                self._begin(key, tag)
        if tag == "span" and self._pending is not None:
            self._begin(self._pending, tag)
            self._pending = None

    def _begin(self, key: str, tag: str) -> None:
        self._open.append((key, tag, self._depth[tag]))
        self.texts[key].append("")

    def handle_endtag(self, tag: str) -> None:
        while self._open and self._open[-1][1] == tag and self._open[-1][2] == self._depth[tag]:
            key = self._open.pop()[0]
            self.texts[key][-1] = self.texts[key][-1].strip()
            self._pending = self.then.get(key, self._pending)
        self._depth[tag] = self._depth.get(tag, 1) - 1

    def handle_data(self, data: str) -> None:
        for key, _, _ in self._open:
            self.texts[key][-1] += data


def _dom(html: str, wanted: dict[str, str], then: dict[str, str] | None = None) -> _Dom:
    parser = _Dom(wanted, then)
    parser.feed(html)
    parser.close()
    return parser


def test_swagger_ui_lists_every_operation(
    chromium: str, server: int, operations: list[Any], tmp_path: Path
) -> None:
    html = dump_dom(chromium, tmp_path / "profile", f"http://127.0.0.1:{server}/docs")
    dom = _dom(
        html,
        {"method": "opblock-summary-method", "summary": "opblock-summary-description"},
    )
    listed = set(zip(dom.texts["method"], dom.data_paths, dom.texts["summary"]))
    assert listed == {(method, path, summary) for method, path, summary, _ in operations}
    for *_, operation_id in operations:
        assert any(i.startswith("operations-") and i.endswith(operation_id) for i in dom.ids)


def test_redoc_lists_every_operation(
    chromium: str, server: int, operations: list[Any], tmp_path: Path
) -> None:
    html = dump_dom(chromium, tmp_path / "profile", f"http://127.0.0.1:{server}/redoc")
    dom = _dom(html, {"verb": "http-verb", "title": "h2"}, then={"verb": "path"})
    assert {i.removeprefix("operation/") for i in dom.ids if i.startswith("operation/")} == {
        operation_id for *_, operation_id in operations
    }
    assert set(zip(dom.texts["verb"], dom.texts["path"])) == {
        (method.lower(), path) for method, path, _, _ in operations
    }
    assert {summary for _, _, summary, _ in operations} <= set(dom.texts["title"])


def test_screenshot_of_the_docs(chromium: str, server: int, tmp_path: Path) -> None:
    """Saved in pytest's tmp dir for a person to look at; checked to be a full, busy PNG."""
    shot = tmp_path / "docs.png"
    run_chromium(
        chromium,
        tmp_path / "profile",
        f"--screenshot={shot}",
        "--window-size=1280,2000",
        f"http://127.0.0.1:{server}/docs",
    )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1280, 2000)
    # A page showing one heading is about 13 kB; the rendered docs are about 65 kB.
    assert len(data) > 30_000
