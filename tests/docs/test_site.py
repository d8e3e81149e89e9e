"""The site as a reader gets it: built with --strict, complete, offline, readable in Chromium.

- every name the public API exports has an entry in the reference;
- the built pages load nothing from another host;
- the server page holds what ``fastcore run --help`` prints today;
- no page holds a Python example longer than a fragment that is not a docs_src/ file, and
  every docs_src/ file is on a page and named by a test in tests/docs/;
- headless Chromium, offline, renders the home page and the tutorial with their headings and
  finds a term with the site's search.
"""

from __future__ import annotations

import importlib
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.support.browser import dump_dom, find_chromium

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
DOCS_SRC = ROOT / "docs_src"
sys.path.insert(0, str(ROOT / "scripts"))

#: FastAPI 0.165's public module paths (its package less ``_``-modules, ``__main__``, and
#: ``middleware.asyncexitstack`` and ``telemetry``, which fastcore does not have: see
#: fastcore/alias.py). Each one fastcore has is documented in the reference.
FASTAPI_MODULES = [
    "applications",
    "background",
    "cli",
    "concurrency",
    "datastructures",
    "dependencies",
    "dependencies.models",
    "dependencies.utils",
    "encoders",
    "exception_handlers",
    "exceptions",
    "logger",
    "middleware",
    "middleware.cors",
    "middleware.gzip",
    "middleware.httpsredirect",
    "middleware.trustedhost",
    "middleware.wsgi",
    "openapi",
    "openapi.constants",
    "openapi.docs",
    "openapi.models",
    "openapi.utils",
    "param_functions",
    "params",
    "requests",
    "responses",
    "routing",
    "security",
    "security.api_key",
    "security.base",
    "security.http",
    "security.oauth2",
    "security.open_id_connect_url",
    "security.utils",
    "sse",
    "staticfiles",
    "status",
    "telemetry",
    "templating",
    "testclient",
    "types",
    "utils",
    "websockets",
]

#: The modules the reference documents: ``fastcore``, the FastAPI-compatible ones and
#: fastcore's own public modules; every name in their ``__all__`` must have an entry.
REFERENCE_MODULES = [
    "fastcore",
    "fastcore.alias",
    *(f"fastcore.{name}" for name in FASTAPI_MODULES),
]

#: fastcore's modules without an underscore that are not public API: the machinery behind
#: the app (read at start-up or per request) and the server's parts, which users reach
#: through ``fastcore run`` and ``app.run()`` (docs/server.md), not by import.
INTERNAL_MODULES = {
    "fastcore.app",
    "fastcore.asgi",
    "fastcore.openapi.builder",
    "fastcore.openapi.routes",
    "fastcore.openapi.schemas",
    "fastcore.security.forms",
    "fastcore.middleware.base",
}

#: The rule for code on a page (issue 15): a fenced block that is Python (tagged ``python``,
#: ``py``, ``python3``, ``py3`` or ``pycon``, or untagged but compiling as Python with an
#: ``import``, ``def``, ``class`` or decorator line) holds either only ``--8<--`` snippet lines
#: (a docs_src/ file, run by a test) or at most INLINE_LINES lines, blank ones counted: a
#: fragment such as one call or one setting, not a program a reader would copy and run.
INLINE_LINES = 4
PYTHON_TAGS = {"python", "py", "python3", "py3", "pycon"}


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.loaded: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag in ("script", "img", "iframe") and found.get("src"):
            self.loaded.append(str(found["src"]))
        if tag == "link" and found.get("href") and found.get("rel") != "canonical":
            self.loaded.append(str(found["href"]))


def _parse(path: Path) -> _Ids:
    parser = _Ids()
    parser.feed(path.read_text())
    return parser


def _documented(module: str, name: str, ids: set[str]) -> bool:
    """An entry under this module, or under another reference module exporting the same object."""
    if f"{module}.{name}" in ids:
        return True
    value = getattr(importlib.import_module(module), name)
    for other in REFERENCE_MODULES:
        found = getattr(importlib.import_module(other), name, None)
        if found is value and f"{other}.{name}" in ids:
            return True
    return False


def test_the_reference_has_every_exported_name(site: Path) -> None:
    ids: set[str] = set()
    for page in (site / "reference").rglob("*.html"):
        ids |= _parse(page).ids
    missing = [
        f"{module}.{name}"
        for module in REFERENCE_MODULES
        for name in importlib.import_module(module).__all__
        if not _documented(module, name, ids)
    ]
    assert not missing, f"not in the reference pages: {missing}"


def test_every_public_module_is_in_the_reference_or_internal() -> None:
    """A new module with FastAPI's path (or a new public one) cannot miss the reference."""
    import pkgutil

    import fastcore

    public = {
        found.name
        for found in pkgutil.walk_packages(fastcore.__path__, "fastcore.")
        if not any(part.startswith("_") for part in found.name.split("."))
        and not found.name.startswith(("fastcore.server", "fastcore.testclient."))
    }
    unlisted = public - set(REFERENCE_MODULES) - INTERNAL_MODULES
    assert not unlisted, "add to REFERENCE_MODULES (and a reference page) or INTERNAL_MODULES"
    assert {f"fastcore.{name}" for name in FASTAPI_MODULES} <= public, "a FastAPI path is gone"


def test_no_page_loads_anything_from_another_host(site: Path) -> None:
    pages = list(site.rglob("*.html"))
    assert len(pages) > 20
    external = {
        (str(page.relative_to(site)), url)
        for page in pages
        for url in _parse(page).loaded
        if re.match(r"(https?:)?//", url)
    }
    assert not external
    css = " ".join(p.read_text() for p in site.rglob("*.css"))
    assert "fonts.googleapis.com" not in css and "@import url(http" not in css


def test_every_snippet_was_included(site: Path) -> None:
    """A ``--8<--`` line the build left alone shows as text; each docs_src file shows as code."""
    for page in site.rglob("*.html"):
        text = page.read_text()
        assert (
            "8&lt;--" not in text and '<span class="mi">8</span> <span class="o">&lt;' not in text
        ), page
    migration = (site / "migration" / "index.html").read_text()
    assert migration.count("Hammer") == 2  # the before and the after tab


def test_the_server_page_shows_todays_run_help(site: Path) -> None:
    from mkdocs_hooks import run_help

    page = (site / "server" / "index.html").read_text()
    text = re.sub(r"<[^>]+>", "", page)
    import html

    text = html.unescape(text)
    for line in run_help().splitlines():
        assert line.strip() in text, line


_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+|~~~+) *\{?\.?(?P<tag>[\w-]*)[^\n]*\n", re.M)


def _code_blocks(text: str) -> list[tuple[int, str, str]]:
    """Every fenced block of a page (in admonitions and tabs too): line, tag, content."""
    blocks = []
    position = 0
    while found := _FENCE.search(text, position):
        indent, fence = found["indent"], found["fence"]
        closing = re.compile(rf"^{indent}{re.escape(fence)}[`~]* *$", re.M)
        end = closing.search(text, found.end())
        stop = end.start() if end else len(text)
        body = "\n".join(
            line.removeprefix(indent) for line in text[found.end() : stop].splitlines()
        )
        blocks.append((text.count("\n", 0, found.start()) + 1, found["tag"].lower(), body))
        position = end.end() if end else len(text)
    return blocks


def _is_python(tag: str, body: str) -> bool:
    if tag in PYTHON_TAGS:
        return True
    if tag:
        return False
    try:
        compile(body, "<block>", "exec")
    except (SyntaxError, ValueError):
        return False
    return bool(re.search(r"^(import |from \S+ import |(async )?def |class |@)", body, re.M))


def _inline_examples(text: str) -> list[tuple[int, str]]:
    """The Python blocks that break the rule above: (line, first line of code)."""
    found = []
    for line, tag, body in _code_blocks(text):
        if not _is_python(tag, body):
            continue
        lines = body.rstrip("\n").splitlines()
        code = [row for row in lines if not row.strip().startswith("--8<--")]
        if code and (len(lines) > INLINE_LINES or len(code) < len(lines)):
            found.append((line, next((row for row in code if row.strip()), "")))
    return found


def test_the_inline_rule_finds_what_it_should() -> None:
    fence = "`" * 3
    program = f"{fence}python\nfrom fastcore import FastAPI\n\napp = FastAPI()\n\n\n"
    program += f"@app.get('/')\nasync def root():\n    return {{}}\n{fence}\n"
    assert _inline_examples(program) == [(1, "from fastcore import FastAPI")]
    untagged = program.replace(f"{fence}python", fence)
    assert _inline_examples(untagged) == [(1, "from fastcore import FastAPI")]
    in_a_tab = "\n".join("    " + row for row in program.splitlines())
    assert _inline_examples('=== "a"\n\n' + in_a_tab) == [(3, "from fastcore import FastAPI")]
    mixed = f'{fence}python\n--8<-- "docs_src/a/b.py"\napp.run()\n{fence}\n'
    assert _inline_examples(mixed) == [(1, "app.run()")]
    allowed = [
        f'{fence}python\n--8<-- "docs_src/a/b.py"\n{fence}\n',
        f"{fence}python\napp = FastCore(docs_cdn=True)\n{fence}\n",
        f"{fence}\nfastcore: error: no app given\nimport failed\n{fence}\n",
        f"{fence}sh\n" + "make build\n" * 9 + f"{fence}\n",
        f"{fence}json\n" + '{"a": 1}\n' * 9 + f"{fence}\n",
    ]
    for text in allowed:
        assert _inline_examples(text) == [], text


def test_no_page_holds_an_example_that_is_not_a_docs_src_file() -> None:
    inline = {
        f"{page.relative_to(DOCS)}:{line}": first
        for page in sorted(DOCS.rglob("*.md"))
        for line, first in _inline_examples(page.read_text())
    }
    assert not inline, f"move these into docs_src/ and include them with --8<--: {inline}"


def _named(path: Path, tests: str) -> bool:
    """The tests import this example (``docs_src.a.b`` or ``from docs_src.a import b``), or,
    for a file that is not Python, import its folder and name the file."""
    parent = ".".join(path.parent.parts)
    if path.suffix != ".py":
        return parent in tests and f'"{path.name}"' in tests
    if f"{parent}.{path.stem}" in tests or f'"{path}"' in tests:
        return True
    imports = re.findall(rf"from {re.escape(parent)} import \(?([\w\s,]*)", tests)
    return any(path.stem in re.split(r"[\s,]+", names) for names in imports)


def test_every_docs_src_file_is_on_a_page_and_tested() -> None:
    pages = "".join(p.read_text() for p in DOCS.rglob("*.md"))
    pages += (ROOT / "scripts" / "mkdocs_hooks.py").read_text()
    tests = "".join(p.read_text() for p in Path(__file__).parent.glob("test_*.py"))
    files = [
        p
        for p in DOCS_SRC.rglob("*")
        if p.is_file()
        and p.name != "__init__.py"
        and "__pycache__" not in p.parts
        and p.parent.name != "templates"
    ]
    assert files
    for path in files:
        name = str(path.relative_to(ROOT))
        assert f'--8<-- "{name}"' in pages, f"{name} is on no page"
        assert _named(path.relative_to(ROOT), tests), f"{name} is named by no test in tests/docs/"


class _Text(HTMLParser):
    """Headings' text and search results' text of a rendered page."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.results: list[str] = []
        self._in: list[str] = []
        self._stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = str(dict(attrs).get("class") or "").split()
        kind = ""
        if tag in ("h1", "h2"):
            kind = "heading"
            self.headings.append("")
        elif "md-search-result__item" in classes:
            kind = "result"
            self.results.append("")
        self._stack.append(tag)
        self._in.append(kind)

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            self._stack.pop()
            self._in.pop()
            break

    def handle_data(self, data: str) -> None:
        if "heading" in self._in:
            self.headings[-1] += data
        if "result" in self._in:
            self.results[-1] += data


def _read(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def chromium() -> str:
    return find_chromium()


def test_the_home_page_renders(chromium: str, site_url: str, tmp_path: Path) -> None:
    page = _read(dump_dom(chromium, tmp_path / "profile", f"{site_url}/"))
    headings = [h.strip().rstrip("¶").strip() for h in page.headings]
    assert "fastcore" in headings and "Why" in headings


def test_a_tutorial_page_renders(chromium: str, site_url: str, tmp_path: Path) -> None:
    html = dump_dom(chromium, tmp_path / "profile", f"{site_url}/tutorial/")
    headings = [h.strip().rstrip("¶").strip() for h in _read(html).headings]
    assert headings[:1] == ["Tutorial"]
    assert {"Routes", "Parameters", "Dependencies"} <= set(headings)
    # The included example is on the page, highlighted, with the copy button's container.
    assert "read_item" in html and "highlight" in html


def test_the_search_finds_a_term(chromium: str, site_url: str, tmp_path: Path) -> None:
    """``?q=`` opens the search with that query; its worker lists the pages that have it."""
    from tests.support.browser import DevTools

    with DevTools(chromium, tmp_path / "profile") as browser:
        found = browser.wait_for(
            f"{site_url}/?q=lifespan",
            """(() => {
                const items = [...document.querySelectorAll('.md-search-result__item')];
                const meta = document.querySelector('.md-search-result__meta');
                return items.length ? {items: items.map(e => e.textContent),
                                       meta: meta.textContent} : null;
            })()""",
        )
    assert found, "the search listed nothing"
    assert any("lifespan" in item.lower() for item in found["items"])
    assert "matching document" in found["meta"]
